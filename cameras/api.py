from django.db import connection
from django.db.models import OuterRef, StringAgg, Subquery, Value
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers, viewsets
from rest_framework.decorators import action, api_view, permission_classes, throttle_classes
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from cameras import recordings_api
from cameras.filters import filter_cameras
from cameras.models import Camera
from cameras.services import stream_open
from cameras.snapshots import snapshot_response
from common.api import Body, QueryParams, absolute_urls, date_text, datetime_text, id_field
from kelurahan.access import can
from kelurahan.api import AreaCodeField
from kelurahan.roles import Action


class StreamResume(Body):
    """What the player may send: the viewing session it continues (none or null: a new one)."""

    viewing = id_field(
        required=False,
        allow_null=True,
        error_messages={
            key: gettext_lazy("Nomor sesi tidak valid.")
            for key in ("invalid", "min_value", "max_value", "max_string_length")
        },
    )


# What the player gets from the stream endpoints (described for the OpenAPI schema).
_STREAM_SCHEMA = extend_schema(
    request=StreamResume,
    responses={
        200: inline_serializer(
            "StreamToken",
            {
                "url": serializers.CharField(
                    help_text="Daftar putar utama (mode tertanam: master, dua rendisi)"
                ),
                "low_url": serializers.CharField(
                    allow_null=True,
                    help_text="Daftar putar rendisi rendah saja (produksi: bila ada)",
                ),
                "token": serializers.CharField(),
                "expires_at": serializers.DateTimeField(),
                "viewing": serializers.IntegerField(),
            },
        ),
        409: OpenApiResponse(description="Kamera sedang tidak beroperasi"),
    },
)


class FirstRenderer(BaseContentNegotiation):
    """Refusals are JSON whatever the client accepts (an <img> accepts images only); the still
    itself is answered as a plain JPEG response, past the renderers."""

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


_SNAPSHOT_SCHEMA = extend_schema(
    responses={
        (200, "image/jpeg"): OpenApiResponse(
            OpenApiTypes.BINARY,
            description="JPEG terbaru, dengan ETag dan Last-Modified",
        ),
        304: OpenApiResponse(description="Tidak berubah sejak If-None-Match/If-Modified-Since"),
        404: OpenApiResponse(description="Tidak ditemukan di wilayah Anda, atau belum ada gambar"),
        409: OpenApiResponse(description="Kamera sedang tidak beroperasi"),
    },
)


class CameraSerializer(serializers.ModelSerializer):
    area = serializers.CharField(source="area_id")
    area_name = serializers.CharField(source="area.name")
    tags = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    page_url = serializers.SerializerMethodField()

    class Meta:
        model = Camera
        fields = [
            "id",
            "code",
            "name",
            "area",
            "area_name",
            "lat",
            "lon",
            "kind",
            "tags",
            "funding",
            "sponsor",
            "installed_on",
            "is_public",
            "status",
            "online",
            "last_seen_at",
            "page_url",
        ]

    @extend_schema_field(OpenApiTypes.URI)
    def get_page_url(self, camera):
        return self._page_urls(camera.pk)

    @cached_property
    def _page_urls(self):
        return absolute_urls(self.context["request"], "cameras:camera-detail")

    @cached_property
    def _zone(self):
        return timezone.get_current_timezone()

    def to_representation(self, camera):
        # A list page holds up to 1,000 cameras: the declared fields are written out here
        # (common/api.py says why); tests/cameras/test_camera_pages.py holds this to DRF's own
        # output.
        data = {
            "id": camera.pk,
            "code": camera.code,
            "name": camera.name,
            "area": camera.area_id,
            "area_name": camera.area.name,
            "lat": camera.lat,
            "lon": camera.lon,
            "kind": camera.kind,
            "tags": tag_slugs_of(camera),
            "funding": camera.funding,
            "sponsor": camera.sponsor,
            "installed_on": date_text(camera.installed_on),
            "is_public": camera.is_public,
            "status": camera.status,
            "online": camera.online,
            "last_seen_at": datetime_text(camera.last_seen_at, self._zone),
            "page_url": self.get_page_url(camera),
        }
        # The source URL may carry the camera's password: only for those allowed to see it.
        if can(self.context["request"].user, Action.SEE_CAMERA_SOURCE, camera.area_id):
            data["source_url"] = camera.source_url
        return data


def with_tag_slugs(cameras):
    """Annotate `tag_slugs` ("keramaian,rawan-banjir", in the tags' own order, by name): the
    tags come with the cameras' own query instead of a second one. SQLite before 3.44 cannot
    order an aggregate: there the tags are prefetched."""
    if not connection.features.supports_aggregate_order_by_clause:
        return cameras.prefetch_related("tags")
    links = Camera.tags.through.objects.filter(camera_id=OuterRef("pk")).order_by()
    slugs = links.values("camera_id").annotate(
        slugs=StringAgg("tag__slug", delimiter=Value(","), order_by="tag__name")
    )
    return cameras.annotate(tag_slugs=Subquery(slugs.values("slugs")))


def tag_slugs_of(camera):
    """A camera's tag slugs, from `with_tag_slugs` when the queryset had it (slugs hold no
    commas), else from its (prefetched) tags."""
    if hasattr(camera, "tag_slugs"):
        return camera.tag_slugs.split(",") if camera.tag_slugs else []
    return [tag.slug for tag in camera.tags.all()]


class CameraQuery(QueryParams):
    """The list's filters over the API (the camera page reads the same with CameraFilterForm)."""

    area = AreaCodeField(required=False, help_text="Kode wilayah: kamera di bawahnya")
    tag = serializers.SlugField(required=False, help_text="Kode label (taman-24-jam)")
    status = serializers.ChoiceField(
        choices=["online", "offline", *Camera.Status.values], required=False
    )
    public = serializers.BooleanField(required=False, help_text="Hanya kamera publik")
    q = serializers.CharField(
        required=False, allow_blank=True, max_length=100, help_text="Cari nama atau kode"
    )


@extend_schema_view(list=extend_schema(parameters=[CameraQuery]))
class CameraViewSet(viewsets.ReadOnlyModelViewSet):
    """Cameras the user may see; filters: area, tag, status, public, q (see filter_cameras)."""

    serializer_class = CameraSerializer

    def get_queryset(self):
        cameras = with_tag_slugs(Camera.objects.visible_to(self.request.user))
        cameras = cameras.select_related("area")
        if self.action == "list":
            cameras = filter_cameras(cameras, CameraQuery.read(self.request))
        return cameras.order_by("area_id", "name")

    @_STREAM_SCHEMA
    @action(detail=True, methods=["post"])
    def stream(self, request, pk=None):
        """A short-lived token to play this camera (send `viewing` to continue a session)."""
        camera = get_object_or_404(
            Camera.objects.visible_to(request.user, Action.VIEW_STREAMS), pk=pk
        )
        return _stream_answer(camera, request.user, request)

    @recordings_api.timeline_schema
    @action(detail=True, methods=["get"])
    def recordings(self, request, pk=None):
        """What is recorded of this camera in [start, end) (at most 2 days), and the incidents
        and shift notes of that time."""
        return recordings_api.timeline(request, pk)

    @recordings_api.playback_schema
    @action(detail=True, methods=["post"])
    def playback(self, request, pk=None):
        """A token and playlist to play this camera's recording of [start, end) (at most 1 h)."""
        return recordings_api.open_playback(request, pk)

    @_SNAPSHOT_SCHEMA
    @action(detail=True, methods=["get"], content_negotiation_class=FirstRenderer)
    def snapshot(self, request, pk=None):
        """The camera's latest still (JPEG, renewed every SNAPSHOT_SECONDS); send the `ETag`
        back as `If-None-Match` to get 304 while it has not changed."""
        camera = get_object_or_404(
            Camera.objects.visible_to(request.user, Action.VIEW_STREAMS), pk=pk
        )
        return _snapshot_answer(camera, request.user, request)


class PublicStreamThrottle(AnonRateThrottle):
    rate = "60/min"


@_STREAM_SCHEMA
@api_view(["POST"])
@permission_classes([AllowAny])
@throttle_classes([PublicStreamThrottle])
def public_stream(request, pk):
    """A token for a public camera, for anyone (the public page)."""
    camera = get_object_or_404(Camera.objects.public(), pk=pk)
    return _stream_answer(camera, None, request)


class PublicSnapshotThrottle(AnonRateThrottle):
    rate = "300/min"  # a phone's public page: a dozen stills, each every SNAPSHOT_SECONDS


class PublicSnapshot(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [PublicSnapshotThrottle]
    content_negotiation_class = FirstRenderer

    @_SNAPSHOT_SCHEMA
    def get(self, request, pk):
        """The latest still of a public camera, for anyone (the public page on a phone)."""
        camera = get_object_or_404(Camera.objects.public(), pk=pk)
        return _snapshot_answer(camera, None, request)


def _snapshot_answer(camera, user, request):
    if camera.status != Camera.Status.ACTIVE:
        return Response({"detail": _("Kamera ini sedang tidak beroperasi.")}, status=409)
    response = snapshot_response(request, camera, user)
    if response is None:
        return Response({"detail": _("Belum ada gambar dari kamera ini.")}, status=404)
    return response


def _stream_answer(camera, user, request):
    if camera.status != Camera.Status.ACTIVE:
        return Response({"detail": _("Kamera ini sedang tidak beroperasi.")}, status=409)
    body = StreamResume(data=request.data)
    body.is_valid(raise_exception=True)
    resume = body.validated_data.get("viewing")
    return Response(stream_open(camera=camera, user=user, request=request, resume=resume))
