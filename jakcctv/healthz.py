"""`GET /healthz`: "this portal process answers", for the container's HEALTHCHECK and the proxy.

An ASGI app in front of Django, like MediaMTX's hook: probes reach daphne directly over plain
HTTP with the container's own address as Host, which Django would refuse (ALLOWED_HOSTS) or
redirect to HTTPS. It touches neither PostgreSQL nor Redis on purpose: when the database blips
every replica would fail together, the proxy would take them all out and even the offline page
and static files would stop; a restart would not help either. What it proves is that the
process's event loop serves requests.
"""

import json

BODY = json.dumps({"status": "ok"}).encode()


async def healthz(scope, receive, send):
    if scope["type"] != "http":
        return
    ok = scope["method"] in {"GET", "HEAD"}
    body = BODY if ok else b'{"detail": "GET"}'
    await send(
        {
            "type": "http.response.start",
            "status": 200 if ok else 405,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})
