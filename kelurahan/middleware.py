from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from common.middleware import STREAM_PATHS
from kelurahan.access import lacks_required_mfa, live_grants

# Paths a signed-in user may reach while their access is incomplete (no MFA yet, no role),
# and video, which the stream gate checks on every request on its own.
_NOT_CHECKED_HERE = ("/accounts/", "/i18n/", "/static/", *STREAM_PATHS)


class AccessMiddleware:
    """Enforce, on every request, that a signed-in user still holds a live role.

    Deactivated users are already anonymous here (Django refuses inactive users' sessions).
    A user whose last assignment expired or was revoked is signed out at once; a provincial
    admin without TOTP is sent to enrol before reaching anything else.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(_NOT_CHECKED_HERE):
            return self.get_response(request)
        user = request.user
        if user.is_authenticated:
            grants = live_grants(user)
            if not grants:
                return self._sign_out(request)
            if lacks_required_mfa(user, grants):
                return self._enrol_mfa(request)
        return self.get_response(request)

    def _sign_out(self, request):
        logout(request)
        message = _("Akses Anda sudah berakhir: tidak ada penugasan peran yang aktif.")
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message}, status=403)
        messages.warning(request, message)
        return redirect(settings.LOGIN_URL)

    def _enrol_mfa(self, request):
        message = _("Admin Provinsi wajib mengaktifkan autentikasi dua faktor (TOTP) lebih dulu.")
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message}, status=403)
        messages.info(request, message)
        return redirect(reverse("mfa_activate_totp"))
