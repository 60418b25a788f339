"""The maintenance API: tickets (list with filters status, camera, maintainer, area; one ticket
with its notes and camera health; POST <id>/note/ and <id>/repaired/) and maintainers.

Querysets start from `Ticket.objects.visible_to(user)` (outsiders get 404); changes go through
maintenance/services.py, whose refusals become `{"detail": message}` with their status."""

from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from common.api import QueryParams, id_field
from kelurahan.access import can, maintainer_ids, scope_codes
from kelurahan.api import AreaCodeField
from kelurahan.models import Maintainer
from kelurahan.roles import Action
from maintenance.models import Ticket, TicketNote
from maintenance.queries import STATUS_CHOICES, camera_health, filter_tickets
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

    class Meta:
        model = TicketNote
        fields = ["id", "author", "text", "has_photo", "created_at"]

    def get_has_photo(self, note) -> bool:
        return bool(note.photo)


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
    text = serializers.CharField(max_length=4000)


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
        summary="Tambahkan catatan",
        request=NewTicketNoteSerializer,
        responses={201: TicketDetailSerializer, **_REFUSALS},
    )
    @action(detail=True, methods=["post"])
    def note(self, request, pk=None):
        return self._act(
            NewTicketNoteSerializer,
            lambda t, d: ticket_note(by=request.user, ticket_id=t.pk, text=d["text"]),
            status.HTTP_201_CREATED,
        )

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
