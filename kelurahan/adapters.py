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
