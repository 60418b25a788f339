"""The incident API's serializers: what an incident, its timeline and its agencies look like as
JSON, and the bodies its actions take."""

from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    extend_schema_field,
)
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from cameras.models import Camera
from common.api import Body, absolute_urls, datetime_text
from common.images import ImageRefused, clean_image
from incidents.models import (
    Agency,
    Category,
    Incident,
    IncidentEvent,
    Severity,
    Status,
)
from incidents.queries import agencies_for, deadline_of, is_overdue, reporter_of, timeline_of
from incidents.services import (
    IncidentRefused,
    place_of,
)
from kelurahan.api import AreaCodeField
from kelurahan.roles import Action

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
        # (common/api.py says why); tests/incidents/test_incident_api.py holds this to DRF's
        # own output.
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
