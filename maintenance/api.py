"""The maintenance API: tickets (list with filters status, camera, maintainer, area; one ticket
with its notes and camera health; POST <id>/note/ (a text and/or a photo, multipart) and
<id>/repaired/; GET <id>/notes/<note id>/photo/) and maintainers.

Querysets start from `Ticket.objects.visible_to(user)` (outsiders get 404); changes go through
maintenance/services.py, whose refusals become `{"detail": message}` with their status."""

from django.urls import reverse
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from common.api import ID_PATTERN, QueryParams, id_field
from common.images import ImageRefused, clean_image
from kelurahan.access import can, maintainer_ids, scope_codes
from kelurahan.api import AreaCodeField
from kelurahan.models import Maintainer
from kelurahan.roles import Action
from maintenance.models import Ticket, TicketNote
from maintenance.queries import (
    STATUS_CHOICES,
    camera_health,
    filter_tickets,
    note_photo_response,
)
from maintenance.services import TicketRefused, ticket_note, ticket_repaired


class TicketQuery(QueryParams):
    status = serializers.ChoiceField(
        choices=[value for value, _label in STATUS_CHOICES],
        required=False,
        help_text="belum_selesai (bawaan), semua, terbuka, diperbaiki, ditutup",
        error_messages={"invalid_choice": gettext_lazy("Status tiket tidak dikenal.")},
    )
    camera = id_field(required=False, help_text="Id kamera")
    maintainer = id_field(required=False, help_text="Id pemelihara")
    area = AreaCodeField(required=False, help_text="Kode wilayah: tiket kamera di bawahnya")


class MaintainerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Maintainer
        fields = ["id", "name", "kind", "repair_hours"]


class TicketSerializer(serializers.ModelSerializer):
    camera_code = serializers.CharField(source="camera.code", read_only=True)
    camera_name = serializers.CharField(source="camera.name", read_only=True)
    area = serializers.CharField(source="area_id", read_only=True)
    maintainer_name = serializers.CharField(
        source="maintainer.name", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = Ticket
        fields = [
            "id",
            "camera",
            "camera_code",
            "camera_name",
            "area",
            "maintainer",
            "maintainer_name",
            "reason",
            "description",
            "status",
            "opened_at",
            "deadline",
            "reopen_count",
            "repaired_at",
            "closed_at",
        ]


class TicketNoteSerializer(serializers.ModelSerializer):
    author = serializers.StringRelatedField()
    has_photo = serializers.SerializerMethodField()
    photo_url = serializers.SerializerMethodField(
        help_text="GET: the photo (for those who may see the ticket); null without one"
    )

    class Meta:
        model = TicketNote
        fields = ["id", "author", "text", "has_photo", "photo_url", "created_at"]

    def get_has_photo(self, note) -> bool:
        return bool(note.photo)

    def get_photo_url(self, note) -> str | None:
        if not note.photo:
            return None
        return reverse("api:ticket-note-photo", args=[note.ticket_id, note.pk])


class HealthSerializer(serializers.Serializer):
    online = serializers.BooleanField()
    since = serializers.DateTimeField(allow_null=True)
    last_seen_at = serializers.DateTimeField(allow_null=True)
    uptime_24h = serializers.FloatField(help_text="0..1")


class TicketDetailSerializer(TicketSerializer):
    notes = TicketNoteSerializer(many=True, read_only=True)
    health = serializers.SerializerMethodField()

    class Meta(TicketSerializer.Meta):
        fields = [*TicketSerializer.Meta.fields, "notes", "health"]

    @extend_schema_field(HealthSerializer)
    def get_health(self, ticket):
        return HealthSerializer(camera_health(ticket.camera)).data


class NewTicketNoteSerializer(serializers.Serializer):
    """JSON with a text, or multipart/form-data with a text and/or a photo."""

    text = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    photo = serializers.FileField(
        required=False,
        help_text="JPEG, PNG or WebP, at most INCIDENT_ATTACHMENT_MAX_BYTES (multipart only); "
        "re-encoded without metadata",
    )

    def validate_photo(self, upload):
        try:
            return clean_image(upload)
        except ImageRefused as refused:
            raise serializers.ValidationError(refused.message) from None


class RepairedSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


class TicketRefusalSerializer(serializers.Serializer):
    detail = serializers.CharField()


_REFUSALS = {
    400: OpenApiTypes.OBJECT,
    403: TicketRefusalSerializer,
    404: TicketRefusalSerializer,
    409: TicketRefusalSerializer,
}


@extend_schema_view(
    list=extend_schema(parameters=[TicketQuery], summary="Tiket perbaikan yang dapat Anda lihat"),
    retrieve=extend_schema(summary="Satu tiket dengan catatan dan kesehatan kameranya"),
)
class TicketViewSet(viewsets.ReadOnlyModelViewSet):
    """Maintenance tickets: of the cameras in the user's areas (staff, operators), or of their
    organisation's cameras (technicians)."""

    def get_serializer_class(self):
        return TicketSerializer if self.action == "list" else TicketDetailSerializer

    def get_queryset(self):
        user = self.request.user
        if not can(user, Action.VIEW_TICKETS):
            raise PermissionDenied(gettext_lazy("Anda tidak dapat melihat tiket perbaikan."))
        tickets = Ticket.objects.visible_to(user).select_related("camera", "maintainer")
        if self.action == "list":
            return filter_tickets(tickets, TicketQuery.read(self.request))
        return tickets.prefetch_related("notes__author")

    @extend_schema(
        summary="Tambahkan catatan, dengan foto (multipart) bila ada",
        request={
            "application/json": NewTicketNoteSerializer,
            "multipart/form-data": NewTicketNoteSerializer,
        },
        responses={201: TicketDetailSerializer, **_REFUSALS},
    )
    @action(detail=True, methods=["post"])
    def note(self, request, pk=None):
        return self._act(
            NewTicketNoteSerializer,
            lambda t, d: ticket_note(
                by=request.user, ticket_id=t.pk, text=d["text"], photo=d.get("photo")
            ),
            status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="Foto sebuah catatan",
        responses={(200, "image/*"): OpenApiTypes.BINARY, 404: TicketRefusalSerializer},
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=rf"notes/(?P<note_id>{ID_PATTERN})/photo",
        url_name="note-photo",
    )
    def photo(self, request, pk=None, note_id=None):
        return note_photo_response(self.get_object(), note_id)  # outsiders: 404

    @extend_schema(
        summary="Tandai diperbaiki (409 bila tiket tidak terbuka)",
        request=RepairedSerializer,
        responses={200: TicketDetailSerializer, **_REFUSALS},
    )
    @action(detail=True, methods=["post"])
    def repaired(self, request, pk=None):
        return self._act(
            RepairedSerializer,
            lambda t, d: ticket_repaired(by=request.user, ticket_id=t.pk, text=d["text"]),
        )

    def _act(self, serializer_class, perform, code=status.HTTP_200_OK):
        ticket = self.get_object()  # outsiders: 404
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        try:
            perform(ticket, serializer.validated_data)
        except TicketRefused as refused:
            return Response({"detail": refused.message}, status=refused.status)
        fresh = self.get_queryset().get(pk=ticket.pk)
        return Response(TicketDetailSerializer(fresh).data, status=code)


@extend_schema_view(
    list=extend_schema(summary="Organisasi pemelihara kamera"),
    retrieve=extend_schema(summary="Satu organisasi pemelihara"),
)
class MaintainerViewSet(viewsets.ReadOnlyModelViewSet):
    """Maintainer organisations (name, kind, repair deadline): staff and operators see all (they
    filter tickets by them), a technician its own."""

    serializer_class = MaintainerSerializer

    def get_queryset(self):
        user = self.request.user
        if not can(user, Action.VIEW_TICKETS):
            raise PermissionDenied(gettext_lazy("Anda tidak dapat melihat pemelihara."))
        if scope_codes(user, Action.VIEW_TICKETS):
            return Maintainer.objects.all()
        return Maintainer.objects.filter(pk__in=maintainer_ids(user, Action.VIEW_TICKETS))
