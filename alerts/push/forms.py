"""What a browser sends to subscribe, checked the same way for the API and the devices page."""

import base64
import binascii
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _


def decoded(text):
    """base64url (padding optional) as bytes, or None."""
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None


def key_problem(p256dh, auth):
    """Why the browser's keys cannot be encrypted for, or None."""
    point = decoded(p256dh)
    if point is None or len(point) != 65 or point[0] != 4:
        return "p256dh", _("Kunci p256dh harus titik P-256 (65 byte, base64url).")
    secret = decoded(auth)
    if secret is None or len(secret) != 16:
        return "auth", _("Kunci auth harus 16 byte (base64url).")
    return None


def endpoint_problem(endpoint):
    """Why the portal will not post to `endpoint`, or None: only the push services named in
    PUSH_SERVICE_HOSTS (the portal must never be made to post to an address of someone's
    choosing inside its own network)."""
    parts = urlsplit(endpoint)
    host = (parts.hostname or "").lower()
    for allowed in settings.PUSH_SERVICE_HOSTS:
        if "://" in allowed:  # an exact origin (a local test receiver)
            if endpoint.startswith(allowed.rstrip("/") + "/"):
                return None
        elif parts.scheme == "https" and (host == allowed or host.endswith("." + allowed)):
            return None
    return _("Alamat layanan push ini tidak dikenal.")


def device_label(user_agent):
    """ "Chrome di Android": enough for a person to tell their devices apart."""
    agent = user_agent or ""
    browsers = [
        ("Edg/", "Edge"),
        ("Firefox", "Firefox"),
        ("Chrome", "Chrome"),
        ("Safari", "Safari"),
    ]
    systems = [
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Android", "Android"),
        ("Windows", "Windows"),
        ("Mac OS", "Mac"),
        ("Linux", "Linux"),
    ]
    browser = next((name for mark, name in browsers if mark in agent), _("Peramban"))
    system = next((name for mark, name in systems if mark in agent), "")
    return (
        _("%(browser)s di %(system)s") % {"browser": browser, "system": system}
        if system
        else browser
    )
