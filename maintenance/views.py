"""Maintenance pages: the tickets list (staff and operators: their area; technicians: their
organisation's cameras), one ticket with its camera's health and notes, opening one by hand
from a camera page, notes with photos, and "repaired".

Every page starts from `Ticket.objects.visible_to(user)` (outsiders get 404); every change goes
through maintenance/services.py, whose refusals show on the page with their status.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cameras.models import Camera
from common.images import ImageRefused, clean_image
from kelurahan.access import can
from kelurahan.roles import Action
from maintenance import services
from maintenance.forms import TicketListForm, TicketNoteForm, TicketOpenForm, TicketRepairedForm
from maintenance.models import Status, Ticket
from maintenance.queries import camera_health, filter_tickets, note_photo_response

PAGE_SIZE = 50


def _tickets(user):
    return Ticket.objects.visible_to(user).select_related("camera", "area", "maintainer")


@login_required
def ticket_list(request):
    if not can(request.user, Action.VIEW_TICKETS):
        raise PermissionDenied
    form = TicketListForm(request.GET)
    tickets = _tickets(request.user)
    tickets = filter_tickets(tickets, form.cleaned_data) if form.is_valid() else tickets.none()
    page = Paginator(tickets, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page}
    return render(
        request, "maintenance/ticket_list.html", context, status=400 if form.errors else 200
    )


@login_required
def camera_health_list(request):
    """The health of the cameras whose tickets the user sees (a technician: its organisation's),
    offline first, with their unresolved ticket if any. Never a stream or a camera's source."""
    if not can(request.user, Action.VIEW_TICKETS):
        raise PermissionDenied
    open_ticket = Ticket.objects.unresolved().filter(camera_id=OuterRef("pk")).values("pk")[:1]
    cameras = (
        Camera.objects.visible_to(request.user, Action.VIEW_TICKETS)
        .streamable()
        .select_related("area", "maintainer")
        .annotate(ticket_id=Subquery(open_ticket))
        .order_by("online", "online_changed_at", "code")
    )
    page = Paginator(cameras, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "maintenance/camera_health.html", {"page": page})


@login_required
def ticket_detail(request, pk):
    return _detail(request, get_object_or_404(_tickets(request.user), pk=pk))


def _detail(request, ticket, *, note_form=None, status=200):
    user = request.user
    context = {
        "ticket": ticket,
        "health": camera_health(ticket.camera),
        "notes": ticket.notes.select_related("author"),
        "note_form": note_form or TicketNoteForm(),
        "repaired_form": TicketRepairedForm(),
        "may_note": ticket.status != Status.CLOSED and can(user, Action.NOTE_TICKET, ticket),
        "may_repair": ticket.status == Status.OPEN and can(user, Action.REPAIR_TICKET, ticket),
        "may_watch": can(user, Action.VIEW_STREAMS, ticket.camera),
    }
    return render(request, "maintenance/ticket_detail.html", context, status=status)


@login_required
@require_POST
def ticket_note(request, pk):
    ticket = get_object_or_404(_tickets(request.user), pk=pk)
    form = TicketNoteForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            photo = form.cleaned_data["photo"]
            services.ticket_note(
                by=request.user,
                ticket_id=ticket.pk,
                text=form.cleaned_data["text"],
                photo=clean_image(photo) if photo else None,
            )
        except ImageRefused as refused:
            form.add_error("photo", refused.message)
        except services.TicketRefused as refused:
            _refused_status(refused)
            form.add_error(refused.field if refused.field in form.fields else None, refused.message)
        else:
            messages.success(request, _("Catatan disimpan."))
            return redirect(ticket)
    return _detail(request, ticket, note_form=form, status=400)


@login_required
@require_POST
def ticket_repaired(request, pk):
    ticket = get_object_or_404(_tickets(request.user), pk=pk)
    form = TicketRepairedForm(request.POST)
    text = form.cleaned_data["text"] if form.is_valid() else ""
    try:
        services.ticket_repaired(by=request.user, ticket_id=ticket.pk, text=text)
    except services.TicketRefused as refused:
        _refused_status(refused)
        messages.error(request, refused.message)
        return _detail(request, ticket, status=refused.status)
    messages.success(
        request, _("Ditandai diperbaiki. Tiket ditutup otomatis setelah kamera stabil daring.")
    )
    return redirect(ticket)


@login_required
def ticket_open(request, camera_pk):
    camera = get_object_or_404(
        Camera.objects.visible_to(request.user).select_related("area"), pk=camera_pk
    )
    if not can(request.user, Action.OPEN_TICKET, camera):
        raise PermissionDenied
    form = TicketOpenForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                ticket = services.ticket_open(
                    by=request.user, camera_id=camera.pk, **form.cleaned_data
                )
            except services.TicketRefused as refused:
                status = refused.status
                form.add_error(None, refused.message)
            else:
                messages.success(request, _("Tiket #%s dibuka.") % ticket.pk)
                return redirect(ticket)
    return render(
        request, "maintenance/ticket_open.html", {"camera": camera, "form": form}, status=status
    )


@login_required
def note_photo(request, pk, note_pk):
    """A note's photo, for someone who may see the ticket (never a public media URL)."""
    ticket = get_object_or_404(_tickets(request.user), pk=pk)
    return note_photo_response(ticket, note_pk)


def _refused_status(refused):
    if refused.status == 404:
        raise Http404(refused.message)
    if refused.status == 403:
        raise PermissionDenied(refused.message)
