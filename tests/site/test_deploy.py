"""The production deployment in docker/ fits the portal it deploys.

No Docker engine runs on the CI machines, so the images are never built here. What can be
checked without one is checked: every setting is documented, the compose file is well formed
and names only commands that exist (with arguments they accept), the image's daphne command and
HEALTHCHECK work against a real daphne, MediaMTX's hook address is the hook, the proxy routes
what the portal expects, and the compose environment passes `check --deploy`.
"""

import gc
import json
import os
import re
import shlex
import subprocess
import sys
import urllib.error
import urllib.request
from importlib import import_module
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from asgiref.sync import async_to_sync
from channels.testing import HttpCommunicator
from daphne.cli import CommandLineInterface
from django.apps import apps as django_apps
from django.conf import settings
from django.core.management import get_commands, load_command_class

from jakcctv.asgi import application, portal
from jakcctv.warmup import FreezeAfterWarmUp
from tests import provision
from tests.figures import MATRIX_CASES
from tests.live_daphne import LiveDaphne

DOCKER = Path(settings.BASE_DIR) / "docker"
PORTAL_SERVICES = {"portal1", "portal2"}
WORKER_COMMANDS = {
    "migrate": ["migrate", "--no-input"],
    "streams": ["run_streams"],
    "sla": ["sla_sweep", "--every", "60"],
    "requests": ["request_sweep", "--every", "60"],
    "maintenance": ["maintenance_sweep", "--every", "60"],
    "shifts": ["check_shift_checkins", "--every", "60"],
    "retention": ["apply_retention", "--every", "3600"],
    "push": ["send_push", "--every", "1"],
}
# What an operator writes into docker/.env besides the example's values.
FILLED_IN = {
    "SECRET_KEY": "k3Jx9-production-secret-that-is-long-and-random-enough-0123456789abcdef",
    "POSTGRES_PASSWORD": "0123456789abcdef",
    "MEDIAMTX_API_PASSWORD": "fedcba9876543210",
    "EMAIL_URL": "smtp://portal:rahasia@mail.jakarta.go.id:587?tls=1",
}


def compose():
    return yaml.safe_load((DOCKER / "compose.yml").read_text())


def env_example():
    """docker/.env.example as {name: value} for lines set, and the names of all listed lines."""
    values, listed = {}, set()
    for line in (DOCKER / ".env.example").read_text().splitlines():
        match = re.match(r"^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$", line)
        if match:
            listed.add(match[2])
            if not match[1]:
                values[match[2]] = match[3]
    return values, listed


def project_packages():
    """The project's own packages: its installed apps and the configuration package."""
    here = Path(settings.BASE_DIR)
    apps = [app.name for app in django_apps.get_app_configs() if Path(app.path).parent == here]
    return sorted({*apps, "jakcctv"})


def variables_read_by_the_portal():
    """Every environment variable read by the settings and by the apps (worker commands)."""
    read = re.compile(
        r"""(?:env_str|env_int|env_bool|env_list|os\.environ\.get|os\.getenv)\(\s*["']([A-Z][A-Z0-9_]+)["']"""
        r"""|os\.environ\[\s*["']([A-Z][A-Z0-9_]+)["']\s*\]"""
    )
    names = set()
    for package in project_packages():
        for source in (Path(settings.BASE_DIR) / package).rglob("*.py"):
            names |= {a or b for a, b in read.findall(source.read_text())}
    return names


def readme_settings_table():
    readme = (Path(settings.BASE_DIR) / "README.md").read_text()
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    names = set()
    for row in section.splitlines():
        if row.startswith("| `"):
            names |= set(re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1]))
    return names


def dockerfile_instruction(name):
    """The JSON-form arguments of the last `name` instruction (CMD, HEALTHCHECK ... CMD)."""
    text = (DOCKER / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line for line in text.splitlines() if line.startswith(f"{name} ")]
    return json.loads(lines[-1][lines[-1].index("[") :])


def test_every_variable_is_in_env_example_and_readme():
    names = variables_read_by_the_portal()
    assert {"SECRET_KEY", "DATABASE_URL", "STREAM_MODE", "DEMO_PASSWORD"} <= names  # sanity
    _, listed = env_example()
    assert names - listed == set(), "add these to docker/.env.example"
    assert names - readme_settings_table() == set(), "add these to README's settings table"


def test_compose_interpolates_only_variables_the_example_lists():
    _, listed = env_example()
    used = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", (DOCKER / "compose.yml").read_text()))
    assert {"POSTGRES_PASSWORD", "SECRET_KEY", "PORTAL_DOMAIN"} <= used
    assert used - listed == set()
    caddy = set(re.findall(r"\{\$([A-Z][A-Z0-9_]*)", (DOCKER / "Caddyfile").read_text()))
    assert caddy <= set(compose()["services"]["proxy"]["environment"])


def test_compose_services_and_what_reaches_them():
    spec = compose()
    services = spec["services"]
    assert set(services) == {
        "db",
        "redis",
        "migrate",
        *PORTAL_SERVICES,
        *WORKER_COMMANDS.keys() - {"migrate"},
        "media-nodes",
        "mediamtx1",
        "mediamtx2",
        "proxy",
    }
    # Only the proxy is reachable from outside; daphne trusts X-Forwarded-For (--proxy-headers).
    assert {name for name, service in services.items() if "ports" in service} == {"proxy"}
    assert services["proxy"]["ports"] == ["80:80", "443:443", "443:443/udp"]
    for name, service in services.items():
        for dependency in service.get("depends_on", []):
            assert dependency in services, f"{name} depends on unknown {dependency}"
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (DOCKER / source).is_file(), f"{name} mounts missing {source}"
            else:
                assert source in spec["volumes"], f"{name} uses undeclared volume {source}"
    assert (DOCKER / ".env.example").is_file()  # copied to docker/.env (env_file)


def test_portals_are_two_replicas_of_the_image_command_sharing_everything():
    services = compose()["services"]
    for name in PORTAL_SERVICES:
        portal = services[name]
        assert "command" not in portal  # the image's daphne CMD
        assert portal["build"] == {"context": "..", "dockerfile": "docker/Dockerfile"}
        assert portal["networks"]["default"]["aliases"] == ["portal"]
        assert "media:/data/media" in portal["volumes"]  # uploads seen by both
        env = portal["environment"]
        assert env["STREAM_MODE"] == "mediamtx"
        assert env["DATABASE_URL"].startswith("postgres://") and "@db:5432/" in env["DATABASE_URL"]
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        assert env["PROXY_COUNT"] == "1"
    assert services["portal1"] == services["portal2"]


def test_worker_commands_exist_and_accept_their_arguments():
    services = compose()["services"]
    commands = get_commands()
    for name, expected in WORKER_COMMANDS.items():
        command = services[name]["command"]
        assert command[:2] == ["python", "manage.py"] and command[2:] == expected
        assert command[2] in commands, f"{name}: no command {command[2]}"
        parser = load_command_class(commands[command[2]], command[2]).create_parser(
            "manage.py", command[2]
        )
        parser.parse_args(command[3:])  # exits (fails the test) on an unknown argument
        assert services[name]["healthcheck"] == {"disable": True}
    # sync_mediamtx is what the streams worker repeats; it exists for a first sync by hand.
    assert "sync_mediamtx" in commands
    assert services["streams"]["environment"]["STREAM_MODE"] == "mediamtx"


def test_dockerfile_builds_a_slim_non_root_daphne_image():
    dockerfile = (DOCKER / "Dockerfile").read_text()
    assert re.search(r"^FROM node:\S+ AS assets$", dockerfile, re.M)
    assert "npm ci" in dockerfile
    final_stage = dockerfile.split("\nFROM ")[-1]
    assert final_stage.startswith("python:3.12-slim\n")
    assert re.search(r"^USER jakcctv$", final_stage, re.M)
    assert "[dev]" not in dockerfile and "pip install --no-deps -e ." in dockerfile
    assert "compilemessages" in dockerfile and "collectstatic --noinput" in dockerfile
    assert "DEBUG=0" in dockerfile
    ignored = (Path(settings.BASE_DIR) / ".dockerignore").read_text().split()
    assert {".venv", "node_modules", ".git", "docker/.env"} <= set(ignored)


def test_image_command_is_daphne_with_proxy_headers():
    command = dockerfile_instruction("CMD")
    assert command[0] == "daphne"
    options = CommandLineInterface().parser.parse_args(command[1:])
    assert options.host == "0.0.0.0"  # noqa: S104 (inside the container; only the proxy reaches it)
    assert (options.port, options.proxy_headers) == (8000, True)
    module, _, attribute = options.application.partition(":")
    assert (module, attribute) == ("jakcctv.asgi", "application")
    assert getattr(import_module(module), attribute) is application


PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": FILLED_IN["SECRET_KEY"],
    "ALLOWED_HOSTS": "cctv.jakarta.go.id",
    "LOG_LEVEL": "ERROR",
}


def fetch(url, method="GET"):
    """(status, headers, body) of one request to our own daphne on 127.0.0.1."""
    body = b"" if method == "POST" else None
    request = urllib.request.Request(url, method=method, data=body)  # noqa: S310 (our daphne)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_healthcheck_passes_against_the_image_command_while_django_refuses_the_host():
    """The image's HEALTHCHECK and the proxy probe with the container's own address as Host."""
    command = dockerfile_instruction("CMD")
    options = command[5:-1]  # what follows -b 0.0.0.0 -p 8000, before the application
    assert options == ["--proxy-headers"]
    check = dockerfile_instruction("HEALTHCHECK")
    assert check[:2] == ["python", "-c"] and "http://127.0.0.1:8000/healthz" in check[2]
    with LiveDaphne(*options, **PRODUCTION) as portal:
        probe = check[2].replace("127.0.0.1:8000", f"127.0.0.1:{portal.port}")
        result = subprocess.run([sys.executable, "-c", probe], capture_output=True, timeout=30)
        assert result.returncode == 0, result.stderr
        status, headers, body = fetch(f"{portal.url}/healthz")
        assert (status, json.loads(body)) == (200, {"status": "ok"})
        assert headers["Cache-Control"] == "no-store"
        # Django behind it refuses a Host it does not serve: /healthz must not go through it.
        assert fetch(f"{portal.url}/akun/")[0] == 400
        assert fetch(f"{portal.url}/healthz", "HEAD")[::2] == (200, b"")
        assert fetch(f"{portal.url}/healthz", "POST")[0] == 405


def get_healthz(cookie=""):
    async def ask():
        headers = [(b"cookie", cookie.encode())] if cookie else []
        communicator = HttpCommunicator(application, "GET", "/healthz", headers=headers)
        return await communicator.get_response(timeout=10)

    return async_to_sync(ask)()


@pytest.mark.django_db
def test_healthz_tells_everyone_the_same_and_nothing_more(signed_in, demo_users):
    """The leak matrix's view of /healthz: every persona and anonymous get one constant answer."""
    answers = {"anonymous": get_healthz()}
    for username in demo_users:
        session = signed_in(username).cookies["sessionid"].value
        answers[username] = get_healthz(f"sessionid={session}")
    for persona, response in answers.items():
        assert (response["status"], response["body"]) == (200, b'{"status": "ok"}'), persona
        assert dict(response["headers"]).keys() == {
            b"content-type",
            b"content-length",
            b"cache-control",
        }  # no cookie set, no session touched
    MATRIX_CASES["healthz (personas)"] = len(answers)


def test_mediamtx_asks_the_portals_hook():
    """authHTTPAddress names the replicas' shared alias, their port and the hook's path."""
    mediamtx = yaml.safe_load((DOCKER / "mediamtx.yml").read_text())
    address = urlsplit(mediamtx["authHTTPAddress"])
    assert (address.hostname, address.port) == ("portal", 8000)
    body = json.dumps({"action": "api", "user": "jakcctv", "password": "salah"}).encode()

    async def ask():
        communicator = HttpCommunicator(application, "POST", address.path, body=body)
        return await communicator.get_response(timeout=10)

    response = async_to_sync(ask)()
    # The hook's own refusal (JSON, in Indonesian), not Django's 404 or CSRF page.
    assert response["status"] == 401
    assert json.loads(response["body"]) == {"detail": "Hanya portal yang diizinkan."}


def media_node_commands():
    """The `media_node` commands the media-nodes service runs, as argument lists."""
    command = compose()["services"]["media-nodes"]["command"]
    assert command[:2] == ["sh", "-c"]
    return [shlex.split(part) for part in command[2].split("&&")]


def test_media_nodes_are_registered_with_arguments_the_command_accepts():
    commands = get_commands()
    parser = load_command_class(commands["media_node"], "media_node").create_parser(
        "manage.py", "media_node"
    )
    registered = media_node_commands()
    assert [args[:3] for args in registered] == [
        ["python", "manage.py", "media_node"],
        ["python", "manage.py", "media_node"],
    ]
    names = [vars(parser.parse_args(args[3:]))["name"] for args in registered]
    assert names == ["n1", "n2"]
    services = compose()["services"]
    assert services["mediamtx1"] == services["mediamtx2"]  # one configuration for every node
    assert services["streams"]["depends_on"]["media-nodes"] == {
        "condition": "service_completed_successfully"
    }


def test_proxy_routes_match_the_portal_and_each_media_node():
    caddyfile = (DOCKER / "Caddyfile").read_text()
    mediamtx = yaml.safe_load((DOCKER / "mediamtx.yml").read_text())
    commands = get_commands()
    parser = load_command_class(commands["media_node"], "media_node").create_parser(
        "manage.py", "media_node"
    )
    hls_port = mediamtx["hlsAddress"].rsplit(":", 1)[1]
    api_port = mediamtx["apiAddress"].rsplit(":", 1)[1]
    for args in media_node_commands():
        node = vars(parser.parse_args(args[3:]))
        host = urlsplit(node["api_url"]).hostname
        assert host in compose()["services"] and node["api_url"] == f"http://{host}:{api_port}"
        prefix = node["hls_url"].rstrip("/")
        assert f"handle {prefix}/* {{" in caddyfile
        route = caddyfile.split(f"handle {prefix}/* {{", 1)[1].split("\n\t}", 1)[0]
        assert f"uri strip_prefix {prefix}" in route
        assert f"reverse_proxy {host}:{hls_port} {{" in route
    upstreams = " ".join(f"{name}:8000" for name in sorted(PORTAL_SERVICES))
    assert f"reverse_proxy {upstreams} {{" in caddyfile
    assert "health_uri /healthz" in caddyfile
    hook_path = urlsplit(mediamtx["authHTTPAddress"]).path
    assert f"handle {hook_path.rstrip('/')}* {{\n\t\trespond 404" in caddyfile


def test_caddyfile_is_valid():
    result = subprocess.run(
        [provision.caddy(), "validate", "--config", "Caddyfile", "--adapter", "caddyfile"],
        cwd=DOCKER,
        env={**os.environ, "PORTAL_DOMAIN": "cctv.jakarta.go.id"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Valid configuration" in result.stdout + result.stderr


def test_compose_environment_passes_check_deploy():
    """docker/.env.example with its blanks filled in, plus what compose sets, is deploy-clean."""
    values, _ = env_example()
    dotenv = {**values, **FILLED_IN}
    portal = compose()["services"]["portal1"]["environment"]
    environment = {
        name: re.sub(r"\$\{(\w+)(:\?[^}]*)?\}", lambda m: dotenv[m[1]], value)
        for name, value in portal.items()
    }
    keep = {"PATH", "HOME", "LANG"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env={
            **{k: v for k, v in os.environ.items() if k in keep},
            **dotenv,
            **environment,
            "STATIC_ROOT": str(Path(settings.BASE_DIR) / "staticfiles"),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_portal_freezes_what_its_first_requests_built_and_keeps_answering():
    """Long-lived objects are taken out of the garbage collector's sight after a warm-up (the
    API's latency tail was full collections: jakcctv/warmup.py), and requests go on as before."""
    warming = FreezeAfterWarmUp(portal, requests=3)
    built_while_warming = ["a resolver, a template, a catalogue..."]

    def collector_sees(thing):
        return any(tracked is thing for tracked in gc.get_objects())

    def healthz():
        communicator = HttpCommunicator(warming, "GET", "/healthz")
        return async_to_sync(communicator.get_response)()["status"]

    assert [healthz(), healthz()] == [200, 200]
    assert collector_sees(built_while_warming)  # still warming up
    assert healthz() == 200
    assert not collector_sees(built_while_warming)  # frozen
    assert healthz() == 200


def test_every_installed_package_is_the_pinned_release():
    """constraints.txt pins what `make install` and the image install (asgiref 3.13 once broke
    the database pool without a line of ours changing)."""
    from importlib.metadata import distributions

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    lines = (Path(settings.BASE_DIR) / "constraints.txt").read_text().splitlines()
    pins = {}
    for line in lines:
        if line and not line.startswith("#"):
            requirement = Requirement(line)
            pins[canonicalize_name(requirement.name)] = str(requirement.specifier)
    assert all(spec.startswith("==") for spec in pins.values())
    assert {"asgiref", "channels", "django", "psycopg-pool", "daphne"} <= set(pins)
    dockerfile = (DOCKER / "Dockerfile").read_text()
    assert "pip install -c constraints.txt" in dockerfile
    installed = {canonicalize_name(d.metadata["Name"]): d.version for d in distributions()}
    for name, spec in pins.items():
        assert installed.get(name) == spec[2:], f"{name}: {installed.get(name)} installed, {spec}"
