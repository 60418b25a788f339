"""The portal's VAPID keys (RFC 8292): the browser subscribes with the public key, the push
service accepts only what is signed with the private one. Both come from the environment
(VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY, VAPID_SUBJECT); `python manage.py generate_vapid_keys`
makes a pair. Without them Web Push is off (the live alerts still work)."""

import base64
from functools import lru_cache

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from py_vapid import Vapid


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def enabled():
    return bool(settings.VAPID_PUBLIC_KEY and settings.VAPID_PRIVATE_KEY)


def generate_pair():
    """(public, private): the public key as the browser wants it (the uncompressed P-256 point),
    the private one as its raw 32 bytes, both base64url."""
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    private = key.private_numbers().private_value.to_bytes(32, "big")
    return b64url(public), b64url(private)


@lru_cache(maxsize=4)
def _signer(private_key):
    return Vapid.from_raw(private_key.encode())


def signer():
    """The Vapid signer of the configured private key (made once per key)."""
    return _signer(settings.VAPID_PRIVATE_KEY)


def claims():
    """What every push is signed with besides its audience and expiry (added per push)."""
    return {"sub": settings.VAPID_SUBJECT}
