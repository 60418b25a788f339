"""Small read-only answers for the map page: the user's cameras and their kelurahan outlines.

Both start from the scoping door (`visible_to`), like every other way into camera data.
"""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view
from rest_framework.response import Response

from cameras.api import CameraQuery, filter_cameras
from cameras.models import Camera
from kelurahan.models import Area, AreaBoundary


def camera_state(status, online):
    """One word for the marker colour: online, offline, perbaikan or nonaktif."""
    if status != Camera.Status.ACTIVE:
        return status
    return "online" if online else "offline"


@extend_schema(
    parameters=[CameraQuery],
    responses={200: OpenApiTypes.OBJECT},
    summary="Kamera sebagai titik peta",
)
@api_view(["GET"])
def map_cameras(request):
    """The cameras the user may see as map points (same filters as the camera list)."""
    cameras = filter_cameras(Camera.objects.visible_to(request.user), CameraQuery.read(request))
    rows = cameras.order_by("area_id", "name").values_list(
        "pk", "code", "name", "lat", "lon", "status", "online"
    )
    points = [
        {
            "id": pk,
            "code": code,
            "name": name,
            "lat": lat,
            "lon": lon,
            "state": camera_state(status, online),
            "url": reverse("cameras:camera-detail", args=[pk]),
        }
        for pk, code, name, lat, lon, status, online in rows
    ]
    return Response({"cameras": points})


@extend_schema(responses={200: OpenApiTypes.OBJECT}, summary="Batas kelurahan (GeoJSON)")
@api_view(["GET"])
def map_areas(request):
    """The outlines of the kelurahan the user may see, as a GeoJSON FeatureCollection."""
    visible = Area.objects.visible_to(request.user)
    boundaries = AreaBoundary.objects.filter(area__in=visible).select_related("area")
    features = [
        {
            "type": "Feature",
            "properties": {"code": b.area_id, "name": b.area.name},
            "geometry": {"type": "MultiPolygon", "coordinates": b.coordinates},
        }
        for b in boundaries.order_by("area_id")
    ]
    return Response({"type": "FeatureCollection", "features": features})
