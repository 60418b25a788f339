"""bench/push.py's settings: the portal's, with a SQLite file shared by the benchmark and the
push worker's process as the portal's own SQLite is (WAL, a busy timeout)."""

from jakcctv.settings import *  # noqa: F403

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    DATABASES["default"]["OPTIONS"] = {  # noqa: F405
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
