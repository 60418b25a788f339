"""The recordings API: a camera's timeline and playback tokens (the camera page uses the same
services, cameras/playback.py). Mounted on the camera viewset as `recordings` and `playback`."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from cameras import playback
from cameras.models import Camera
from common.api import Body, QueryParams
from kelurahan.access import can
from kelurahan.roles import Action


class RecordingRange(QueryParams):
    start = serializers.DateTimeField(help_text="ISO 8601 dengan zona waktu")
    end = serializers.DateTimeField(help_text="ISO 8601 dengan zona waktu")


class PlaybackRange(Body):
    start = serializers.DateTimeField(help_text="ISO 8601 dengan zona waktu")
    end = serializers.DateTimeField(help_text="ISO 8601 dengan zona waktu (paling lama 1 jam)")


_MARK = inline_serializer(
    "TimelineMark",
    many=True,
    fields={
        "id": serializers.IntegerField(),
        "at": serializers.DateTimeField(),
        "title": serializers.CharField(),
        "url": serializers.CharField(required=False),
    },
)
_SPAN = inline_serializer(
    "RecordedSpan",
    many=True,
    fields={"start": serializers.DateTimeField(), "end": serializers.DateTimeField()},
)

timeline_schema = extend_schema(
    parameters=[RecordingRange],
    responses={
        200: inline_serializer(
            "RecordingTimeline",
            {
                "spans": _SPAN,
                "incidents": _MARK,
                "notes": _MARK,
                "moves": serializers.ListField(
                    child=serializers.DateTimeField(),
                    help_text="Saat kamera dipindah ke node media lain (mode produksi): "
                    "rentang pemutaran tidak boleh melewatinya.",
                ),
            },
        ),
        400: OpenApiResponse(description="Rentang waktu tidak sah (paling lama 2 hari)"),
        403: OpenApiResponse(description="Tidak berhak melihat rekaman kamera ini"),
        404: OpenApiResponse(description="Kamera tidak ada atau di luar wilayah Anda"),
    },
)

playback_schema = extend_schema(
    request=PlaybackRange,
    responses={
        200: inline_serializer(
            "PlaybackToken",
            {
                "url": serializers.CharField(),
                "token": serializers.CharField(),
                "expires_at": serializers.DateTimeField(),
                "viewing": serializers.IntegerField(),
                "start": serializers.DateTimeField(),
                "end": serializers.DateTimeField(),
            },
        ),
        400: OpenApiResponse(
            description="Rentang waktu tidak sah (paling lama 1 jam, tidak melewati "
            "pemindahan kamera ke node media lain)"
        ),
        403: OpenApiResponse(description="Tidak berhak melihat rekaman kamera ini"),
        404: OpenApiResponse(description="Kamera tidak ada atau di luar wilayah Anda"),
    },
)


def camera_for_recordings(request, pk):
    """The camera if visible (else 404), and its recordings allowed (else 403)."""
    camera = get_object_or_404(Camera.objects.visible_to(request.user), pk=pk)
    if not can(request.user, Action.VIEW_RECORDINGS, camera):
        raise PermissionDenied(playback.gate.not_allowed().message)
    return camera


def _range_problem(error):
    return ValidationError({"detail": str(error)})


def timeline(request, pk):
    camera = camera_for_recordings(request, pk)
    query = RecordingRange.read(request)
    try:
        answer = playback.timeline(camera, request.user, query["start"], query["end"])
    except playback.BadRange as error:
        raise _range_problem(error) from None
    return Response(answer)


def open_playback(request, pk):
    camera = camera_for_recordings(request, pk)
    body = PlaybackRange(data=request.data)
    body.is_valid(raise_exception=True)
    try:
        answer = playback.playback_open(
            camera=camera,
            user=request.user,
            request=request,
            start=body.validated_data["start"],
            end=body.validated_data["end"],
        )
    except playback.BadRange as error:
        raise _range_problem(error) from None
    return Response(answer)
