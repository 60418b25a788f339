"""Settings of the daphne processes that the alerts tests start (tests/live_daphne.py): the
portal's own, on the test database the test runs on."""

import os

from jakcctv.settings import *  # noqa: F403
from jakcctv.settings import DATABASES

DATABASES["default"]["NAME"] = os.environ["JAKCCTV_TEST_DATABASE"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A throwaway test database: commits need not wait for the disk (tests/conftest.py).
    DATABASES["default"]["OPTIONS"]["options"] = "-c synchronous_commit=off"
# The tests' users are created with fast MD5 password hashes (tests/conftest.py).
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
