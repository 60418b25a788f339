"""The evidence API: save a clip to an incident, read it, download it with a reason, and find
clips by SHA-256 (checking a file handed over). The pages do the same through the services."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action, api_view
from rest_framework.response import Response

from cameras.models import Camera
from common.api import ID_PATTERN, Body, QueryParams
from common.dates import RangeDateTimeField
from evidence import services
from evidence.files import file_response, starts_playback
from evidence.models import AgencyLink, Clip
from evidence.services import EvidenceRefused, forwarded_agencies
from incidents.api import RefusalSerializer
from incidents.models import Agency, Incident
from kelurahan.roles import Action


class ClipSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()
    held_until = serializers.SerializerMethodField()

    class Meta:
        model = Clip
        fields = [
            "id", "incident", "camera", "start", "end", "sha256", "bytes", "created_at",
            "held_until", "removed_at", "download_url",
        ]  # fmt: skip

    def get_download_url(self, clip) -> str:
        return f"/api/v1/clips/{clip.pk}/download/"

    def get_held_until(self, clip) -> str | None:
        """ISO 8601, "open" while the incident is open, null once lifted or over."""
        if clip.held_while_open:
            return "open"
        return clip.held_until.isoformat() if clip.held_until else None


class LinkSerializer(serializers.ModelSerializer):
    agency_name = serializers.CharField(source="agency.name", read_only=True)
    state = serializers.ChoiceField(
        ["berlaku", "kedaluwarsa", "dicabut"], read_only=True, help_text="Keadaan tautan sekarang"
    )

    class Meta:
        model = AgencyLink
        fields = [
            "id", "agency", "agency_name", "created_at", "expires_at", "revoked_at", "uses",
            "reason", "state",
        ]  # fmt: skip


class GivenLinkSerializer(LinkSerializer):
    url = serializers.SerializerMethodField(
        help_text="Alamat unduh untuk instansi (dengan token rahasia); hanya ditampilkan sekali"
    )

    class Meta(LinkSerializer.Meta):
        fields = [*LinkSerializer.Meta.fields, "url"]

    def get_url(self, link) -> str:
        return self.context["url"]


class ReasonBody(Body):
    reason = serializers.CharField(
        min_length=5, max_length=300, help_text="Alasan (dicatat dalam riwayat penanganan)"
    )


class LinkGiveBody(ReasonBody):
    """The page's form (evidence/forms.py: LinkForm): an agency the incident was forwarded to
    and a reason. The link lasts EVIDENCE_LINK_HOURS, as on the page."""

    agency = serializers.PrimaryKeyRelatedField(
        queryset=Agency.objects.none(),
        help_text="Instansi yang sudah menerima penerusan kejadian ini",
        error_messages={
            # Any other agency, existing or not, is refused alike (the service's own words).
            "does_not_exist": gettext_lazy("Kejadian ini belum diteruskan ke instansi tersebut."),
            "incorrect_type": gettext_lazy("Isian ini harus berupa angka."),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "incident" in self.context:
            self.fields["agency"].queryset = forwarded_agencies(self.context["incident"])


class ClipCreateSerializer(Body):
    camera = serializers.PrimaryKeyRelatedField(
        queryset=Camera.objects.none(),
        error_messages={
            "does_not_exist": gettext_lazy("Kamera tidak ditemukan di wilayah Anda."),
            "incorrect_type": gettext_lazy("Isian ini harus berupa angka."),
        },
    )
    start = RangeDateTimeField(help_text="ISO 8601 dengan zona waktu (tahun 2000-2099)")
    end = RangeDateTimeField(
        help_text="ISO 8601 dengan zona waktu; paling lama 30 menit sesudah start"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            cameras = Camera.objects.visible_to(request.user, Action.VIEW_RECORDINGS)
            self.fields["camera"].queryset = cameras


class ClipQuery(QueryParams):
    sha256 = serializers.RegexField(
        r"^[0-9a-fA-F]{64}$",
        required=False,
        help_text="Periksa berkas: klip dengan sidik jari SHA-256 ini",
        error_messages={"invalid": gettext_lazy("SHA-256 terdiri dari 64 angka heksadesimal.")},
    )


class DownloadQuery(QueryParams):
    reason = serializers.CharField(
        min_length=5, max_length=300, help_text="Alasan unduhan (dicatat)"
    )


# What the clip operations refuse, declared once: outside the user's scope (404), without the
# right (403), and for the operations that read a body or a query, field errors (400).
_DENIED = {403: RefusalSerializer, 404: RefusalSerializer}
_REFUSALS = {
    400: OpenApiTypes.OBJECT,  # field errors: {"field": ["message"]}
    **_DENIED,
}
_FILE_GONE = {410: OpenApiResponse(RefusalSerializer, description="Berkas sudah dihapus")}


def _conflict(description):
    return {409: OpenApiResponse(RefusalSerializer, description=description)}


def _refusal(refused):
    if refused.status == 400 and refused.field:
        return Response({refused.field: [refused.message]}, status=400)
    return Response({"detail": refused.message}, status=refused.status)


@extend_schema(
    summary="Simpan rekaman kamera sebagai bukti kejadian (MP4, salinan apa adanya)",
    request=ClipCreateSerializer,
    responses={
        201: ClipSerializer,
        **_REFUSALS,
        **_conflict("Tidak ada rekaman pada rentang itu"),
    },
)
@api_view(["POST"])
def incident_clips(request, pk):
    incident = get_object_or_404(Incident.objects.visible_to(request.user), pk=pk)
    if not services.may(request.user, Action.VIEW_RECORDINGS, incident):
        return Response({"detail": services.refusal_to_save()}, status=403)
    body = ClipCreateSerializer(data=request.data, context={"request": request})
    body.is_valid(raise_exception=True)
    try:
        clip = services.clip_create(
            incident=incident, by=request.user, request=request, **body.validated_data
        )
    except EvidenceRefused as refused:
        return _refusal(refused)
    return Response(ClipSerializer(clip).data, status=status.HTTP_201_CREATED)


class ClipViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Clips of incidents you see where you may watch recordings; `?sha256=` checks a file."""

    serializer_class = ClipSerializer

    def get_queryset(self):
        clips = Clip.objects.visible_to(self.request.user).order_by("-created_at", "-pk")
        if self.action == "list":
            query = ClipQuery.read(self.request)
            if query.get("sha256"):
                clips = clips.filter(sha256=query["sha256"].lower())
        return clips

    @extend_schema(parameters=[ClipQuery], summary="Klip bukti (periksa berkas dengan ?sha256=)")
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="Satu klip bukti (dicatat sebagai dilihat)")
    def retrieve(self, request, *args, **kwargs):
        clip = self.get_object()
        services.clip_viewed(clip=clip, by=request.user, request=request)
        return Response(ClipSerializer(clip).data)

    @extend_schema(
        summary="Unduh klip (MP4); alasan wajib dan dicatat",
        description=(
            "Mendukung HTTP Range (`Range: bytes=a-b`, `bytes=a-`, `bytes=-n`): 206 dengan "
            "potongan itu, 416 bila di luar ukuran berkas. Unduhan dicatat sekali, pada "
            "permintaan tanpa Range atau yang mulai dari byte 0."
        ),
        parameters=[DownloadQuery],
        responses={
            (200, "video/mp4"): OpenApiTypes.BINARY,
            (206, "video/mp4"): OpenApiResponse(OpenApiTypes.BINARY, description="Potongan"),
            416: OpenApiResponse(RefusalSerializer, description="Rentang di luar berkas"),
            **_REFUSALS,
            **_FILE_GONE,
        },
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        clip = self.get_object()
        if not services.may(request.user, Action.EXPORT_EVIDENCE, clip.incident):
            return Response({"detail": _("Anda tidak berhak mengunduh bukti ini.")}, status=403)
        query = DownloadQuery.read(request)
        try:
            services.clip_download(
                clip=clip,
                by=request.user,
                reason=query["reason"],
                request=request,
                log=starts_playback(request, clip),
            )
        except EvidenceRefused as refused:
            return _refusal(refused)
        return file_response(clip, request, json_refusal=True)

    def _exporting(self, message):
        """The clip in the path, or a refusal (404 outside, 403 without export_evidence)."""
        clip = self.get_object()
        if not services.may(self.request.user, Action.EXPORT_EVIDENCE, clip.incident):
            return clip, Response({"detail": message}, status=403)
        return clip, None

    @extend_schema(
        summary="Tautan unduh yang diberikan kepada instansi untuk klip ini",
        responses={200: LinkSerializer(many=True), **_DENIED},
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def links(self, request, pk=None):
        clip, refused = self._exporting(_("Anda tidak berhak melihat tautan bukti ini."))
        if refused:
            return refused
        links = clip.links.select_related("agency").order_by("-created_at", "-pk")
        return Response(LinkSerializer(links, many=True).data)

    @extend_schema(
        summary="Beri instansi tautan unduh klip ini (alasan wajib dan dicatat)",
        description=(
            "Hanya untuk instansi yang sudah menerima penerusan kejadian ini. Tautan berlaku "
            "selama EVIDENCE_LINK_HOURS (72 jam kecuali diatur lain). Alamatnya (`url`, dengan "
            "token rahasia) hanya ada dalam jawaban ini: kirimkan lewat saluran resmi."
        ),
        request=LinkGiveBody,
        responses={
            201: GivenLinkSerializer,
            **_REFUSALS,
            **_FILE_GONE,
        },
    )
    @links.mapping.post
    def link_give(self, request, pk=None):
        clip, refused = self._exporting(_("Anda tidak berhak memberikan bukti ini."))
        if refused:
            return refused
        body = LinkGiveBody(data=request.data, context={"incident": clip.incident})
        body.is_valid(raise_exception=True)
        try:
            link, token = services.link_give(
                clip=clip, by=request.user, request=request, **body.validated_data
            )
        except EvidenceRefused as refused:
            return _refusal(refused)
        url = services.link_url(token, request)
        answer = GivenLinkSerializer(link, context={"url": url}).data
        return Response(answer, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Cabut tautan instansi sebelum berakhir (alasan wajib dan dicatat)",
        request=ReasonBody,
        responses={
            200: LinkSerializer,
            **_REFUSALS,
            **_conflict("Tautan sudah dicabut"),
        },
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=rf"links/(?P<link_id>{ID_PATTERN})/revoke",
        url_name="link-revoke",
    )
    def link_revoke(self, request, pk=None, link_id=None):
        clip, refused = self._exporting(_("Anda tidak berhak mencabut tautan bukti ini."))
        if refused:
            return refused
        if not clip.links.filter(pk=link_id).exists():
            return Response({"detail": _("Tautan tidak ditemukan pada klip ini.")}, status=404)
        body = ReasonBody(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            link = services.link_revoke(
                clip=clip,
                link_id=int(link_id),
                by=request.user,
                reason=body.validated_data["reason"],
                request=request,
            )
        except EvidenceRefused as refused:
            return _refusal(refused)
        return Response(LinkSerializer(link).data)

    @extend_schema(
        summary="Cabut penahanan klip sebelum waktunya (alasan wajib dan dicatat)",
        request=ReasonBody,
        responses={
            200: ClipSerializer,
            **_REFUSALS,
            **_conflict("Penahanan sudah dicabut"),
        },
    )
    @action(detail=True, methods=["post"], url_path="lift-hold", url_name="lift-hold")
    def lift_hold(self, request, pk=None):
        clip, refused = self._exporting(_("Anda tidak berhak mencabut penahanan bukti ini."))
        if refused:
            return refused
        body = ReasonBody(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            clip = services.hold_lift(
                clip=clip, by=request.user, reason=body.validated_data["reason"], request=request
            )
        except EvidenceRefused as refused:
            return _refusal(refused)
        return Response(ClipSerializer(clip).data)

    def perform_content_negotiation(self, request, force=False):
        # The download answers with its MP4 whatever the client said it accepts.
        return super().perform_content_negotiation(
            request, force=force or self.action == "download"
        )
