"""What the incident pages and the API share: list filters and ordering, deadlines, and what a
given user may read of one incident (its reporter, its timeline, the agencies it may go to).

Every list starts from `Incident.objects.visible_to(user)`; reporters are named only to roles
allowed to see them."""

from dataclasses import dataclass

from django import forms
from django.db.models import Case, F, IntegerField, Prefetch, Value, When
from django.db.models.functions import Coalesce, Least
from django.http import FileResponse, Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.dates import within_years
from incidents.models import (
    FINAL_STATUSES,
    Agency,
    Category,
    Incident,
    IncidentEvent,
    IncidentLevel,
    Severity,
    Status,
)
from kelurahan.access import can
from kelurahan.codes import level_of_code
from kelurahan.models import in_areas
from kelurahan.roles import Action

# --- Filters and ordering, shared by the list page and the API -------------------------------

OPEN = "terbuka"  # the list page's default: what still needs someone
ALL = "semua"
STATUS_FILTERS = [
    (OPEN, gettext_lazy("Masih terbuka")),
    (ALL, gettext_lazy("Semua status")),
    *Status.choices,
]
ORDERINGS = {
    "deadline": gettext_lazy("Sisa waktu tersingkat"),
    "-created": gettext_lazy("Terbaru"),
    "created": gettext_lazy("Terlama"),
    "-deadline": gettext_lazy("Sisa waktu terpanjang"),
}


class IncidentFilterForm(forms.Form):
    """Validates list filters (query string); `filter_incidents` applies them."""

    area = forms.CharField(label=gettext_lazy("Wilayah"), required=False, max_length=24)
    status = forms.ChoiceField(
        label=gettext_lazy("Status"), required=False, choices=[("", "—"), *STATUS_FILTERS]
    )
    category = forms.ChoiceField(
        label=gettext_lazy("Kategori"),
        required=False,
        choices=[("", gettext_lazy("Semua kategori")), *Category.choices],
    )
    severity = forms.ChoiceField(
        label=gettext_lazy("Tingkat bahaya"),
        required=False,
        choices=[("", gettext_lazy("Semua tingkat")), *Severity.choices],
    )
    level = forms.ChoiceField(
        label=gettext_lazy("Ditangani di tingkat"),
        required=False,
        choices=[("", gettext_lazy("Semua tingkat")), *IncidentLevel.choices],
    )
    overdue = forms.NullBooleanField(
        label=gettext_lazy("Batas waktu"),
        required=False,
        widget=forms.Select(
            choices=[
                ("", gettext_lazy("Semua")),
                ("true", gettext_lazy("Hanya yang terlambat")),
                ("false", gettext_lazy("Yang belum terlambat")),
            ]
        ),
    )
    since = forms.DateTimeField(
        label=gettext_lazy("Sejak"), required=False, validators=[within_years]
    )
    ordering = forms.ChoiceField(
        label=gettext_lazy("Urutkan"), required=False, choices=list(ORDERINGS.items())
    )

    def clean_area(self):
        code = self.cleaned_data["area"].strip()
        if code and level_of_code(code) is None:
            raise forms.ValidationError(_("Kode wilayah tidak valid."))
        return code


def with_deadline(incidents):
    """Annotate `deadline`: acknowledge-by while the incident is new, else follow-up-by (the
    earlier of the two, should escalations have pushed the first past the second)."""
    return incidents.annotate(
        deadline=Case(
            When(
                status=Status.BARU,
                then=Least(Coalesce("ack_due_at", "resolve_due_at"), "resolve_due_at"),
            ),
            default=F("resolve_due_at"),
        ),
        finished=Case(
            When(status__in=FINAL_STATUSES, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        ),
    )


def filter_incidents(incidents, cleaned, *, now=None, default_ordering="-created"):
    """Apply IncidentFilterForm's cleaned data to (visible) incidents, annotated with_deadline."""
    now = now or timezone.now()
    incidents = with_deadline(incidents)
    if cleaned.get("area"):
        incidents = incidents.filter(in_areas("area__code", [cleaned["area"]]))
    state = cleaned.get("status")
    if state == OPEN:
        incidents = incidents.exclude(status__in=FINAL_STATUSES)
    elif state in Status.values:
        incidents = incidents.filter(status=state)
    for field in ("category", "severity", "level"):
        if cleaned.get(field):
            incidents = incidents.filter(**{field: cleaned[field]})
    if cleaned.get("overdue") is True:
        incidents = incidents.filter(finished=0, deadline__lt=now)
    elif cleaned.get("overdue") is False:
        incidents = incidents.exclude(finished=0, deadline__lt=now)
    if cleaned.get("since"):
        incidents = incidents.filter(created_at__gte=cleaned["since"])
    ordering = cleaned.get("ordering") or default_ordering
    if ordering == "deadline":
        return incidents.order_by("finished", "deadline", "pk")
    if ordering == "-deadline":
        return incidents.order_by("finished", "-deadline", "-pk")
    if ordering == "created":
        return incidents.order_by("created_at", "pk")
    return incidents.order_by("-created_at", "-pk")


def deadline_of(incident):
    """The deadline that matters now (as `with_deadline` computes it in the database)."""
    if incident.status in FINAL_STATUSES:
        return None
    if incident.status == Status.BARU and incident.ack_due_at:
        return min(incident.ack_due_at, incident.resolve_due_at)
    return incident.resolve_due_at


def is_overdue(incident, now=None):
    deadline = deadline_of(incident)
    return deadline is not None and deadline < (now or timezone.now())


# --- What a given user may read of an incident ------------------------------------------------


def reporter_of(incident, user):
    """The reporter's name and contact for those allowed to see them; None for everyone else.

    Never for FKDM volunteers (their role lacks the right), never for public output.
    """
    if not can(user, Action.SEE_REPORTER_IDENTITY, incident):
        return None
    person = incident.reporter
    return {
        "name": incident.reporter_name or (str(person) if person else ""),
        "username": person.username if person else "",
        "contact": incident.reporter_contact or (person.email if person else ""),
    }


@dataclass(frozen=True)
class TimelineEntry:
    at: object
    kind: str
    kind_label: str
    actor: str | None  # None: the system (SLA sweep, an outside system)
    note: str
    agency: Agency | None
    data: dict
    change: str  # "Baru → Diterima", "Kelurahan → Kecamatan", in words


def _change(event):
    data = event.data or {}
    labels = Status if event.kind in {"status", "diterima"} else IncidentLevel
    if data.get("from") in labels.values and data.get("to") in labels.values:
        return f"{labels(data['from']).label} → {labels(data['to']).label}"
    return ""


def timeline_of(incident, user):
    """The incident's timeline as `user` may read it: the reporter's own entries say "Pelapor"
    to those who may not know who reported (the reporter sees "Anda")."""
    hide_reporter = not can(user, Action.SEE_REPORTER_IDENTITY, incident)
    entries = []
    for event in incident.events.all():
        actor = str(event.actor) if event.actor_id else None
        if event.actor_id and event.actor_id == incident.reporter_id and hide_reporter:
            actor = _("Anda") if event.actor_id == user.pk else _("Pelapor (dirahasiakan)")
        entries.append(
            TimelineEntry(
                event.at,
                event.kind,
                event.get_kind_display(),
                actor,
                event.note,
                event.agency,
                event.data,
                _change(event),
            )
        )
    return entries


def agencies_for(incident, user):
    """Agencies `user` may forward `incident` to: those serving its area that the user sees."""
    visible = Agency.objects.visible_to(user).values("pk")
    return Agency.objects.serving(incident.area_id).filter(pk__in=visible).order_by("kind", "name")


def incidents_for_detail(user):
    """Visible incidents with what the page and the API detail show, in a handful of queries."""
    events = IncidentEvent.objects.select_related("actor", "agency").order_by("at", "pk")
    return (
        Incident.objects.visible_to(user)
        .select_related("area", "responsible_area", "camera", "reporter")
        .prefetch_related(Prefetch("events", queryset=events), "attachments")
    )


def attachment_response(incident, attachment_id):
    """An attachment's bytes, for someone who may see the incident (never a public media URL)."""
    attachment = next((a for a in incident.attachments.all() if a.pk == int(attachment_id)), None)
    if attachment is None:
        raise Http404(_("Lampiran tidak ditemukan."))
    if attachment.removed_at:
        raise Http404(_("Berkas lampiran ini sudah dihapus: masa simpannya berakhir."))
    try:
        handle = attachment.image.open("rb")
    except FileNotFoundError:
        raise Http404(_("Berkas lampiran tidak ditemukan.")) from None
    extension = attachment.image.name.rpartition(".")[2]
    response = FileResponse(
        handle,
        content_type=attachment.content_type,
        filename=f"kejadian-{incident.pk}-{attachment.pk}.{extension}",
    )
    response["Cache-Control"] = "private, max-age=3600"
    return response
