"""A push service on this machine, for the tests and bench/push.py: it takes what the portal
posts as a real push service would (RFC 8030), checks the VAPID signature (RFC 8292) and decrypts
the message with the device's own private key (RFC 8291, aes128gcm), as the browser would.

    with PushReceiver() as receiver:
        device = receiver.device()          # a browser's subscription: endpoint + keys
        ... subscribe device.subscription(), let the portal send ...
        wait_for(lambda: device.messages)   # decrypted JSON payloads
"""

import asyncio
import base64
import functools
import json
import threading
import time
import types

import http_ece
from aiohttp import web
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Device:
    """One browser's push subscription: its keys stay here, the portal gets only the public."""

    def __init__(self, receiver, number):
        self.receiver = receiver
        self.number = number
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = bytes(range(number % 200, number % 200 + 16))
        self.messages = []  # decrypted payloads (dicts), in arrival order
        self.arrivals = []  # time.monotonic() of each decrypted message
        self.headers = []  # the headers of each post
        self.answer = 201  # what the "push service" answers next (410: gone)

    @property
    def endpoint(self):
        return f"{self.receiver.origin}/push/{self.number}"

    def subscription(self, min_severity="sedang"):
        public = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": self.endpoint,
            "keys": {"p256dh": b64url(public), "auth": b64url(self.auth)},
            "min_severity": min_severity,
        }

    def decrypt(self, body):
        plain = http_ece.decrypt(
            body, private_key=self.key, auth_secret=self.auth, version="aes128gcm"
        )
        return json.loads(plain)


def vapid_signer(headers):
    """The public key a post's VAPID JWT was signed with, after checking the signature, the
    audience and the expiry; raises ValueError otherwise."""
    scheme, _, params = headers.get("Authorization", "").partition(" ")
    if scheme != "vapid":
        raise ValueError("no vapid authorization")
    fields = dict(part.strip().split("=", 1) for part in params.split(","))
    public = fields["k"]
    body = _verified_claims(fields["t"], public)
    if body["exp"] < time.time():
        raise ValueError("expired")
    return public, body


@functools.lru_cache(maxsize=64)
def _verified_claims(token, public):
    """The claims of a JWT whose signature by `public` holds (InvalidSignature otherwise). The
    portal signs once per push service and round, so most posts bring a token already checked:
    remembered, as a push service may, the exact same token is not checked again (its expiry
    is, by the caller, every time). Frozen, so that no caller changes what is remembered."""
    head, claims, signature = token.split(".")
    raw = unb64url(signature)
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(public))
    key.verify(der, f"{head}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
    return types.MappingProxyType(json.loads(unb64url(claims)))


class PushReceiver:
    """The push service: an aiohttp server on its own thread and event loop (a threaded
    http.server spent more time switching threads than the portal spent sending)."""

    def __init__(self):
        self.devices = {}
        self.problems = []  # posts that failed the checks
        self.log = []  # (device, payload, arrival) of every decrypted message, in arrival order
        self.loop = asyncio.new_event_loop()
        self.started = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.origin = None

    async def _handle(self, request):
        number = int(request.match_info["number"])
        device = self.devices.get(number)
        if device is None:
            return web.Response(status=404)
        body = await request.read()
        if device.answer >= 300:
            return web.Response(status=device.answer)
        try:
            signer, claims = vapid_signer(request.headers)
            if claims["aud"] != self.origin:
                raise ValueError(f"audience {claims['aud']}")
            payload = device.decrypt(body)
        except Exception as error:  # noqa: BLE001 (recorded for the test to see)
            self.problems.append(repr(error))
            return web.Response(status=400)
        headers = {k.lower(): v for k, v in request.headers.items()}
        device.headers.append(headers | {"signer": signer})
        arrival = time.monotonic()
        device.arrivals.append(arrival)
        device.messages.append(payload)  # last: whoever sees it also sees its arrival
        self.log.append((device, payload, arrival))
        return web.Response(status=201)

    def _serve(self):
        asyncio.set_event_loop(self.loop)
        app = web.Application()
        app.router.add_post("/push/{number}", self._handle)
        self.runner = web.AppRunner(app, access_log=None)
        self.loop.run_until_complete(self.runner.setup())
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        self.loop.run_until_complete(site.start())
        port = site._server.sockets[0].getsockname()[1]
        self.origin = f"http://127.0.0.1:{port}"
        self.started.set()
        self.loop.run_forever()
        self.loop.run_until_complete(self.runner.cleanup())
        self.loop.close()

    def device(self):
        number = len(self.devices) + 1
        self.devices[number] = Device(self, number)
        return self.devices[number]

    def __enter__(self):
        self.thread.start()
        self.started.wait(10)
        return self

    def __exit__(self, *exc):
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
