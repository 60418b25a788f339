import hashlib

from allauth.account.adapter import get_adapter
from allauth.usersessions import middleware as allauth_usersessions
from django.conf import settings
from django.core.cache import cache
from django.http import JsonResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

# Video is served through the stream gate, which checks its token on every request itself.
STREAM_PATHS = ("/streams/",)


class LanguageMiddleware:
    """Bahasa Indonesia unless the user chose otherwise with the language switch.

    Unlike Django's LocaleMiddleware this ignores the browser's Accept-Language: officers'
    machines are often set to English, and the portal speaks Indonesian first.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.available = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.available else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ["Cookie"])
        response.headers.setdefault("Content-Language", language)
        return response


class ApiErrorMiddleware:
    """Every refusal under /api/ answers JSON: Django's own (an unknown route's 404, a bad
    request's 400, a server error's 500) are HTML pages, with DEBUG even the debug pages and
    their tracebacks, which an API client cannot read and a stranger must not. DRF's answers
    are JSON already and pass unchanged."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.path.startswith("/api/")
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            return _json_refusal(response)
        return response


def _json_refusal(response):
    messages = {
        400: _("Permintaan tidak valid."),
        403: _("Akses ditolak."),
        404: _("Tidak ditemukan."),
        405: _("Metode ini tidak diizinkan di sini."),
        413: _("Permintaan terlalu besar."),
    }
    if response.status_code >= 500:
        message = _("Terjadi kesalahan di server. Coba lagi nanti.")
    else:
        message = messages.get(response.status_code, response.reason_phrase)
    refusal = JsonResponse({"detail": message}, status=response.status_code)
    if "Allow" in response:
        refusal["Allow"] = response["Allow"]
    return refusal


# A signed-in browser's activity (last seen, IP, browser) is written at most this often.
TRACK_EVERY_SECONDS = 60


class UserSessionsMiddleware(allauth_usersessions.UserSessionsMiddleware):
    """allauth's session-activity tracking, except for video files (several requests a second
    per viewer, each checked by the stream gate without touching the session), and at most once
    a minute per session and client: tracking is a write transaction, which every request paid
    for (bench/api.py). A new IP or browser on the session is still recorded at once."""

    def __call__(self, request):
        if request.path.startswith(STREAM_PATHS) or not _tracking_due(request):
            return self.get_response(request)
        return super().__call__(request)


def _tracking_due(request):
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if not session_key or not request.user.is_authenticated:
        return True  # allauth decides (and skips) as before
    ip = get_adapter().get_client_ip(request)
    client = f"{session_key} {ip} {request.META.get('HTTP_USER_AGENT', '')}"
    key = "usersessions:seen:" + hashlib.sha256(client.encode()).hexdigest()
    return cache.add(key, True, TRACK_EVERY_SECONDS)  # True: not tracked this minute
