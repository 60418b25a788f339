from allauth.account.adapter import DefaultAccountAdapter
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
