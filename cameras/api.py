from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from rest_framework import serializers, viewsets
from rest_framework.decorators import action, api_view, permission_classes, throttle_classes
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle

from cameras.models import Camera
from cameras.services import stream_open
from kelurahan.access import can
from kelurahan.models import in_areas, level_of_code
from kelurahan.roles import Action


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

    def get_page_url(self, camera):
        return self.context["request"].build_absolute_uri(camera.get_absolute_url())

    def to_representation(self, camera):
        data = super().to_representation(camera)
        # The source URL may carry the camera's password: only for those allowed to see it.
        if can(self.context["request"].user, Action.SEE_CAMERA_SOURCE, camera.area_id):
            data["source_url"] = camera.source_url
        return data


def filter_cameras(cameras, params):
    """The list filters shared by the camera page and the API."""
    if params.get("area"):
        if level_of_code(params["area"]) is None:
            raise ValidationError({"area": _("Kode wilayah tidak valid.")})
        cameras = cameras.filter(in_areas("area__code", [params["area"]]))
    if params.get("tag"):
        cameras = cameras.filter(tags__slug=params["tag"])
    status = params.get("status")
    if status == "online":
        cameras = cameras.filter(online=True, status=Camera.Status.ACTIVE)
    elif status == "offline":
        cameras = cameras.filter(online=False, status=Camera.Status.ACTIVE)
    elif status in Camera.Status.values:
        cameras = cameras.filter(status=status)
    if params.get("public") in {"1", "true"}:
        cameras = cameras.filter(is_public=True)
    if params.get("q"):
        query = params["q"].strip()
        cameras = cameras.filter(Q(name__icontains=query) | Q(code__icontains=query))
    return cameras.distinct()


class CameraViewSet(viewsets.ReadOnlyModelViewSet):
    """Cameras the user may see; filters: area, tag, status, public, q (see filter_cameras)."""

    serializer_class = CameraSerializer

    def get_queryset(self):
        cameras = Camera.objects.visible_to(self.request.user)
        cameras = cameras.select_related("area").prefetch_related("tags")
        return filter_cameras(cameras, self.request.query_params).order_by("area_id", "name")

    @action(detail=True, methods=["post"])
    def stream(self, request, pk=None):
        """A short-lived token to play this camera (send `viewing` to continue a session)."""
        camera = get_object_or_404(
            Camera.objects.visible_to(request.user, Action.VIEW_STREAMS), pk=pk
        )
        return _stream_answer(camera, request.user, request)


class PublicStreamThrottle(AnonRateThrottle):
    rate = "60/min"


@api_view(["POST"])
@permission_classes([AllowAny])
@throttle_classes([PublicStreamThrottle])
def public_stream(request, pk):
    """A token for a public camera, for anyone (the public page)."""
    camera = get_object_or_404(Camera.objects.public(), pk=pk)
    return _stream_answer(camera, None, request)


def _stream_answer(camera, user, request):
    if camera.status != Camera.Status.ACTIVE:
        return Response({"detail": _("Kamera ini sedang tidak beroperasi.")}, status=409)
    resume = request.data.get("viewing") if hasattr(request.data, "get") else None
    if resume is not None and not str(resume).isdigit():
        raise ValidationError({"viewing": _("Nomor sesi tidak valid.")})
    return Response(stream_open(camera=camera, user=user, request=request, resume=resume))
