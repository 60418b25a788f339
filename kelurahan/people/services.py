"""People and their roles: invite, grant, revoke, deactivate (the management pages, the API and
the CSV import all come through here).

Who may see a person or an assignment is the entry point's business (`User.objects.
manageable_by`, `RoleAssignment.objects.visible_to`); what they may change is decided here, with
the manager's own grants read fresh from the database inside the transaction: a manager whose
role was revoked a moment ago cannot act on a cached grant. Each write locks the row it decides
on (the person for grants, invitations and deactivation, the assignment for a revocation), so
two managers acting at once are served one after the other.

Changes go through Model.save(), never queryset updates: everything listening to post_save acts
at once (the grants cache, the stream gate and MediaMTX sessions in cameras/revocation.py, open
alert sockets in alerts/sources.py, the accountability trail).
"""

import logging
import re
import smtplib

from allauth.account.forms import default_token_generator
from allauth.account.utils import url_str_to_user_pk, user_pk_to_url_str
from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, mailers
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from common.refusals import Refused
from kelurahan.access import can, grant_problem, live_grants, own_assignment_problem, role_needs_mfa
from kelurahan.models import Area, RoleAssignment, User, in_areas
from kelurahan.roles import Action, Role
from kelurahan.signals import person_invited

log = logging.getLogger(__name__)

NAME_MAX_LENGTH = 150
USERNAME_MAX_LENGTH = 150


class PeopleRefused(Refused):
    """A change to people or their roles that cannot be made."""


# --- Rules ------------------------------------------------------------------------------------


def current_assignments(person, at=None):
    """The person's assignments that are live or still to start (not revoked, not ended)."""
    at = at or timezone.now()
    return RoleAssignment.objects.filter(
        Q(valid_until__isnull=True) | Q(valid_until__gt=at), user=person, revoked_at__isnull=True
    )


def deactivation_problem(manager, person, *, fresh=False):
    """Why `manager` may not deactivate `person` (a message), or None if they may.

    A person may hold roles elsewhere too: only someone who may manage every one of their
    current roles may switch the whole account off.
    """
    if person.pk == manager.pk:
        return _("Anda tidak dapat menonaktifkan akun Anda sendiri.")
    if person.is_superuser:
        return _("Akun administrator sistem hanya dapat diubah di halaman Admin.")
    current = list(current_assignments(person))
    if fresh:
        live_grants(manager, fresh=True)
    if current:
        if all(can(manager, Action.MANAGE_ROLES, a) for a in current):
            return None
    elif any(can(manager, Action.MANAGE_ROLES, a) for a in person.assignments.all()):
        return None
    return _(
        "Orang ini memegang peran yang tidak dapat Anda kelola (di luar wilayah Anda, atau "
        "setara atau di atas peran Anda)."
    )


def is_invitation_pending(person):
    """Invited and has not set a password yet."""
    return person.is_active and person.last_login is None and not person.has_usable_password()


def _check_valid_until(valid_until):
    if valid_until is not None and valid_until <= timezone.now():
        raise PeopleRefused(400, _("Tanggal berakhir harus di masa depan."), "valid_until")


# --- Grant and revoke -------------------------------------------------------------------------


def assignment_grant(*, by, person_id, role, area_code, valid_until=None):
    """Give a person a role in an area, from now (until `valid_until`, when given)."""
    role = Role(role)
    with transaction.atomic():
        person = User.objects.select_for_update().filter(pk=person_id).first()
        if person is None:
            raise PeopleRefused(404, _("Orang tidak ditemukan."))
        if problem := own_assignment_problem(by, person.pk):
            raise PeopleRefused(403, problem)
        live_grants(by, fresh=True)
        if not Area.objects.filter(code=area_code).exists():
            raise PeopleRefused(400, _("Wilayah tidak ditemukan."), "area")
        if problem := grant_problem(by, role, area_code):
            raise PeopleRefused(400, problem[1], problem[0])
        _check_valid_until(valid_until)
        if not person.is_active:
            raise PeopleRefused(409, _("Akun orang ini sudah dinonaktifkan."))
        held = current_assignments(person).filter(role=role, area_id=area_code)
        if held.exists():
            raise PeopleRefused(
                409, _("Orang ini sudah memegang peran ini di wilayah tersebut."), "role"
            )
        assignment = RoleAssignment(
            user=person, role=role, area_id=area_code, valid_until=valid_until, granted_by=by
        )
        assignment.save()
    return assignment


def assignment_revoke(*, by, assignment_id):
    """End an assignment now. Its holder loses what it granted on their next request."""
    with transaction.atomic():
        assignment = RoleAssignment.objects.select_for_update().filter(pk=assignment_id).first()
        if assignment is None:
            raise PeopleRefused(404, _("Penugasan tidak ditemukan."))
        if problem := own_assignment_problem(by, assignment.user_id):
            raise PeopleRefused(403, problem)
        if not can(by, Action.MANAGE_ROLES, assignment, fresh=True):
            raise PeopleRefused(
                403, _("Anda hanya dapat mencabut peran di bawah peran Anda, di wilayah Anda.")
            )
        state = assignment.state()
        if state == "dicabut":
            raise PeopleRefused(409, _("Peran ini sudah dicabut."))
        if state == "berakhir":
            raise PeopleRefused(409, _("Peran ini sudah berakhir."))
        assignment.revoked_at = timezone.now()
        assignment.revoked_by = by
        assignment.save(update_fields=["revoked_at", "revoked_by"])
    return assignment


# --- People -----------------------------------------------------------------------------------


def person_deactivate(*, by, person_id):
    """Switch an account off: no page, API call, socket or stream from the next request on.
    Its assignments stay as they were (the history of who held what)."""
    with transaction.atomic():
        person = User.objects.select_for_update().filter(pk=person_id).first()
        if person is None:
            raise PeopleRefused(404, _("Orang tidak ditemukan."))
        if not person.is_active:
            raise PeopleRefused(409, _("Akun ini sudah nonaktif."))
        if problem := deactivation_problem(by, person, fresh=True):
            raise PeopleRefused(403, problem)
        person.is_active = False
        person.save(update_fields=["is_active"])
    return person


def person_invite(
    *,
    by,
    email,
    role,
    area_code,
    first_name="",
    last_name="",
    username="",
    valid_until=None,
    request=None,
    base_url=None,
):
    """Create a person with no password yet, grant them a role and email them a one-time link
    to set their password. Returns (person, sent): `sent` is False when the email could not be
    sent (the person exists; the invitation can be sent again from their page)."""
    email = clean_email(email)
    first_name, last_name = first_name.strip(), last_name.strip()
    username = clean_username(username) if username.strip() else None
    if User.objects.filter(email__iexact=email).exists():
        raise PeopleRefused(400, _("Email ini sudah terdaftar."), "email")
    if username and User.objects.filter(username__iexact=username).exists():
        raise PeopleRefused(400, _("Nama pengguna ini sudah dipakai."), "username")
    for field, value in (("first_name", first_name), ("last_name", last_name)):
        if len(value) > NAME_MAX_LENGTH:
            message = _("Paling panjang %d karakter.") % NAME_MAX_LENGTH
            raise PeopleRefused(400, message, field)
    try:
        with transaction.atomic():
            live_grants(by, fresh=True)
            if problem := grant_problem(by, Role(role), area_code):
                raise PeopleRefused(400, problem[1], problem[0])
            _check_valid_until(valid_until)
            person = User(
                username=username or free_username(email),
                email=email,
                first_name=first_name,
                last_name=last_name,
            )
            person.set_unusable_password()
            person.save()
            assignment_grant(
                by=by,
                person_id=person.pk,
                role=role,
                area_code=area_code,
                valid_until=valid_until,
            )
            person_invited.send(
                sender=User, user=person, by=by, request=request, area_code=area_code
            )
    except IntegrityError:
        # Someone registered the same email or username a moment ago.
        raise PeopleRefused(409, _("Email atau nama pengguna ini baru saja didaftarkan.")) from None
    return person, send_invitations([person], by=by, base_url=_base(request, base_url)) == 1


def person_reinvite(*, by, person_id, request=None, base_url=None):
    """Send a new invitation link to someone who has not set a password yet. Returns `sent`."""
    with transaction.atomic():
        person = User.objects.select_for_update().filter(pk=person_id).first()
        if person is None:
            raise PeopleRefused(404, _("Orang tidak ditemukan."))
        if not is_invitation_pending(person):
            raise PeopleRefused(409, _("Orang ini sudah menerima undangannya."))
        live_grants(by, fresh=True)
        if not any(can(by, Action.MANAGE_ROLES, a) for a in current_assignments(person)):
            raise PeopleRefused(
                403, _("Anda hanya dapat mengundang orang untuk peran di bawah peran Anda.")
            )
        if not person.email:
            raise PeopleRefused(409, _("Orang ini tidak punya alamat email."))
        mine = next(a for a in current_assignments(person) if can(by, Action.MANAGE_ROLES, a))
        person_invited.send(
            sender=User, user=person, by=by, request=request, area_code=mine.area_id
        )
    return send_invitations([person], by=by, base_url=_base(request, base_url)) == 1


# --- Invitations ------------------------------------------------------------------------------
# The link is allauth's password-reset key (user id in base 36, then a token that no longer
# matches once a password is set or the person has signed in), on our own page, which welcomes
# the invitee instead of speaking of a forgotten password.


def invitation_key(person):
    return f"{user_pk_to_url_str(person)}-{default_token_generator.make_token(person)}"


def invited_person(key):
    """The person a key from an invitation email stands for, while it is still good; else None."""
    uid, _dash, token = key.partition("-")
    try:
        pk = url_str_to_user_pk(uid)
    except (ValueError, OverflowError):
        return None
    person = User.objects.filter(pk=pk, is_active=True).first()
    if person is None or not default_token_generator.check_token(person, token):
        return None
    return person


def send_invitations(people, *, by, base_url):
    """Email each person their invitation link over one connection; returns how many went out.
    Call it after the transaction that created them has committed."""
    if not people:
        return 0
    days = max(settings.PASSWORD_RESET_TIMEOUT // 86400, 1)
    messages = []
    # The invitee has no language choice yet: the portal's own language.
    with translation.override(settings.LANGUAGE_CODE):
        inviter = str(by) if by else _("Admin JakCCTV")
        for person in people:
            path = reverse("people-invitation", kwargs={"key": invitation_key(person)})
            assignments = list(current_assignments(person).select_related("area"))
            context = {
                "person": person,
                "inviter": inviter,
                "url": base_url.rstrip("/") + path,
                "days": days,
                "assignments": assignments,
                "needs_mfa": any(role_needs_mfa(a.role) for a in assignments),
            }
            subject = render_to_string("kelurahan/email/invitation_subject.txt", context)
            body = render_to_string("kelurahan/email/invitation_message.txt", context)
            messages.append(EmailMessage(" ".join(subject.split()), body, to=[person.email]))
    try:
        return mailers.default.send_messages(messages) or 0
    except (OSError, smtplib.SMTPException):
        log.exception("invitation emails could not be sent")
        return 0


def _base(request, base_url):
    if base_url:
        return base_url
    if request is not None:
        return request.build_absolute_uri("/")
    raise ValueError("an invitation link needs the portal's address (request or base_url)")


# --- Cleaning what people type ----------------------------------------------------------------


def clean_email(value):
    email = (value or "").strip().lower()
    if not email:
        raise PeopleRefused(400, _("Email wajib diisi."), "email")
    try:
        validate_email(email)
    except ValidationError:
        raise PeopleRefused(400, _("Alamat email tidak valid."), "email") from None
    return email


def clean_username(value):
    username = (value or "").strip().lower()
    if not username:
        raise PeopleRefused(400, _("Nama pengguna wajib diisi."), "username")
    if len(username) > USERNAME_MAX_LENGTH:
        message = _("Paling panjang %d karakter.") % USERNAME_MAX_LENGTH
        raise PeopleRefused(400, message, "username")
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError:
        message = _("Nama pengguna hanya boleh berisi huruf, angka dan . @ + - _")
        raise PeopleRefused(400, message, "username") from None
    return username


def username_base(email):
    """'Budi.Santoso+fkdm@mail.id' -> 'budi.santoso'."""
    local = email.split("@")[0].split("+")[0].lower()
    return re.sub(r"[^a-z0-9._-]", "", local)[:40] or "pengguna"


def free_username(email, taken=()):
    """A username made from the email that nobody uses yet (budi.santoso, budi.santoso2, ...)."""
    base = username_base(email)
    used = set(User.objects.filter(username__istartswith=base).values_list("username", flat=True))
    used = {name.lower() for name in used} | set(taken)
    candidate, number = base, 1
    while candidate in used:
        number += 1
        candidate = f"{base}{number}"
    return candidate


# --- Lists ------------------------------------------------------------------------------------

STATUS_LABELS = {
    "aktif": _lazy("Aktif"),
    "diundang": _lazy("Belum menerima undangan"),
    "tanpa_peran": _lazy("Tanpa peran aktif"),
    "nonaktif": _lazy("Nonaktif"),
}


def people_for(manager, *, q="", role="", area="", status=""):
    """The people `manager` sees, filtered, each with `shown_assignments`: their assignments in
    the manager's areas (never those elsewhere), newest first.

    `role` and `area` match any of those assignments, a live one when `status` is "aktif".
    """
    people = User.objects.manageable_by(manager)
    visible = RoleAssignment.objects.visible_to(manager)
    live = visible.live()
    if role or area:
        matching = live if status == "aktif" else visible
        if role:
            matching = matching.filter(role=role)
        if area:
            matching = matching.filter(in_areas("area__code", [area]))
        people = people.filter(pk__in=matching.values("user_id"))
    for word in q.split():
        people = people.filter(
            Q(username__icontains=word)
            | Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(email__icontains=word)
        )
    if status == "nonaktif":
        people = people.filter(is_active=False)
    elif status == "diundang":
        people = people.filter(
            is_active=True, last_login__isnull=True, password__startswith=UNUSABLE_PASSWORD_PREFIX
        )
    elif status == "aktif":
        people = people.filter(is_active=True, pk__in=live.values("user_id"))
    elif status == "tanpa_peran":
        people = people.filter(is_active=True).exclude(pk__in=live.values("user_id"))
    shown = visible.select_related("area").order_by("-valid_from", "-pk")
    return people.order_by("first_name", "last_name", "username").prefetch_related(
        Prefetch("assignments", queryset=shown, to_attr="shown_assignments")
    )


def person_status(person, assignments):
    """The status a manager sees: nonaktif, diundang, aktif (a live role among `assignments`,
    those in the manager's areas) or tanpa_peran."""
    if not person.is_active:
        return "nonaktif"
    if is_invitation_pending(person):
        return "diundang"
    if any(a.state() == "aktif" for a in assignments):
        return "aktif"
    return "tanpa_peran"
