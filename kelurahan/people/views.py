"""People and roles management (/kelola/orang/): list and search, invite, grant, revoke,
deactivate, bulk import from CSV; and the invitee's page to set a first password.

Only people who hold `manage_roles` somewhere reach these pages (403 for the rest). A person or
assignment comes from `User.objects.manageable_by` / `RoleAssignment.objects.visible_to` (an
outsider gets 404); what may be changed is decided by kelurahan/people/services.py (403 without the
right). A refused form keeps what was typed and says why.
"""

import re
from functools import wraps

from allauth.account.utils import perform_login
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kelurahan.access import can, own_assignment_problem, roles_grantable_anywhere
from kelurahan.models import PeopleImport, RoleAssignment, User
from kelurahan.people import services
from kelurahan.people.forms import (
    GrantForm,
    ImportForm,
    InviteForm,
    PeopleFilterForm,
    area_suggestions,
)
from kelurahan.people.importing import Report, import_people
from kelurahan.people.rows import ImportRejected, rejection_text
from kelurahan.roles import Action, Role

PAGE_SIZE = 50
GRANTED_SHOWN = 50  # the newest assignments a person granted, on their page (the API has all)
PREVIEW_ROWS = 200  # rows of each kind listed on the import page (the counts cover them all)
PROGRESS_KEY = re.compile(r"[0-9a-f-]{8,64}")
PROGRESS_SECONDS = 15 * 60


def manager_required(view):
    """Signed in and holding `manage_roles` somewhere; else the login page or 403."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not can(request.user, Action.MANAGE_ROLES):
            raise PermissionDenied(_("Peran Anda tidak dapat mengelola orang."))
        return view(request, *args, **kwargs)

    return wrapped


def _posted(request):
    """The form data of a POST (even an empty one), None for a GET."""
    return request.POST if request.method == "POST" else None


def _refused(refused):
    """A service refusal as Django's own answers (404, 403); anything else is for the caller."""
    if refused.status == 404:
        raise Http404(refused.message)
    if refused.status == 403:
        raise PermissionDenied(refused.message)


# --- List and detail --------------------------------------------------------------------------


@manager_required
def people_list(request):
    form = PeopleFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    people = services.people_for(
        request.user, **{k: v for k, v in filters.items() if k in {"q", "role", "area", "status"}}
    )
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    for person in page:
        person.status = services.person_status(person, person.shown_assignments)
        person.status_label = services.STATUS_LABELS[person.status]
    context = {
        "form": form,
        "page": page,
        "filtered": sum(1 for v in filters.values() if v),
        "suggestions": area_suggestions(request.user),
    }
    return render(request, "kelurahan/people_list.html", context)


@manager_required
def person_detail(request, pk):
    person = _person(request.user, pk)
    return _detail_page(request, person)


def _person(manager, pk):
    return get_object_or_404(User.objects.manageable_by(manager), pk=pk)


def _detail_page(request, person, *, grant_form=None, status=200):
    manager = request.user
    assignments = list(
        RoleAssignment.objects.visible_to(manager)
        .filter(user=person)
        .select_related("area", "granted_by", "revoked_by")
        .order_by("-valid_from", "-pk")
    )
    own = own_assignment_problem(manager, person.pk)
    for assignment in assignments:
        assignment.current_state = assignment.state()
        assignment.revocable = (
            not own
            and assignment.current_state in {"aktif", "belum_berlaku"}
            and can(manager, Action.MANAGE_ROLES, assignment)
        )
    status_code = services.person_status(person, assignments)
    may_grant = not own and person.is_active and bool(roles_grantable_anywhere(manager))
    granted = (
        RoleAssignment.objects.visible_to(manager)
        .filter(granted_by=person)
        .select_related("user", "area")
        .order_by("-granted_at", "-pk")
    )
    context = {
        "person": person,
        "assignments": assignments,
        "own": own,
        "granted": granted[:GRANTED_SHOWN],
        "granted_count": granted.count(),
        "status": status_code,
        "status_label": services.STATUS_LABELS[status_code],
        "grant_form": (grant_form or GrantForm(manager=manager)) if may_grant else None,
        "may_deactivate": person.is_active
        and services.deactivation_problem(manager, person) is None,
        "may_reinvite": services.is_invitation_pending(person)
        and any(a.revocable for a in assignments),
        "suggestions": area_suggestions(manager) if may_grant else [],
    }
    return render(request, "kelurahan/people_detail.html", context, status=status)


# --- Changes ----------------------------------------------------------------------------------


@manager_required
def person_invite(request):
    form = InviteForm(_posted(request), manager=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person, sent = services.person_invite(
                by=request.user,
                request=request,
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                username=data["username"],
                **_grant_fields(data),
            )
        except services.PeopleRefused as refused:
            _refused(refused)
            form.add_error(refused.field, refused.message)
        else:
            if sent:
                messages.success(
                    request,
                    _("Undangan dikirim ke %(email)s.") % {"email": person.email},
                )
            else:
                message = _("%s sudah dibuat, tetapi email undangan gagal dikirim.") % person
                messages.warning(request, message)
            return redirect("people-detail", pk=person.pk)
    status = 400 if form.errors else 200
    context = {"form": form, "suggestions": area_suggestions(request.user)}
    return render(request, "kelurahan/people_invite.html", context, status=status)


@manager_required
@require_POST
def person_grant(request, pk):
    person = _person(request.user, pk)
    form = GrantForm(request.POST, manager=request.user)
    if form.is_valid():
        try:
            assignment = services.assignment_grant(
                by=request.user, person_id=person.pk, **_grant_fields(form.cleaned_data)
            )
        except services.PeopleRefused as refused:
            _refused(refused)
            form.add_error(refused.field, refused.message)
        else:
            messages.success(
                request,
                _("%(role)s di %(area)s diberikan kepada %(person)s.")
                % {
                    "role": assignment.get_role_display(),
                    "area": assignment.scope_name,
                    "person": person,
                },
            )
            return redirect("people-detail", pk=person.pk)
    return _detail_page(request, person, grant_form=form, status=400)


def _grant_fields(data):
    return {"role": data["role"], "area_code": data["area"], "valid_until": data["valid_until"]}


@manager_required
@require_POST
def assignment_revoke(request, pk):
    assignment = get_object_or_404(RoleAssignment.objects.visible_to(request.user), pk=pk)
    try:
        services.assignment_revoke(by=request.user, assignment_id=assignment.pk)
    except services.PeopleRefused as refused:
        _refused(refused)
        messages.error(request, refused.message)
    else:
        messages.success(
            request,
            _("Peran %(role)s milik %(person)s di %(area)s dicabut.")
            % {
                "role": assignment.get_role_display(),
                "person": assignment.user,
                "area": assignment.scope_name,
            },
        )
    return redirect("people-detail", pk=assignment.user_id)


@manager_required
@require_POST
def person_deactivate(request, pk):
    person = _person(request.user, pk)
    try:
        services.person_deactivate(by=request.user, person_id=person.pk)
    except services.PeopleRefused as refused:
        _refused(refused)
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Akun %s dinonaktifkan.") % person)
    return redirect("people-detail", pk=person.pk)


@manager_required
@require_POST
def person_reinvite(request, pk):
    person = _person(request.user, pk)
    try:
        sent = services.person_reinvite(by=request.user, person_id=person.pk, request=request)
    except services.PeopleRefused as refused:
        _refused(refused)
        messages.error(request, refused.message)
    else:
        if sent:
            messages.success(request, _("Undangan baru dikirim ke %s.") % person.email)
        else:
            messages.warning(request, _("Email undangan gagal dikirim; coba lagi nanti."))
    return redirect("people-detail", pk=person.pk)


# --- Bulk import ------------------------------------------------------------------------------


@manager_required
def people_import(request):
    form = ImportForm(_posted(request), request.FILES if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        filename, text = form.cleaned_data["file"]
        try:
            report = import_people(
                text,
                by=request.user,
                dry_run=True,
                on_progress=_progress_reporter(request),
            )
        except ImportRejected as rejected:
            for error in rejected.errors:
                form.add_error("file", error)
        else:
            upload = PeopleImport.objects.create(
                uploaded_by=request.user,
                filename=filename[:200],
                content=text,
                invite=form.cleaned_data["invite"],
                report=report.as_json(),
            )
            return redirect("people-import-detail", pk=upload.pk)
    status = 400 if form.errors else 200
    recent = PeopleImport.objects.visible_to(request.user).defer("content", "report")[:10]
    context = {"form": form, "recent": recent}
    return render(request, "kelurahan/people_import.html", context, status=status)


@manager_required
def people_import_detail(request, pk):
    upload = get_object_or_404(PeopleImport.objects.visible_to(request.user), pk=pk)
    report = Report.from_json(upload.applied_report or upload.report)
    context = {
        "upload": upload,
        "report": report,
        "applied": upload.applied_report is not None,
        "applying": upload.applied_at is not None and upload.applied_report is None,
        "rejected": [rejection_text(row) for row in report.rejected],
        "limit": PREVIEW_ROWS,
        "new_people": report.new_people[:PREVIEW_ROWS],
        "new_assignments": [
            {**row, "role_label": Role(row["role"]).label}
            for row in report.new_assignments[:PREVIEW_ROWS]
        ],
        "skipped": report.skipped[:PREVIEW_ROWS],
    }
    return render(request, "kelurahan/people_import_detail.html", context)


@manager_required
@require_POST
def people_import_apply(request, pk):
    # Marked as applied first, in a transaction of its own: a second click (or tab) finds it
    # taken instead of importing the same file twice at once.
    with transaction.atomic():
        uploads = PeopleImport.objects.visible_to(request.user).select_for_update()
        upload = get_object_or_404(uploads, pk=pk)
        if upload.applied_at is not None:
            messages.info(request, _("Impor ini sudah diterapkan."))
            return redirect("people-import-detail", pk=upload.pk)
        upload.applied_at = timezone.now()
        upload.save(update_fields=["applied_at"])
    try:
        # The rows are checked again: people and rights may have changed since the dry run.
        report = import_people(
            upload.content,
            by=request.user,
            invite=upload.invite,
            request=request,
            on_progress=_progress_reporter(request),
        )
    except (IntegrityError, ImportRejected):
        upload.applied_at = None
        upload.save(update_fields=["applied_at"])
        messages.error(request, _("Data berubah selama impor; tidak ada yang disimpan. Coba lagi."))
        return redirect("people-import-detail", pk=upload.pk)
    upload.applied_report = report.as_json()
    upload.save(update_fields=["applied_report"])
    messages.success(
        request,
        _("Impor selesai: %(people)d orang baru, %(roles)d peran baru.")
        % {"people": len(report.new_people), "roles": len(report.new_assignments)},
    )
    return redirect("people-import-detail", pk=upload.pk)


def _progress_reporter(request):
    """Where a long import tells the page how far it is (polled by static/js/people.js)."""
    key = request.POST.get("progress", "")
    if not PROGRESS_KEY.fullmatch(key):
        return None
    cache_key = f"people-import-progress:{request.user.pk}:{key}"

    def report(phase, done, total):
        cache.set(cache_key, {"phase": phase, "done": done, "total": total}, PROGRESS_SECONDS)

    return report


@manager_required
def people_import_progress(request, key):
    if not PROGRESS_KEY.fullmatch(key):
        raise Http404
    found = cache.get(f"people-import-progress:{request.user.pk}:{key}")
    return JsonResponse(found or {"phase": "upload", "done": 0, "total": 0})


# --- The invitee's page -----------------------------------------------------------------------


def invitation(request, key):
    """Set a first password from the invitation link, then sign in."""
    person = services.invited_person(key)
    if person is None:
        return render(request, "kelurahan/people_invitation.html", {"invalid": True}, status=400)
    form = SetPasswordForm(person, _posted(request))
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Kata sandi tersimpan. Selamat datang di JakCCTV."))
        return perform_login(request, person, redirect_url=reverse("home"))
    assignments = services.current_assignments(person).select_related("area")
    context = {"person": person, "form": form, "assignments": assignments}
    return render(request, "kelurahan/people_invitation.html", context)
