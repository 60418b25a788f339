"""sync_mediamtx and run_streams' production mode, against a stand-in for MediaMTX's config API.

MediaMTX is an external service that cannot run on these machines (no binary, no Docker engine),
so a small local HTTP server stands in for it: it keeps path configurations and answers the
`/v3/config/paths/*` calls with the statuses and bodies MediaMTX's API documents (apidocs/
openapi.yaml of bluenviron/mediamtx), and records every request.
"""

import base64
import json
import re
import shlex
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from asgiref.sync import async_to_sync
from channels.testing import HttpCommunicator
from django.conf import settings
from django.core.management import CommandError, call_command

from cameras.mediamtx_paths import sync_paths
from cameras.models import Camera
from cameras.supervisor import MediaMTXWatch
from jakcctv.asgi import application
from tests.streams import background
from tests.waiting import wait_for

pytestmark = pytest.mark.django_db
KJ, TB = "kebonjeruk-simpang", "tebet-eco-park-utara"
PASSWORD = "kunci/api$"  # characters that must be escaped in a URL and survive MediaMTX's "$VAR"

# Some of the defaults MediaMTX fills into every path configuration it lists.
PATH_DEFAULTS = {
    "source": "publisher",
    "sourceOnDemand": False,
    "rtspTransport": "automatic",
    "runOnInit": "",
    "runOnInitRestart": False,
    "runOnDemand": "",
    "runOnDemandRestart": False,
    "record": False,
}


class ConfigStandIn:
    def __init__(self, user, password):
        self.authorization = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        self.paths = {}  # name -> configuration, as /v3/config/paths/list lists them
        self.requests = []  # (method, path, JSON body or None)
        self.refuse = None  # (status, error message) to answer every write with

    def writes(self):
        return [(method, path) for method, path, _ in self.requests if method != "GET"]

    def handle(self, method, url, body, authorization):
        """(status, JSON answer) as MediaMTX gives them."""
        path = urlsplit(url).path
        self.requests.append((method, path, body))
        if authorization != self.authorization:
            return 401, {"status": "error", "error": "authentication error"}
        name = path.rsplit("/", 1)[1]
        if method == "GET" and path == "/v3/config/paths/list":
            query = parse_qs(urlsplit(url).query)
            per_page = int(query.get("itemsPerPage", ["100"])[0])
            page = int(query.get("page", ["0"])[0])
            items = list(self.paths.values())
            return 200, {
                "pageCount": max(1, -(-len(items) // per_page)),
                "itemCount": len(items),
                "items": items[page * per_page : (page + 1) * per_page],
            }
        if method == "GET" and path == "/v3/paths/list":
            return 200, {"pageCount": 1, "itemCount": 0, "items": []}
        if self.refuse and method != "GET":
            return self.refuse[0], {"status": "error", "error": self.refuse[1]}
        if method == "POST" and path.startswith("/v3/config/paths/add/"):
            if name in self.paths:
                return 400, {"status": "error", "error": "path already exists"}
            self.paths[name] = {"name": name, **PATH_DEFAULTS, **body}
            return 200, {"status": "ok"}
        if method == "PATCH" and path.startswith("/v3/config/paths/patch/"):
            if name not in self.paths:
                return 404, {"status": "error", "error": "path not found"}
            self.paths[name].update(body)
            return 200, {"status": "ok"}
        if method == "DELETE" and path.startswith("/v3/config/paths/delete/"):
            if self.paths.pop(name, None) is None:
                return 404, {"status": "error", "error": "path not found"}
            return 200, {"status": "ok"}
        if method == "POST" and path.startswith("/v3/hlssessions/kick/"):
            return 404, {"status": "error", "error": "session not found"}
        return 404, {"status": "error", "error": "not found"}


@contextmanager
def config_standin(user, password):
    state = ConfigStandIn(user, password)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _serve(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            status, answer = state.handle(
                self.command,
                self.path,
                json.loads(raw) if raw else None,
                self.headers.get("Authorization"),
            )
            payload = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PATCH = do_DELETE = _serve  # noqa: N815

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def mediamtx(settings, demo_cameras):
    settings.STREAM_MODE = "mediamtx"
    settings.MEDIAMTX_API_USER = "jakcctv"
    settings.MEDIAMTX_API_PASSWORD = PASSWORD
    settings.MEDIAMTX_ON_DEMAND = False
    Camera.objects.filter(code=KJ).update(source_url="rtsp://admin:rahasia@10.0.0.5:554/live")
    with config_standin("jakcctv", PASSWORD) as (state, url):
        settings.MEDIAMTX_API_URL = url
        yield state


def test_first_sync_adds_one_path_per_active_camera(mediamtx):
    result = sync_paths()
    active = set(Camera.objects.streamable().values_list("code", flat=True))
    assert set(mediamtx.paths) == active == set(result.added)
    assert "kelapadua-kali" not in mediamtx.paths  # in maintenance
    assert "taman-menteng" not in mediamtx.paths  # retired
    assert all(
        request == ("POST", f"/v3/config/paths/add/{name}") for request, name in
        zip(mediamtx.writes(), sorted(active), strict=True)
    )  # fmt: skip

    real = mediamtx.paths[KJ]
    assert real["source"] == "rtsp://admin:rahasia@10.0.0.5:554/live"
    assert real["rtspTransport"] == "tcp" and real["sourceOnDemand"] is False
    assert real["runOnInit"] == "" and real["runOnDemand"] == ""

    demo = mediamtx.paths[TB]
    assert demo["source"] == "publisher" and demo["runOnInitRestart"] is True
    command = shlex.split(demo["runOnInit"])  # MediaMTX splits it the same way (shellquote)
    assert command[0] == "ffmpeg" and "testsrc2=size=320x180:rate=10" in command
    # Published to its own path as the portal's user (the hook lets only the portal publish).
    target = "rtsp://jakcctv:kunci%2Fapi%24@localhost:$RTSP_PORT/$MTX_PATH"
    assert command[-5:] == ["-f", "rtsp", "-rtsp_transport", "tcp", target]


def test_second_sync_writes_nothing(mediamtx):
    sync_paths()
    mediamtx.requests.clear()
    result = sync_paths()
    assert mediamtx.writes() == []
    assert not (result.added or result.changed or result.removed)
    assert len(result.unchanged) == Camera.objects.streamable().count()


def test_sync_follows_the_registry_and_leaves_other_paths_alone(mediamtx):
    sync_paths()
    mediamtx.paths["all_others"] = {"name": "all_others", **PATH_DEFAULTS}
    mediamtx.paths["~^ruang-rapat-.*$"] = {"name": "~^ruang-rapat-.*$", **PATH_DEFAULTS}
    mediamtx.paths["kamera-lama"] = {"name": "kamera-lama", **PATH_DEFAULTS}  # since deleted
    Camera.objects.filter(code=TB).update(status=Camera.Status.MAINTENANCE)
    Camera.objects.filter(code=KJ).update(source_url="rtsp://admin:baru@10.0.0.6:554/live")
    mediamtx.requests.clear()

    result = sync_paths()
    assert (result.changed, sorted(result.removed)) == ([KJ], ["kamera-lama", TB])
    assert sorted(mediamtx.writes()) == [
        ("DELETE", "/v3/config/paths/delete/kamera-lama"),
        ("DELETE", f"/v3/config/paths/delete/{TB}"),
        ("PATCH", f"/v3/config/paths/patch/{KJ}"),
    ]
    assert mediamtx.paths[KJ]["source"] == "rtsp://admin:baru@10.0.0.6:554/live"
    assert {"all_others", "~^ruang-rapat-.*$"} <= set(mediamtx.paths)


def test_on_demand_pulling_and_publishing(mediamtx, settings):
    sync_paths()
    settings.MEDIAMTX_ON_DEMAND = True
    result = sync_paths()
    assert len(result.changed) == Camera.objects.streamable().count()
    assert mediamtx.paths[KJ]["sourceOnDemand"] is True
    demo = mediamtx.paths[TB]
    assert demo["runOnInit"] == "" and demo["runOnInitRestart"] is False
    assert demo["runOnDemand"].startswith("ffmpeg ") and demo["runOnDemandRestart"] is True


def test_paging_through_a_long_path_list(mediamtx):
    from cameras import mediamtx_paths

    for number in range(2500):
        name = f"ruang-{number}"
        mediamtx.paths[name] = {"name": name, **PATH_DEFAULTS}
    assert len(mediamtx_paths.list_items("/v3/config/paths/list")) == 2500
    pages = [r for r in mediamtx.requests if r[1] == "/v3/config/paths/list"]
    assert len(pages) == 3


def test_command_reports_a_refusal_without_the_camera_password(mediamtx, capsys):
    mediamtx.refuse = (400, "invalid source 'rtsp://admin:rahasia@10.0.0.5:554/live'")
    with pytest.raises(CommandError) as refused:
        call_command("sync_mediamtx")
    assert "HTTP 400" in str(refused.value) and "rahasia" not in str(refused.value)
    mediamtx.refuse = None
    call_command("sync_mediamtx")
    out = capsys.readouterr().out
    assert f"ditambah: {KJ}" in out and "0 diubah" in out


def test_wrong_or_missing_api_password_is_a_clear_error(mediamtx, settings):
    settings.MEDIAMTX_API_PASSWORD = "salah"
    with pytest.raises(CommandError, match="HTTP 401"):
        call_command("sync_mediamtx")
    settings.MEDIAMTX_API_PASSWORD = ""
    with pytest.raises(CommandError, match="MEDIAMTX_API_PASSWORD"):
        call_command("sync_mediamtx")


@pytest.mark.django_db(transaction=True)
def test_run_streams_in_production_mode_syncs_paths_and_checks_health(mediamtx):
    watch = MediaMTXWatch()
    with background(watch.run, watch.stop):
        wait_for(
            lambda: (
                {r[1] for r in mediamtx.requests}
                >= {
                    f"/v3/config/paths/add/{TB}",
                    "/v3/paths/list",
                }
            ),
            timeout=10,
            message="a sync and a health check",
        )
    assert set(mediamtx.paths) == set(Camera.objects.streamable().values_list("code", flat=True))


# --- docker/mediamtx.yml ----------------------------------------------------------------------


def _config():
    text = (settings.BASE_DIR / "docker" / "mediamtx.yml").read_text()
    return dict(re.findall(r"^(\w+): *(.*?) *$", text, flags=re.MULTILINE))


def test_mediamtx_config_serves_ll_hls_and_asks_the_portal():
    config = _config()
    assert config["authMethod"] == "http"
    assert config["authHTTPExclude"] == "[]"  # the control API is not left open
    assert (config["api"], config["apiAddress"]) == ("true", ":9997")
    assert config["hlsVariant"] == "lowLatency"
    assert config["hlsSegmentDuration"] == "1s" and config["hlsPartDuration"] == "200ms"
    assert config["paths"] == "{}"  # only the portal's camera paths, no catch-all


def test_the_configured_hook_admits_the_portal_and_nobody_else(settings):
    settings.MEDIAMTX_API_USER, settings.MEDIAMTX_API_PASSWORD = "jakcctv", PASSWORD
    address = urlsplit(_config()["authHTTPAddress"])
    assert (address.hostname, address.port) == ("portal", 8000)

    def ask(**body):
        request = {"ip": "10.8.0.2", "path": TB, "protocol": "rtsp", "id": "", "query": ""}
        communicator = HttpCommunicator(
            application, "POST", address.path, body=json.dumps({**request, **body}).encode()
        )
        return async_to_sync(communicator.get_response)()["status"]

    # The demo pattern publishing as the portal, and the portal using the API: allowed.
    assert ask(action="publish", user="jakcctv", password=PASSWORD) == 200
    assert ask(action="api", user="jakcctv", password=PASSWORD, path="") == 200
    assert ask(action="publish", user="jakcctv", password="tebakan") == 401
    assert ask(action="api", user="", password="", path="") == 401


def test_low_rendition_paths_from_a_sub_stream_or_transcoded_when_marked(mediamtx):
    """Phones' low rendition in production: `<code>_low`, the camera's sub-stream pulled as is,
    or (only for cameras marked for it) 320x180 made by the node from the main path."""
    Camera.objects.filter(code=KJ).update(substream_url="rtsp://admin:rahasia@10.0.0.5:554/sub")
    Camera.objects.filter(code=TB).update(transcode_low=True)
    sync_paths()
    low_paths = sorted(name for name in mediamtx.paths if name.endswith("_low"))
    assert low_paths == [f"{KJ}_low", f"{TB}_low"]  # no other camera gets one
    assert mediamtx.paths[f"{KJ}_low"]["source"] == "rtsp://admin:rahasia@10.0.0.5:554/sub"
    transcoded = mediamtx.paths[f"{TB}_low"]
    assert transcoded["source"] == "publisher" and transcoded["runOnInitRestart"] is True
    command = shlex.split(transcoded["runOnInit"])
    assert f"rtsp://jakcctv:kunci%2Fapi%24@localhost:$RTSP_PORT/{TB}" in command  # from main
    assert any("scale=320:180" in part for part in command) and "80k" in command
    assert command[-1] == "rtsp://jakcctv:kunci%2Fapi%24@localhost:$RTSP_PORT/$MTX_PATH"

    # Unmarked again: the portal removes the path it made.
    Camera.objects.filter(code=TB).update(transcode_low=False)
    mediamtx.requests.clear()
    assert sync_paths().removed == [f"{TB}_low"]
