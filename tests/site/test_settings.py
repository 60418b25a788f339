"""Settings come from the environment; a production configuration passes `check --deploy`."""

import json
import os
import subprocess
import sys
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from jakcctv import env

PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "k3Jx9-production-secret-that-is-long-and-random-enough-0123456789abcdef",
    "ALLOWED_HOSTS": "cctv.jakarta.go.id",
    "CSRF_TRUSTED_ORIGINS": "https://cctv.jakarta.go.id",
    "EMAIL_URL": "smtp://portal:rahasia@mail.jakarta.go.id:587?tls=1",
}


def _manage(*args, env):
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_in_production():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_without_email_is_flagged():
    result = _manage("check", "--deploy", env={**PRODUCTION_ENV, "EMAIL_URL": ""})
    assert result.returncode != 0
    assert "mail.E001" in result.stderr


def test_production_without_a_secret_refuses_to_start():
    env = {**PRODUCTION_ENV, "SECRET_KEY": ""}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_bad_boolean_is_named():
    os.environ["JAKCCTV_TEST_FLAG"] = "mungkin"
    try:
        with pytest.raises(ImproperlyConfigured, match="JAKCCTV_TEST_FLAG"):
            env.env_bool("JAKCCTV_TEST_FLAG", False)
    finally:
        del os.environ["JAKCCTV_TEST_FLAG"]


def test_email_url_becomes_a_mailer():
    console = env.mailer_from_url("")
    assert console["BACKEND"].endswith("console.EmailBackend")
    smtp = env.mailer_from_url("smtp://pusat%40jakarta.go.id:r4h%2Fsia@mail.go.id:587?tls=1")
    assert smtp["OPTIONS"]["host"] == "mail.go.id"
    assert smtp["OPTIONS"]["port"] == 587
    assert smtp["OPTIONS"]["username"] == "pusat@jakarta.go.id"
    assert smtp["OPTIONS"]["password"] == "r4h/sia"
    assert smtp["OPTIONS"]["use_tls"] is True
    with pytest.raises(ImproperlyConfigured):
        env.mailer_from_url("http://mail")


def test_language_and_time_zone():
    assert settings.LANGUAGE_CODE == "id"
    assert [code for code, _ in settings.LANGUAGES] == ["id", "en"]
    assert settings.TIME_ZONE == "Asia/Jakarta"


def test_stores_follow_the_environment():
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
        assert settings.DATABASES["default"]["OPTIONS"]["pool"]  # psycopg 3 pool
    else:
        assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
    layer = settings.CHANNEL_LAYERS["default"]["BACKEND"]
    if os.environ.get("REDIS_URL"):
        assert layer == "channels_redis.pubsub.RedisPubSubChannelLayer"
        # Pub/sub ignores the database number: the prefix keeps portals on one server apart.
        database = urlsplit(os.environ["REDIS_URL"]).path.strip("/") or "0"
        assert settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] == f"jakcctv.db{database}"
    else:
        assert layer == "channels.layers.InMemoryChannelLayer"


@pytest.mark.django_db
def test_postgres_connections_come_from_the_pool():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the pool is PostgreSQL's (this run is on SQLite)")
    connection.ensure_connection()
    assert connection.pool is not None


def test_production_static_files_get_hashed_compressed_names(tmp_path):
    """whitenoise serves hls.js, Leaflet and our own files under content-hashed names."""
    env = {**PRODUCTION_ENV, "STATIC_ROOT": str(tmp_path)}
    result = _manage("collectstatic", "--noinput", env=env)
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    for name in [
        "vendor/hls.js/hls.min.js",
        "vendor/leaflet/leaflet.js",
        "vendor/swagger-ui/swagger-ui-bundle.js",
        "js/player.js",
    ]:
        hashed = manifest[name]
        assert hashed != name and (tmp_path / hashed).exists()
        assert (tmp_path / f"{hashed}.gz").exists()
