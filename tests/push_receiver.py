"""A push service on this machine, for the tests and bench/push.py: it takes what the portal
posts as a real push service would (RFC 8030), checks the VAPID signature (RFC 8292) and decrypts
the message with the device's own private key (RFC 8291, aes128gcm), as the browser would.

    with PushReceiver() as receiver:
        device = receiver.device()          # a browser's subscription: endpoint + keys
        ... subscribe device.subscription(), let the portal send ...
        wait_for(lambda: device.messages)   # decrypted JSON payloads
"""

import base64
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
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
    token, public = fields["t"], fields["k"]
    head, claims, signature = token.split(".")
    raw = unb64url(signature)
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(public))
    key.verify(der, f"{head}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
    body = json.loads(unb64url(claims))
    if body["exp"] < time.time():
        raise ValueError("expired")
    return public, body


class PushReceiver:
    def __init__(self):
        self.devices = {}
        self.problems = []  # posts that failed the checks
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                number = int(self.path.rsplit("/", 1)[-1])
                device = receiver.devices.get(number)
                if device is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                status = device.answer
                if status < 300:
                    try:
                        signer, claims = vapid_signer(self.headers)
                        if claims["aud"] != receiver.origin:
                            raise ValueError(f"audience {claims['aud']}")
                        payload = device.decrypt(body)
                    except Exception as error:  # noqa: BLE001 (recorded for the test to see)
                        receiver.problems.append(repr(error))
                        status = 400
                    else:
                        with receiver.lock:
                            device.messages.append(payload)
                            device.arrivals.append(time.monotonic())
                            device.headers.append(
                                {k.lower(): v for k, v in self.headers.items()} | {"signer": signer}
                            )
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def device(self):
        number = len(self.devices) + 1
        self.devices[number] = Device(self, number)
        return self.devices[number]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()
