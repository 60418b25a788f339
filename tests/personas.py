"""The places and people of the tests, in one place: area codes, points, the password, and how
a person with a role (and an admin's second factor) is made. Fixtures built on these are in
tests/conftest.py (demo_users, signed_in, lapsed_users ...)."""

import time

from kelurahan.models import RoleAssignment, User
from tests.waiting import wait_for

PASSWORD = "uji-coba-2026"

PROVINCE = "31"
JAKARTA_BARAT = "31.73"
KECAMATAN_KEBON_JERUK = "31.73.05"
KEBON_JERUK = "31.73.05.1001"
KEBON_JERUK_RT = "31.73.05.1001.002.003"
SUKABUMI_UTARA = "31.73.05.1002"  # Kebon Jeruk's neighbour, same kecamatan
KECAMATAN_TEBET = "31.74.01"
TEBET_TIMUR = "31.74.01.1001"
TEBET_BARAT = "31.74.01.1002"

# Points inside the official (simplified) boundaries.
KEBON_JERUK_POINT = (-6.1937, 106.7695)  # the demo camera kebonjeruk-simpang stands here
TEBET_BARAT_POINT = (-6.234940786012193, 106.84898016616786)  # Tebet Barat's centroid
BANDUNG = (-6.9175, 107.6191)  # outside Jakarta


def make_user(username, role=None, area_code=None, **assignment):
    """A person with the tests' password and, given a role and an area, that one assignment."""
    user = User.objects.create_user(
        username=username, email=f"{username}@jakcctv.test", password=PASSWORD
    )
    if role:
        RoleAssignment.objects.create(user=user, role=role, area_id=area_code, **assignment)
    return user


def enrol_totp(user):
    """Give `user` a TOTP authenticator (as allauth does on enrolment); returns the secret."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def totp_code(secret):
    """The code an authenticator app would show now, with at least 10 s of its 30 s window
    left, so that it is still the current code when the server checks it (a slow machine)."""
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    wait_for(lambda: 30 - time.time() % 30 >= 10, timeout=15, interval=0.2, message="TOTP window")
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))
