"""Which pages may open the portal's WebSockets: the portal's own, by the rule Django's CSRF check
applies to a form's Origin (same scheme, host and port, or one of CSRF_TRUSTED_ORIGINS).

Channels' AllowedHostsOriginValidator compares the host alone, so any port or scheme of an
allowed host passed (another service on the same machine, a plain-HTTP page of an HTTPS portal).
"""

from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import is_same_domain, split_domain_port, validate_host


class SameOriginValidator:
    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not origin_allowed(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)


def origin_allowed(scope):
    headers = {name.decode("latin1").lower(): value for name, value in scope.get("headers", [])}
    origin = headers.get("origin", b"").decode("latin1")
    host = headers.get("host", b"").decode("latin1").lower()
    if not origin or not _host_allowed(host):
        return False
    scheme = "https" if _is_secure(scope, headers) else "http"
    if origin == f"{scheme}://{host}" or origin in settings.CSRF_TRUSTED_ORIGINS:
        return True
    try:
        parsed = urlsplit(origin)
    except ValueError:
        return False
    # "https://*.example.com" in CSRF_TRUSTED_ORIGINS: any subdomain, as for Django's forms.
    return any(
        is_same_domain(parsed.netloc, trusted.netloc[1:])
        for trusted in map(urlsplit, settings.CSRF_TRUSTED_ORIGINS)
        if trusted.netloc.startswith("*") and trusted.scheme == parsed.scheme
    )


def _host_allowed(host):
    domain, _port = split_domain_port(host)
    allowed = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]  # as Django's request.get_host()
    return bool(domain) and validate_host(domain, allowed)


def _is_secure(scope, headers):
    """As Django's request.is_secure(): behind the proxy, its X-Forwarded-Proto says."""
    if settings.SECURE_PROXY_SSL_HEADER:
        name, secure_value = settings.SECURE_PROXY_SSL_HEADER
        forwarded = headers.get(name.removeprefix("HTTP_").replace("_", "-").lower())
        if forwarded is not None:
            return forwarded.decode("latin1").split(",")[0].strip() == secure_value
    return scope.get("scheme") == "wss"
