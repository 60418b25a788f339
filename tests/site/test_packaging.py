"""The wheel carries every app with its templates, static files, translations and data: built
from a copy of the source, installed outside the source tree, and used from there."""

import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

from django.apps import apps
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
# What is not part of the source: installed, generated or local things.
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "node_modules", "staticfiles", "media", "streams", "build", "*.egg-info",
    "__pycache__", ".pytest_cache", ".ruff_cache", ".import_linter_cache", "db.sqlite3*",
    ".test-db.sqlite3*", "test-results",
)  # fmt: skip


def _project_packages():
    here = BASE_DIR.resolve()
    found = [app.name for app in apps.get_app_configs() if Path(app.path).parent == here]
    return sorted({*found, "jakcctv"})


def test_the_wheel_installs_and_runs_outside_the_source_tree(tmp_path):
    source = tmp_path / "source"
    shutil.copytree(BASE_DIR, source, ignore=NOT_SOURCE)
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
        + ["-w", str(tmp_path / "dist"), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    (wheel,) = (tmp_path / "dist").glob("jakcctv-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    packages = _project_packages()
    assert {"common", "kelurahan", "cameras", "shifts", "incidents", "audit"} <= set(packages)
    for package in packages:
        assert f"{package}/__init__.py" in names, package
    for shipped in [
        "jakcctv/templates/base.html",
        "jakcctv/static/css/app.css",
        "jakcctv/locale/en/LC_MESSAGES/django.po",
        "incidents/templates/incidents/incident_detail.html",
        "kelurahan/data/jakarta_wilayah.csv.gz",
        "kelurahan/data/NOTICE",
        "kelurahan/fixtures/demo_areas.csv",
    ]:
        assert shipped in names, shipped
    assert not any(name.startswith(("tests/", "bench/")) for name in names)

    site = tmp_path / "site"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site)]
        + [str(wheel)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    script = textwrap.dedent(
        f"""
        import importlib, os, sys
        os.environ["DJANGO_SETTINGS_MODULE"] = "jakcctv.settings"
        import django
        django.setup()
        from django.contrib.staticfiles import finders
        from django.core.management import call_command
        from django.template.loader import get_template
        from django.utils import translation
        from kelurahan.areas_import import OFFICIAL_AREAS
        site = {str(site)!r}
        for name in {packages!r}:
            assert importlib.import_module(name).__file__.startswith(site), name
        assert get_template("incidents/incident_detail.html").origin.name.startswith(site)
        assert get_template("base.html").origin.name.startswith(site)
        assert finders.find("css/app.css").startswith(site)
        assert str(OFFICIAL_AREAS).startswith(site) and OFFICIAL_AREAS.exists()
        translation.activate("en")
        assert translation.gettext("Kejadian") != "Kejadian"
        call_command("check")
        print("ok")
        """
    )
    used = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,  # not the source tree: nothing may come from there
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(site), "DEBUG": "1", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert used.returncode == 0 and used.stdout.strip().endswith("ok"), used.stdout + used.stderr
