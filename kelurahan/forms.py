from allauth.account.forms import LoginForm as AllauthLoginForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AllauthLoginForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # allauth labels the field "Masuk" (sign in); say what to type instead.
        self.fields["login"].label = _("Nama pengguna atau email")
        self.fields["login"].widget.attrs["autocomplete"] = "username"
