"""The incident and agency API.

Every queryset starts from `Incident.objects.visible_to(user)` / `Agency.objects.visible_to(user)`;
every change goes through the services in incidents/services.py, whose refusals
(IncidentRefused) become `{"detail": message}` with their HTTP status (409 for a status change the
incident's status does not allow). Reporters are named only to roles allowed to see them."""

from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from common.api import ID_PATTERN, QueryParams
from common.dates import DateTimeField
from common.idempotency import idempotent_api
from common.schema import IDEMPOTENCY_KEY
from incidents.models import (
    Agency,
    Category,
    Incident,
    IncidentLevel,
    Severity,
    Status,
)
from incidents.queries import (
    ALL,
    OPEN,
    ORDERINGS,
    attachment_response,
    filter_incidents,
    incidents_for_detail,
)
from incidents.serializers import (
    AgencySerializer,
    AttachSerializer,
    CommentSerializer,
    ForwardSerializer,
    IncidentCreateSerializer,
    IncidentDetailSerializer,
    IncidentSerializer,
    NoteSerializer,
    TransitionSerializer,
)
from incidents.services import (
    IncidentRefused,
    incident_acknowledge,
    incident_attach,
    incident_comment,
    incident_escalate,
    incident_forward,
    incident_transition,
    report_incident,
)
from kelurahan.access import can
from kelurahan.api import AreaCodeField
from kelurahan.models import Area
from kelurahan.roles import Action

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
        parameters=[IDEMPOTENCY_KEY],
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

    @idempotent_api("api:incidents")
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
