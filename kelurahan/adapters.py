from allauth.account.adapter import DefaultAccountAdapter
from allauth.usersessions.models import UserSession
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        # People join by invitation from an admin, operator or kelurahan staff, never by signup.
        return False

    def pre_authenticate(self, request, **credentials):
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            # Refused before any password is checked (too many failures): still a failed sign-in,
            # announced like the others so the accountability trail records it. Names only.
            tried = {key: credentials[key] for key in ("username", "email") if key in credentials}
            user_login_failed.send(
                sender=__name__, credentials=tried, request=request, blocked=True
            )
            raise

    def _get_login_attempts_cache_key(self, request, **credentials):
        # The "key" of ACCOUNT_RATE_LIMITS["login_failed"]: allauth's is the account alone, so a
        # stranger who knows a username could lock its owner out with a few wrong passwords.
        # Counted per account *and* address, the stranger locks only themselves; failures per
        # address alone are limited by the "ip" rate.
        account = super()._get_login_attempts_cache_key(request, **credentials)
        return f"{account}:{self.get_client_ip(request)}"


def end_other_sessions(sender, request, user, **kwargs):
    """A new password signs the account out everywhere else at once, as "sign out other
    sessions" on the sessions page does. Django alone would refuse those sessions only at their
    next request, while their alert sockets and video kept running; ending them here tells both
    (alerts/sources.py, cameras/revocation.py). Connected to allauth's password_changed,
    password_set and password_reset."""
    current = getattr(getattr(request, "session", None), "session_key", None) or ""
    for session in UserSession.objects.filter(user_id=user.pk).exclude(session_key=current):
        session.end()
