"""Shifts and shift notes over the API (/api/v1/shifts/, /api/v1/notes/).

Querysets start from `visible_to(request.user)` (an outsider gets 404), writes go through
shifts/services.py, whose refusals become 400/403/404/409 with the message in the user's
language. Notes are never deleted: the notes endpoint has no DELETE (405).
"""

from django.db.models import Prefetch, Q
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from cameras.models import Camera
from common.api import QueryParams, id_field
from common.dates import DateField, DateTimeField
from common.idempotency import idempotent_api
from common.schema import IDEMPOTENCY_KEY
from incidents.models import Incident
from kelurahan.api import AreaCodeField
from kelurahan.codes import level_of_code
from kelurahan.models import Area, in_areas
from kelurahan.roles import Level
from shifts import services as services
from shifts.models import Shift, ShiftDuty, ShiftNote, ShiftNoteRevision
from shifts.serializers import (
    HandoverSerializer,
    NoteCreateSerializer,
    NoteEditSerializer,
    NoteSerializer,
    ShiftSerializer,
    _incidents_seen,
)

# --- Helpers ----------------------------------------------------------------------------------


def _found(viewset, message):
    """The viewset's object (scoped by its queryset), or a 404 that says what was not found."""
    try:
        return viewsets.GenericViewSet.get_object(viewset)
    except Http404:
        raise NotFound(message) from None


def _refusal(refused):
    body = {refused.field: [refused.message]} if refused.field else {"detail": refused.message}
    return Response(body, status=refused.status)


_WHEN = {"invalid": gettext_lazy("Waktu tidak valid; tulis seperti 2026-03-01T07:00.")}


class ShiftQuery(QueryParams):
    area = AreaCodeField(required=False, help_text="Kelurahan (or higher) area code")
    date = DateField(
        required=False,
        help_text="Shift date (WIB)",
        error_messages={"invalid": gettext_lazy("Tanggal tidak valid; tulis YYYY-MM-DD.")},
    )
    open = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Only open (true) or closed (false)",
        error_messages={"invalid": gettext_lazy("Tulis true atau false.")},
    )


class CurrentShiftQuery(QueryParams):
    area = AreaCodeField(
        help_text="Kelurahan code",
        error_messages={
            "required": gettext_lazy("Sebutkan kode kelurahan."),
            "blank": gettext_lazy("Sebutkan kode kelurahan."),
            "invalid": gettext_lazy("Kode wilayah tidak valid."),
        },
    )


class NoteQuery(QueryParams):
    area = AreaCodeField(required=False, help_text="Kelurahan (or higher) area code")
    shift = id_field(
        required=False, help_text="Shift id", error_messages={"invalid": _("Harus berupa angka.")}
    )
    since = DateTimeField(
        required=False, help_text="Written or edited after this time", error_messages=_WHEN
    )


_REFUSALS = {
    400: OpenApiResponse(description="Isian tidak valid (pesan per isian)"),
    403: OpenApiResponse(description="Peran Anda tidak mengizinkan tindakan ini"),
    404: OpenApiResponse(description="Tidak ditemukan di wilayah Anda"),
    409: OpenApiResponse(
        description="Keadaan shift tidak mengizinkan (sudah ditutup, sudah masuk)"
    ),
}


# --- Shifts -----------------------------------------------------------------------------------


@extend_schema_view(list=extend_schema(parameters=[ShiftQuery]))
class ShiftViewSet(viewsets.ReadOnlyModelViewSet):
    """Piket shifts the user may see, newest first. Filters: area, date, open."""

    serializer_class = ShiftSerializer

    def get_queryset(self):
        shifts = Shift.objects.visible_to(self.request.user)
        shifts = shifts.select_related("kelurahan", "slot", "closed_by").prefetch_related(
            Prefetch("duties", queryset=ShiftDuty.objects.select_related("user"))
        )
        if self.action != "list":
            return shifts
        query = ShiftQuery.read(self.request)
        if query.get("area"):
            shifts = shifts.filter(in_areas("kelurahan__code", [query["area"]]))
        if query.get("date"):
            shifts = shifts.filter(date=query["date"])
        if query.get("open") is not None:
            shifts = shifts.filter(closed_at__isnull=query["open"])
        return shifts.order_by("-starts_at", "-pk")

    @extend_schema(
        parameters=[CurrentShiftQuery],
        responses={
            200: ShiftSerializer,
            404: OpenApiResponse(
                description="Kelurahan tidak ditemukan, atau tidak ada jadwal piket pada jam ini"
            ),
        },
    )
    @action(detail=False, methods=["get"])
    def current(self, request):
        """The kelurahan's current shift (created on first use)."""
        code = CurrentShiftQuery.read(request)["area"]
        kelurahan = Area.objects.visible_to(request.user).of_level(Level.KELURAHAN)
        if not kelurahan.filter(code=code).exists():
            raise NotFound(_("Kelurahan tidak ditemukan."))
        shift = services.shift_current(kelurahan_code=code)
        if shift is None:
            body = {"detail": _("Tidak ada jadwal piket yang berlaku pada jam ini.")}
            return Response(body, status=status.HTTP_404_NOT_FOUND)
        return self._shift_answer(shift.pk)

    @extend_schema(request=None, responses={200: ShiftSerializer, **_REFUSALS})
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request, pk=None):
        """Check in to this shift (piket officers and kelurahan staff)."""
        return self._act(services.shift_check_in)

    @extend_schema(request=None, responses={200: ShiftSerializer, **_REFUSALS})
    @action(detail=True, methods=["post"], url_path="check-out")
    def check_out(self, request, pk=None):
        """Check out of this shift (also after its end)."""
        return self._act(services.shift_check_out)

    @extend_schema(request=HandoverSerializer, responses={200: ShiftSerializer, **_REFUSALS})
    @action(detail=True, methods=["post"], serializer_class=HandoverSerializer)
    def close(self, request, pk=None):
        """Close with the handover summary (serah terima): a piket officer checked in to it, or
        kelurahan staff."""
        shift = self.get_object()
        body = HandoverSerializer(data=request.data)
        handover = body.validated_data["handover"] if body.is_valid() else ""
        try:
            services.shift_close(shift_id=shift.pk, by=request.user, handover=handover)
        except services.ShiftRefused as refused:
            # Who and when come first (403, 409); then what was sent (400, DRF's field errors).
            if refused.status == 400 and body.errors:
                return Response(body.errors, status=status.HTTP_400_BAD_REQUEST)
            return _refusal(refused)
        return self._shift_answer(shift.pk)

    def get_object(self):
        return _found(self, _("Shift tidak ditemukan."))

    def _act(self, service):
        shift = self.get_object()
        try:
            service(shift_id=shift.pk, by=self.request.user)
        except services.ShiftRefused as refused:
            return _refusal(refused)
        return self._shift_answer(shift.pk)

    def _shift_answer(self, pk):
        shift = self.get_queryset().filter(pk=pk).first()
        return Response(ShiftSerializer(shift, context=self.get_serializer_context()).data)


# --- Notes ------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(parameters=[NoteQuery]),
    create=extend_schema(
        request=NoteCreateSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: NoteSerializer, **_REFUSALS},
    ),
    partial_update=extend_schema(
        request=NoteEditSerializer, responses={200: NoteSerializer, **_REFUSALS}
    ),
)
class ShiftNoteViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Shift notes (append-only). POST adds one to a shift, or to the current shift of `area`;
    PATCH changes its text and keeps the earlier text as a revision; there is no DELETE."""

    serializer_class = NoteSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        notes = ShiftNote.objects.visible_to(self.request.user)
        revisions = ShiftNoteRevision.objects.select_related("edited_by").order_by("edited_at")
        notes = notes.select_related("shift", "author", "incident").prefetch_related(
            Prefetch("revisions", queryset=revisions)
        )
        if self.action != "list":
            return notes
        query = NoteQuery.read(self.request)
        if query.get("area"):
            notes = notes.filter(in_areas("shift__kelurahan__code", [query["area"]]))
        if "shift" in query:
            notes = notes.filter(shift_id=query["shift"])
        if since := query.get("since"):
            notes = notes.filter(Q(created_at__gt=since) | Q(edited_at__gt=since))
        return notes.order_by("-created_at", "-pk")

    def get_object(self):
        return _found(self, _("Catatan tidak ditemukan."))

    def get_serializer_class(self):
        if self.action == "create":
            return NoteCreateSerializer
        if self.action in {"update", "partial_update"}:
            return NoteEditSerializer
        return NoteSerializer

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        context = {
            **self.get_serializer_context(),
            "incidents_seen": _incidents_seen(request.user, page),
        }
        return self.get_paginated_response(NoteSerializer(page, many=True, context=context).data)

    @idempotent_api("api:notes")
    def create(self, request, *args, **kwargs):
        body = NoteCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data, user = body.validated_data, request.user
        shift = self._target_shift(data)
        links = {
            "camera": self._choice(Camera, data.get("camera"), shift, "camera"),
            "incident": self._choice(Incident, data.get("incident"), shift, "incident"),
        }
        try:
            note = services.note_add(shift_id=shift.pk, by=user, text=data["text"], **links)
        except services.ShiftRefused as refused:
            return _refusal(refused)
        return Response(self._note_answer(note.pk), status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        note = self.get_object()
        body = NoteEditSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            services.note_edit(note_id=note.pk, by=request.user, text=body.validated_data["text"])
        except services.ShiftRefused as refused:
            return _refusal(refused)
        return Response(self._note_answer(note.pk))

    def _target_shift(self, data):
        """The shift named, or the current shift of the kelurahan named (404 when not visible)."""
        user = self.request.user
        if data.get("shift") is not None:
            shift = Shift.objects.visible_to(user).filter(pk=data["shift"]).first()
            if shift is None:
                raise NotFound(_("Shift tidak ditemukan."))
            return shift
        code = data["area"].strip()
        if level_of_code(code) is None:
            raise ValidationError({"area": [_("Kode wilayah tidak valid.")]})
        if not Area.objects.visible_to(user).of_level(Level.KELURAHAN).filter(code=code).exists():
            raise NotFound(_("Kelurahan tidak ditemukan."))
        shift = services.shift_current(kelurahan_code=code)
        if shift is None:
            raise ValidationError(
                {"area": [_("Tidak ada jadwal piket yang berlaku pada jam ini.")]}
            )
        return shift

    def _choice(self, model, pk, shift, field):
        """A camera or incident the user sees, in the shift's kelurahan (else 400)."""
        if pk is None:
            return None
        here = in_areas("area__code", [shift.kelurahan_id])
        found = model.objects.visible_to(self.request.user).filter(here, pk=pk).first()
        if found is None:
            message = {
                "camera": _("Pilih kamera di kelurahan shift ini."),
                "incident": _("Pilih kejadian di kelurahan shift ini."),
            }[field]
            raise ValidationError({field: [message]})
        return found

    def _note_answer(self, pk):
        note = self.get_queryset().filter(pk=pk).first()
        return NoteSerializer(note, context=self.get_serializer_context()).data
