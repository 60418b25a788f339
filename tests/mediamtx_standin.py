"""A stand-in for MediaMTX's control API (an external service we cannot run here: there is no
MediaMTX binary on these machines). It records requests and answers as MediaMTX documents.

Given `hls_root` (and `hls_authorization`, the header a reader must send), it also serves HLS
as a node's HLS server does: `/<path>/index.m3u8` and its segments from `hls_root/<path>/`,
401 with a Basic challenge to a reader without the right credentials.

Given `recordings_root` (the node's own recordings disk), it also plays MediaMTX's playback
server: `/list?path=&start=&end=` and `/get?path=&start=&duration=&format=`, for a path it has a
configuration of (404 otherwise, as MediaMTX), reading the files of the path's `recordPath`
(`<root>/<folder>/%Y-%m-%d/%H/%M-%S-%f`, taken as `recordings_root/<folder>/...`); `/get`
answers the overlapping segments' bytes one after the other. Each request is first put to
`playback_auth` (a callable taking MediaMTX's auth request body, returning an HTTP status), as
MediaMTX asks its `authHTTPAddress` with `action: playback`."""

import json
import re
import threading
from contextlib import contextmanager
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

_SEGMENT = re.compile(r"^(\d{2})-(\d{2})-(\d{6})(?:_(\d+))?\.mp4$")


class StandIn:
    def __init__(self):
        self.requests = []  # (method, path, body, authorization)
        self.sessions = set()  # HLS session ids that exist
        self.paths = {}  # name -> item of /v3/paths/list
        self.config_paths = {}  # name -> path configuration (/v3/config/paths/*)
        self.hls_root = None  # a folder with one folder of HLS files per path
        self.hls_authorization = None  # the Authorization header a reader must send
        self.recordings_root = None  # the node's own recordings disk: serves /list and /get
        self.playback_auth = None  # callable(auth request body) -> HTTP status


def _handler(state):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _answer(self, status, body=None):
            payload = json.dumps(body or {}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _record(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            state.requests.append(
                (self.command, self.path, body, self.headers.get("Authorization", ""))
            )
            return body

        def do_GET(self):  # noqa: N802
            self._record()
            if self.path.startswith("/v3/paths/list"):
                return self._list(state.paths)
            if self.path.startswith("/v3/config/paths/list"):
                return self._list(state.config_paths)
            if state.recordings_root is not None and self.path.startswith(("/list?", "/get?")):
                return self._playback()
            if state.hls_root is not None and not self.path.startswith("/v3/"):
                return self._hls()
            return self._answer(404, {"error": "not found"})

        def _hls(self):
            if self.headers.get("Authorization") != state.hls_authorization:
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="mediamtx"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            relative = self.path.split("?")[0].lstrip("/")
            path = (state.hls_root / relative).resolve()
            if state.hls_root.resolve() not in path.parents or not path.is_file():
                return self._answer(404, {"error": "not found"})
            data = path.read_bytes()
            self.send_response(200)
            kind = "application/vnd.apple.mpegurl" if path.suffix == ".m3u8" else "video/mp2t"
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return None

        def _playback(self):
            parts = urlsplit(self.path)
            query = {key: values[0] for key, values in parse_qs(parts.query).items()}
            name = query.get("path", "")
            if state.playback_auth is not None:
                status = state.playback_auth(
                    {
                        "user": "",
                        "password": "",
                        "token": "",
                        "ip": self.client_address[0],
                        "action": "playback",
                        "path": name,
                        "protocol": "",
                        "id": None,
                        "query": parts.query,
                        "userAgent": self.headers.get("User-Agent", ""),
                    }
                )
                if not 200 <= status < 300:
                    return self._answer(401, {"error": "authentication error"})
            conf = state.config_paths.get(name)
            if conf is None:
                return self._answer(404, {"error": "path not found"})
            try:
                start = datetime.fromisoformat(query["start"])
                if parts.path == "/get":
                    end = start + timedelta(seconds=float(query["duration"].removesuffix("s")))
                else:
                    end = datetime.fromisoformat(query["end"]) if "end" in query else None
            except (KeyError, ValueError):
                return self._answer(400, {"error": "invalid query"})
            folder = state.recordings_root / Path(conf["recordPath"].split("/%Y")[0]).name
            found = [
                (begin, seconds, file)
                for begin, seconds, file in _segments(folder)
                if begin + timedelta(seconds=seconds) > start and (end is None or begin < end)
            ]
            if not found:
                return self._answer(404, {"error": "no recordings found"})
            if parts.path == "/list":
                items = [
                    {"start": begin.isoformat(), "duration": seconds, "url": ""}
                    for begin, seconds, _file in found
                ]
                return self._answer(200, items)
            data = b"".join(file.read_bytes() for _begin, _seconds, file in found)
            self.send_response(200)
            self.send_header("Content-Type", "video/mp4")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return None

        def _list(self, named):
            items = list(named.values())
            return self._answer(200, {"pageCount": 1, "itemCount": len(items), "items": items})

        def do_POST(self):  # noqa: N802
            body = self._record()
            name = self.path.rsplit("/", 1)[1]
            if self.path.startswith("/v3/hlssessions/kick/"):
                if name in state.sessions:
                    state.sessions.discard(name)
                    return self._answer(200)
                return self._answer(404, {"error": "session not found"})
            if self.path.startswith("/v3/config/paths/add/"):
                if name in state.config_paths:
                    return self._answer(400, {"error": "path already exists"})
                state.config_paths[name] = {"name": name, **json.loads(body or b"{}")}
            elif self.path.startswith("/v3/config/paths/patch/"):
                if name not in state.config_paths:
                    return self._answer(404, {"error": "path not found"})
                state.config_paths[name].update(json.loads(body or b"{}"))
            elif self.path.startswith("/v3/config/paths/delete/"):
                if state.config_paths.pop(name, None) is None:
                    return self._answer(404, {"error": "path not found"})
            return self._answer(200)

        do_PATCH = do_POST  # noqa: N815
        do_DELETE = do_POST  # noqa: N815

    return Handler


def _segments(folder):
    """[(start, seconds, file)] of a path's recordings, in order: a file named with its duration
    in milliseconds (`_<ms>`) lasts that long, else 60 s (recordSegmentDuration)."""
    found = []
    for file in sorted(folder.glob("*/*/*.mp4")):
        match = _SEGMENT.match(file.name)
        if not match:
            continue
        minute, second, micro, millis = match.groups()
        folders = f"{file.parent.parent.name} {file.parent.name} +0000"
        hour = datetime.strptime(folders, "%Y-%m-%d %H %z")  # UTC hours, as MediaMTX (TZ=UTC)
        begin = hour + timedelta(minutes=int(minute), seconds=int(second), microseconds=int(micro))
        found.append((begin, int(millis) / 1000 if millis else 60.0, file))
    return found


@contextmanager
def mediamtx_standin():
    """Yields (state, base_url) with a server on a free local port; stops it on exit."""
    state = StandIn()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
