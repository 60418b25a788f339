"""API tokens for integrations: `Authorization: Token <key>` (or `Bearer <key>`).

A token stands for its service account, an ordinary user holding role assignments, and is held to
the same rule as a browser session: a revoked token, a deactivated account or an account without
a live assignment is refused on its very next request. AccessMiddleware runs before DRF and only
sees session users, so the "no live assignment" check is repeated here.
"""

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from kelurahan.access import live_grants
from kelurahan.models import ApiToken
from kelurahan.models.tokens import digest_of

KEYWORDS = {b"token", b"bearer"}
# `last_used_at` is written at most this often per token: one UPDATE a minute, not per request.
LAST_USED_EVERY = timedelta(minutes=1)


class ApiTokenAuthentication(BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in KEYWORDS:
            return None  # no token: the next authenticator (or anonymous) answers
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                _("Header Authorization harus berbentuk 'Token <kunci>'.")
            )
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Token API tidak valid.")) from None
        return authenticate_key(key)

    def authenticate_header(self, request):
        return self.keyword


def authenticate_key(key, *, now=None):
    """(user, token) for a live token whose account still holds a live role; raises otherwise."""
    token = ApiToken.objects.live().select_related("user").filter(digest=digest_of(key)).first()
    if token is None:
        raise exceptions.AuthenticationFailed(_("Token API tidak valid atau sudah dicabut."))
    user = token.user
    if not live_grants(user):
        raise exceptions.PermissionDenied(
            _("Akses Anda sudah berakhir: tidak ada penugasan peran yang aktif.")
        )
    _note_use(token, now or timezone.now())
    return user, token


def _note_use(token, now):
    """Record when the token was last used, at most once a minute (one UPDATE, no read)."""
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_EVERY:
        return
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_EVERY)
    ApiToken.objects.filter(stale, pk=token.pk).update(last_used_at=now)
    token.last_used_at = now


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema describes the token (drf-spectacular finds it by class path)."""

    target_class = "kelurahan.api_auth.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>` (or `Bearer <key>`); keys come from "
            "`python manage.py create_api_token <username> <name>`.",
        }
