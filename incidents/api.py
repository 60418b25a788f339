"""The incident and agency API, and what the incident pages share with it.

Every queryset starts from `Incident.objects.visible_to(user)` / `Agency.objects.visible_to(user)`;
every change goes through the services in kelurahan/incidents.py, whose refusals
(IncidentRefused) become `{"detail": message}` with their HTTP status (409 for a status change the
incident's status does not allow). Reporters are named only to roles allowed to see them.
"""

from dataclasses import dataclass

from django import forms
from django.db import transaction
from django.db.models import Case, F, IntegerField, OuterRef, Prefetch, Subquery, Value, When
from django.db.models.functions import Coalesce, Least
from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from cameras.models import Camera
from common.api import ID_PATTERN, Body, QueryParams, absolute_urls, datetime_text
from common.dates import DateTimeField, within_years
from common.images import ImageRefused, clean_image
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
from incidents.services import (
    IncidentRefused,
    incident_acknowledge,
    incident_attach,
    incident_comment,
    incident_create,
    incident_escalate,
    incident_forward,
    incident_transition,
    place_of,
    shift_note_link_incident,
)
from kelurahan.access import can
from kelurahan.api import AreaCodeField
from kelurahan.codes import level_of_code
from kelurahan.models import Area, in_areas
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


def default_title(category, area_code):
    area = Area.objects.filter(code=area_code).first()
    label = Category(category).label
    return _("%(category)s di %(area)s") % {"category": label, "area": area.name if area else ""}


@transaction.atomic
def report_incident(user, data, source):
    """Raise an incident from a form's or the API's cleaned data, with its photo and its shift
    note when the form had them: all or nothing."""
    incident = incident_create(
        by=user,
        category=data["category"],
        severity=data["severity"],
        title=data["title"].strip() or default_title(data["category"], data["area_code"]),
        description=data["description"],
        area_code=data["area_code"],
        lat=data.get("lat"),
        lon=data.get("lon"),
        camera=data.get("camera"),
        source=source,
    )
    if data.get("photo"):
        incident_attach(incident_id=incident.pk, by=user, image=data["photo"])
    if data.get("catatan"):
        shift_note_link_incident(note_id=data["catatan"], incident=incident, by=user)
    return incident


# --- Serializers ------------------------------------------------------------------------------


class AgencySerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    areas = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = Agency
        fields = ["id", "name", "kind", "kind_label", "phone", "email", "address", "areas"]


class AgencyRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Agency
        fields = ["id", "name", "kind"]


class TimelineEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    kind = serializers.ChoiceField(choices=IncidentEvent.Kind.choices)
    kind_label = serializers.CharField()
    actor = serializers.CharField(allow_null=True)
    note = serializers.CharField()
    agency = AgencyRefSerializer(allow_null=True)
    data = serializers.DictField()
    change = serializers.CharField()


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.SerializerMethodField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    uploaded_at = serializers.DateTimeField()
    removed_at = serializers.DateTimeField(allow_null=True)  # the file is gone (retention)

    def get_url(self, attachment) -> str | None:
        if attachment.removed_at:
            return None
        path = reverse(
            "api:incident-attachment",
            kwargs={"pk": attachment.incident_id, "attachment_id": attachment.pk},
        )
        return self.context["request"].build_absolute_uri(path)


class ReporterSerializer(serializers.Serializer):
    name = serializers.CharField()
    username = serializers.CharField()
    contact = serializers.CharField()


class IncidentSerializer(serializers.ModelSerializer):
    area = serializers.CharField(source="area_id")
    area_name = serializers.CharField(source="area.name")
    responsible_area = serializers.CharField(source="responsible_area_id")
    camera = serializers.IntegerField(source="camera_id", allow_null=True)
    deadline = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()
    page_url = serializers.SerializerMethodField()

    class Meta:
        model = Incident
        fields = [
            "id",
            "title",
            "category",
            "severity",
            "status",
            "level",
            "area",
            "area_name",
            "responsible_area",
            "lat",
            "lon",
            "camera",
            "description",
            "source",
            "jaki_status",
            "close_reason",
            "created_at",
            "acknowledged_at",
            "resolved_at",
            "ack_due_at",
            "resolve_due_at",
            "overdue_at",
            "deadline",
            "overdue",
            "page_url",
        ]

    def get_deadline(self, incident) -> str | None:
        return datetime_text(deadline_of(incident), self._zone)

    def get_overdue(self, incident) -> bool:
        return is_overdue(incident)

    def get_page_url(self, incident) -> str:
        return self._page_urls(incident.pk)

    @cached_property
    def _page_urls(self):
        return absolute_urls(self.context["request"], "incident-detail")

    @cached_property
    def _zone(self):
        return timezone.get_current_timezone()

    def to_representation(self, incident):
        # A list page holds up to 1,000 incidents: the declared fields are written out here
        # (common/api.py says why); tests/test_incident_api.py holds this to DRF's own output.
        zone = self._zone
        data = {
            "id": incident.pk,
            "title": incident.title,
            "category": incident.category,
            "severity": incident.severity,
            "status": incident.status,
            "level": incident.level,
            "area": incident.area_id,
            "area_name": getattr(incident, "area_name", None) or incident.area.name,
            "responsible_area": incident.responsible_area_id,
            "lat": incident.lat,
            "lon": incident.lon,
            "camera": incident.camera_id,
            "description": incident.description,
            "source": incident.source,
            "jaki_status": incident.jaki_status,
            "close_reason": incident.close_reason,
            "created_at": datetime_text(incident.created_at, zone),
            "acknowledged_at": datetime_text(incident.acknowledged_at, zone),
            "resolved_at": datetime_text(incident.resolved_at, zone),
            "ack_due_at": datetime_text(incident.ack_due_at, zone),
            "resolve_due_at": datetime_text(incident.resolve_due_at, zone),
            "overdue_at": datetime_text(incident.overdue_at, zone),
            "deadline": self.get_deadline(incident),
            "overdue": self.get_overdue(incident),
            "page_url": self.get_page_url(incident),
        }
        return self.with_reporter(incident, data)

    def with_reporter(self, incident, data):
        reporter = reporter_of(incident, self.context["request"].user)
        if reporter is not None:  # the keys are left out for everyone else
            data["reporter"] = reporter
            data["reporter_confidential"] = incident.reporter_confidential
        return data


class IncidentDetailSerializer(IncidentSerializer):
    timeline = serializers.SerializerMethodField()
    attachments = AttachmentSerializer(many=True, read_only=True)
    allowed_statuses = serializers.SerializerMethodField()

    class Meta(IncidentSerializer.Meta):
        fields = [*IncidentSerializer.Meta.fields, "allowed_statuses", "attachments", "timeline"]

    @extend_schema_field(TimelineEntrySerializer(many=True))
    def get_timeline(self, incident):
        entries = timeline_of(incident, self.context["request"].user)
        return TimelineEntrySerializer(entries, many=True).data

    def get_allowed_statuses(self, incident) -> list[str]:
        return sorted(incident.allowed_statuses())

    def to_representation(self, incident):
        # One incident: DRF's field-by-field output of every declared field.
        data = serializers.ModelSerializer.to_representation(self, incident)
        return self.with_reporter(incident, data)


class IncidentCreateSerializer(Body):
    """A new incident: the place is the camera's, the area named, or the kelurahan whose boundary
    holds the GPS point (a point outside Jakarta is refused)."""

    category = serializers.ChoiceField(choices=Category.choices)
    severity = serializers.ChoiceField(choices=Severity.choices)
    title = serializers.CharField(max_length=160, required=False, allow_blank=True, default="")
    description = serializers.CharField(
        max_length=5000, required=False, allow_blank=True, default=""
    )
    area = AreaCodeField(required=False)
    lat = serializers.FloatField(required=False, allow_null=True, min_value=-90, max_value=90)
    lon = serializers.FloatField(required=False, allow_null=True, min_value=-180, max_value=180)
    camera = serializers.PrimaryKeyRelatedField(
        queryset=Camera.objects.none(), required=False, allow_null=True
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            cameras = Camera.objects.visible_to(request.user, Action.CREATE_INCIDENT)
            self.fields["camera"].queryset = cameras

    def validate(self, data):
        lat, lon = data.get("lat"), data.get("lon")
        if (lat is None) != (lon is None):
            raise ValidationError({"lat": [_("Isi lintang dan bujur bersama-sama.")]})
        try:
            data["area_code"] = place_of(
                area_code=data.get("area", ""), lat=lat, lon=lon, camera=data.get("camera")
            )
        except IncidentRefused as refused:
            field = refused.field or ("lat" if lat is not None and not data.get("area") else "area")
            raise ValidationError({field: [refused.message]}) from None
        return data


class NoteSerializer(Body):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class CommentSerializer(Body):
    note = serializers.CharField(max_length=2000)


class TransitionSerializer(Body):
    to = serializers.ChoiceField(choices=Status.choices)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    def validate(self, data):
        if data["to"] == Status.DITUTUP and not data["reason"].strip():
            raise ValidationError({"reason": [_("Sebutkan alasan kejadian ditutup.")]})
        return data


class ForwardSerializer(Body):
    agencies = serializers.PrimaryKeyRelatedField(
        many=True,
        queryset=Agency.objects.none(),
        allow_empty=False,
        error_messages={
            "empty": gettext_lazy("Pilih minimal satu instansi."),
            "does_not_exist": gettext_lazy(
                "Instansi {pk_value} tidak melayani wilayah kejadian ini atau tidak Anda kenal."
            ),
        },
    )
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "incident" in self.context:
            choices = agencies_for(self.context["incident"], self.context["request"].user)
            self.fields["agencies"].child_relation.queryset = choices


class AttachSerializer(Body):
    image = serializers.FileField(help_text="JPEG, PNG or WebP")
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

    def validate_image(self, upload):
        try:
            return clean_image(upload)
        except ImageRefused as refused:
            raise ValidationError(refused.message) from None


# --- Viewsets ---------------------------------------------------------------------------------


class IncidentQuery(QueryParams):
    """The list's filters over the API (the list page reads the same with IncidentFilterForm)."""

    area = AreaCodeField(required=False, help_text="Kode wilayah: kejadian di bawahnya")
    status = serializers.ChoiceField(choices=[OPEN, ALL, *Status.values], required=False)
    category = serializers.ChoiceField(choices=Category.choices, required=False)
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    level = serializers.ChoiceField(choices=IncidentLevel.choices, required=False)
    overdue = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Lewat batas waktu (diterima / tindak lanjut)",
    )
    since = DateTimeField(required=False, help_text="Dibuat sejak (ISO 8601)")
    ordering = serializers.ChoiceField(choices=list(ORDERINGS), required=False)


class AgencyQuery(QueryParams):
    serving = AreaCodeField(required=False, help_text="Instansi yang melayani kode wilayah ini")
    kind = serializers.ChoiceField(
        choices=Agency.Kind.choices,
        required=False,
        error_messages={"invalid_choice": gettext_lazy("Jenis instansi tidak dikenal.")},
    )


class RefusalSerializer(serializers.Serializer):
    """Why the action was refused, in the user's language (403, 404, 409)."""

    detail = serializers.CharField()


_REFUSALS = {
    400: OpenApiTypes.OBJECT,  # field errors: {"field": ["message"]}
    403: RefusalSerializer,
    404: RefusalSerializer,
    409: RefusalSerializer,
}


def _action_schema(request, summary, code=200):
    return extend_schema(
        summary=summary,
        request=request,
        responses={code: IncidentDetailSerializer, **_REFUSALS},
    )


@extend_schema_view(
    list=extend_schema(parameters=[IncidentQuery], summary="Kejadian yang dapat Anda lihat"),
    retrieve=extend_schema(summary="Satu kejadian dengan riwayat dan lampirannya"),
    create=extend_schema(
        request=IncidentCreateSerializer,
        responses={201: IncidentDetailSerializer, **_REFUSALS},
        summary="Laporkan kejadian",
    ),
)
class IncidentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Incidents the user may see (kelurahan → kecamatan → kota → provinsi, by level), and the
    actions on them: POST /incidents/<id>/<action>/."""

    def get_serializer_class(self):
        return IncidentSerializer if self.action == "list" else IncidentDetailSerializer

    def get_queryset(self):
        user = self.request.user
        if self.action != "list":
            return incidents_for_detail(user)
        query = IncidentQuery.read(self.request)
        # The area's name, not the area: a page of model objects costs more than its query. A
        # subquery, not a join, so that the page's count reads the incident index alone.
        area_name = Area.objects.filter(code=OuterRef("area_id")).values("name")
        incidents = Incident.objects.visible_to(user).annotate(area_name=Subquery(area_name))
        if can(user, Action.SEE_REPORTER_IDENTITY):  # somewhere: the rows may name reporters
            incidents = incidents.select_related("reporter")
        return filter_incidents(incidents, query)

    def perform_content_negotiation(self, request, force=False):
        # An attachment answers with its image whatever the client said it accepts.
        return super().perform_content_negotiation(request, force=force or self.action == "image")

    def create(self, request, *args, **kwargs):
        serializer = IncidentCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            incident = report_incident(request.user, data, Incident.Source.API)
        except IncidentRefused as refused:
            return Response({"detail": refused.message}, status=refused.status)
        return self._answer(incident, status.HTTP_201_CREATED)

    @_action_schema(NoteSerializer, "Terima kejadian (baru → diterima)")
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        return self._act(
            NoteSerializer,
            lambda i, d: incident_acknowledge(incident_id=i.pk, by=request.user, note=d["note"]),
        )

    @_action_schema(NoteSerializer, "Naikkan satu tingkat")
    @action(detail=True, methods=["post"])
    def escalate(self, request, pk=None):
        return self._act(
            NoteSerializer,
            lambda i, d: incident_escalate(incident_id=i.pk, by=request.user, note=d["note"]),
        )

    @_action_schema(ForwardSerializer, "Teruskan ke instansi")
    @action(detail=True, methods=["post"])
    def forward(self, request, pk=None):
        return self._act(
            ForwardSerializer,
            lambda i, d: incident_forward(
                incident_id=i.pk, by=request.user, agencies=d["agencies"], note=d["note"]
            ),
        )

    @_action_schema(TransitionSerializer, "Ubah status (409 bila tidak diizinkan)")
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        return self._act(
            TransitionSerializer,
            lambda i, d: incident_transition(
                incident_id=i.pk, by=request.user, to=d["to"], note=d["note"], reason=d["reason"]
            ),
        )

    @_action_schema(CommentSerializer, "Tambahkan komentar")
    @action(detail=True, methods=["post"])
    def comment(self, request, pk=None):
        return self._act(
            CommentSerializer,
            lambda i, d: incident_comment(incident_id=i.pk, by=request.user, note=d["note"]),
        )

    @_action_schema(AttachSerializer, "Lampirkan gambar (JPEG, PNG, WebP; EXIF dibuang)", 201)
    @action(detail=True, methods=["post"])
    def attach(self, request, pk=None):
        return self._act(
            AttachSerializer,
            lambda i, d: incident_attach(
                incident_id=i.pk, by=request.user, image=d["image"], note=d["note"]
            ),
            status.HTTP_201_CREATED,
        )

    @extend_schema(summary="Berkas lampiran", responses={(200, "image/*"): OpenApiTypes.BINARY})
    @action(
        detail=True,
        methods=["get"],
        url_path=rf"attachments/(?P<attachment_id>{ID_PATTERN})",
        url_name="attachment",
    )
    def image(self, request, pk=None, attachment_id=None):
        return attachment_response(self.get_object(), attachment_id)

    def _act(self, serializer_class, perform, code=status.HTTP_200_OK):
        incident = self.get_object()  # outsiders: 404
        context = {"request": self.request, "incident": incident}
        serializer = serializer_class(data=self.request.data, context=context)
        serializer.is_valid(raise_exception=True)
        try:
            perform(incident, serializer.validated_data)
        except IncidentRefused as refused:
            return Response({"detail": refused.message}, status=refused.status)
        return self._answer(incident, code)

    def _answer(self, incident, code):
        fresh = incidents_for_detail(self.request.user).filter(pk=incident.pk).first()
        if fresh is None:
            # Raised by someone above kelurahan level: it starts at the kelurahan and reaches
            # them once escalated (the level rule), so only its number is shown.
            return Response(
                {
                    "id": incident.pk,
                    "level": incident.level,
                    "status": incident.status,
                    "area": incident.area_id,
                    "detail": _(
                        "Kejadian tercatat dan ditangani dulu oleh kelurahan; Anda melihatnya "
                        "setelah dinaikkan ke tingkat Anda."
                    ),
                },
                status=code,
            )
        context = self.get_serializer_context()
        return Response(IncidentDetailSerializer(fresh, context=context).data, status=code)


@extend_schema_view(list=extend_schema(parameters=[AgencyQuery]))
class AgencyViewSet(viewsets.ReadOnlyModelViewSet):
    """Agencies serving the user's areas or above them (a city's fire service, the province's
    BPBD). Filters: `serving` (an area code), `kind`."""

    serializer_class = AgencySerializer

    def get_queryset(self):
        agencies = Agency.objects.visible_to(self.request.user).prefetch_related("areas")
        if self.action != "list":
            return agencies
        query = AgencyQuery.read(self.request)
        if query.get("serving"):
            agencies = agencies.filter(pk__in=Agency.objects.serving(query["serving"]).values("pk"))
        if query.get("kind"):
            agencies = agencies.filter(kind=query["kind"])
        return agencies.order_by("kind", "name")
