"""The scratch environment every benchmark runs in: a throwaway folder (removed at exit) for the
files the portal writes, a throwaway database, and the settings for this process's Django and
for the daphne or workers the benchmark starts (`Daphne(scratch.env)`, `{**os.environ,
**scratch.env}`).

The database: with `own_database`, `jakcctv_bench` (BENCH_DATABASE) created afresh on the
PostgreSQL server DATABASE_URL points at and dropped by `scratch.drop()` (never DATABASE_URL's
own database; nothing else on that server is touched); otherwise the database DATABASE_URL
names. Without DATABASE_URL, a SQLite file in the folder either way.
"""

import atexit
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

# Another name lets two benchmarks run on one server at once (bench/reports.py uses its own).
SCRATCH_DATABASE = os.environ.get("BENCH_DATABASE", "jakcctv_bench")


@dataclass
class Scratch:
    folder: Path
    env: dict
    server: dict | None  # the PostgreSQL server holding the scratch database, if one was made

    def drop(self):
        """Drop the scratch database, if one was made."""
        drop_scratch_database(self.server)


def scratch_env(prefix, *, own_database=False, keep=False, roots=(), **extra):
    """Make the scratch folder (named `prefix`...) and put the benchmark's settings into
    os.environ: the portal as in production (DEBUG=0, plain HTTP, a throwaway SECRET_KEY, quiet
    logs; `extra` overrides any of them, e.g. DEBUG="1"), its streams in the folder and, for
    each name in `roots` ("media", "static", "recordings"), that <NAME>_ROOT in the folder too.
    With `keep` (and `own_database`) a scratch database left by an earlier run is used again as
    it is. Returns the Scratch."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    server = None
    if own_database:
        database_url, server = scratch_database_url(folder, keep=keep)
    else:
        database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{folder}/bench.sqlite3"
    env = {
        "DJANGO_SETTINGS_MODULE": "jakcctv.settings",
        "DEBUG": "0",
        "HTTPS": "0",
        "SECRET_KEY": "bench-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1,testserver",
        "LOG_LEVEL": "WARNING",
        "DATABASE_URL": database_url,
        "STREAMS_ROOT": str(folder / "streams"),
    }
    for name in roots:
        (folder / name).mkdir()  # whitenoise warns about a missing static folder
        env[f"{name.upper()}_ROOT"] = str(folder / name)
    env.update(extra)
    os.environ.update(env)
    return Scratch(folder, env, server)


def scratch_database_url(folder, *, keep=False):
    """(database URL, server) of a fresh, empty scratch database: SCRATCH_DATABASE on the
    PostgreSQL server DATABASE_URL points at or, without DATABASE_URL, a SQLite file in `folder`
    (server None). With `keep`, a scratch database left by an earlier run is used again."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{folder}/bench.sqlite3", None
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(url)
    if config["ENGINE"] != "django.db.backends.postgresql":
        sys.exit(
            "The benchmarks run on PostgreSQL (DATABASE_URL=postgres://...) or, unset, SQLite."
        )
    server = {
        "host": config["HOST"] or None,
        "port": config["PORT"] or None,
        "user": config["USER"] or None,
        "password": config["PASSWORD"] or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        found = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [SCRATCH_DATABASE]
        ).fetchone()
        if not (found and keep):
            admin.execute(f"DROP DATABASE IF EXISTS {SCRATCH_DATABASE} WITH (FORCE)")
            admin.execute(f"CREATE DATABASE {SCRATCH_DATABASE}")
    return urlunsplit(urlsplit(url)._replace(path="/" + SCRATCH_DATABASE)), server


def drop_scratch_database(server):
    """Drop the scratch database (after closing this process's connections to it)."""
    if server is None:
        return
    import psycopg
    from django.db import connections

    connections.close_all()
    for connection in connections.all(initialized_only=True):
        if hasattr(connection, "close_pool"):
            connection.close_pool()
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {SCRATCH_DATABASE} WITH (FORCE)")
