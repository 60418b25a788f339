"""A real daphne serving the portal on the test database, for tests that need WebSockets in a
browser or several server processes (pytest-django's live_server speaks WSGI only).

The test must commit its data (transaction=True): the server is another process. SQLite's test
database is a file (settings: DATABASES TEST NAME), so both processes share it; on PostgreSQL
they share the test database. With REDIS_URL the processes share the Redis channel layer;
without it each has its own in-memory layer, and the server's sockets poll the database for
alerts raised elsewhere (ALERTS_POLL_SECONDS, set to 1 here).
"""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.test.utils import override_settings

BASE_DIR = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LiveDaphne:
    """`LiveDaphne(*daphne_args, **env)`: extra daphne options (e.g. "--proxy-headers", as the
    production image runs it) and environment variables for the server process."""

    def __init__(self, *daphne_args, **env):
        self.daphne_args = list(daphne_args)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.daphne_settings",
            "JAKCCTV_TEST_DATABASE": str(connection.settings_dict["NAME"]),
            "DEBUG": "1",
            "LOG_LEVEL": "WARNING",
            **({} if settings.REDIS_URL else {"ALERTS_POLL_SECONDS": "1"}),
            **env,
        }
        self.log = Path(tempfile.mkstemp(prefix="jakcctv-daphne-", suffix=".log")[1])
        self.process = None
        # pytest-django's live_server helper enables and disables these around each test.
        self._live_server_modified_settings = override_settings()

    def __enter__(self):
        daphne = str(Path(sys.executable).parent / "daphne")
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [daphne, "-b", "127.0.0.1", "-p", str(self.port), *self.daphne_args]
                + ["jakcctv.asgi:application"],
                cwd=BASE_DIR,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        self.__exit__()
        raise RuntimeError(f"daphne did not start:\n{self.output()}")

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if exc and exc[0] is None:
            self.log.unlink(missing_ok=True)

    def output(self):
        return self.log.read_text(errors="replace")[-4000:]
