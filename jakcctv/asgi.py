import os
from functools import partialmethod

from daphne.http_protocol import WebRequest
from django.core.asgi import get_asgi_application

# Twisted, under daphne, parses a multipart body itself before daphne hands the raw bytes to
# Django, and answers one it cannot parse (an empty form) with a bare 400: no body, no content
# type, nothing Django could answer in JSON. Nothing reads Twisted's copy, so it is not made.
WebRequest.__init__ = partialmethod(WebRequest.__init__, parsePOSTFormSubmission=False)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jakcctv.settings")
# Django must be set up before anything imports models (the routing does).
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path, re_path  # noqa: E402

from cameras.hook import mediamtx_auth  # noqa: E402
from jakcctv.healthz import healthz  # noqa: E402
from jakcctv.routing import websocket_urlpatterns  # noqa: E402
from jakcctv.warmup import FreezeAfterWarmUp  # noqa: E402
from jakcctv.websockets import SameOriginValidator  # noqa: E402

portal = ProtocolTypeRouter(
    {
        "http": URLRouter(
            [
                # MediaMTX's auth hook answers before Django's middleware (see cameras/hook.py).
                path("api/v1/streams/mediamtx-auth/", mediamtx_auth),
                # Liveness for the container and the proxy, also before Django (jakcctv/healthz.py).
                path("healthz", healthz),
                re_path(r"", django_asgi_app),
            ]
        ),
        # Only the portal's own pages (scheme, host and port): jakcctv/websockets.py.
        "websocket": SameOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)

# Keeps full garbage collections short (jakcctv/warmup.py says why).
application = FreezeAfterWarmUp(portal)
