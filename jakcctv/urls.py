from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView

from alerts.push import api as push_api
from cameras import api as cameras_api
from cameras import streams
from cameras.map_api import map_areas, map_cameras
from common.api import Router, api_docs
from datarequests import api as datarequests_api
from evidence import api as evidence_api
from incidents import api as incident_api
from incidents import ingest_api
from kelurahan import api as kelurahan_api
from kelurahan.people import api as people_api
from maintenance import api as maintenance_api
from reports.api import public_stats
from shifts import api as shift_api

router = Router()
router.register("areas", kelurahan_api.AreaViewSet, basename="area")
router.register("cameras", cameras_api.CameraViewSet, basename="camera")
router.register("incidents", incident_api.IncidentViewSet, basename="incident")
router.register("agencies", incident_api.AgencyViewSet, basename="agency")
router.register("clips", evidence_api.ClipViewSet, basename="clip")
router.register("shifts", shift_api.ShiftViewSet, basename="shift")
router.register("notes", shift_api.ShiftNoteViewSet, basename="note")
router.register("people", people_api.PersonViewSet, basename="person")
router.register("assignments", people_api.AssignmentViewSet, basename="assignment")
router.register("requests", datarequests_api.DataRequestViewSet, basename="datarequest")
router.register("maintenance/tickets", maintenance_api.TicketViewSet, basename="ticket")
router.register("maintainers", maintenance_api.MaintainerViewSet, basename="maintainer")
router.register(
    "push/subscriptions", push_api.PushSubscriptionViewSet, basename="push-subscription"
)

api_urls = [
    path("me/", kelurahan_api.me, name="me"),
    path("public/cameras/<id:pk>/stream/", cameras_api.public_stream, name="public-stream"),
    path(
        "public/cameras/<id:pk>/snapshot/",
        cameras_api.PublicSnapshot.as_view(),
        name="public-snapshot",
    ),
    path("public/stats/", public_stats, name="public-stats"),
    path("public/requests/", datarequests_api.public_request, name="public-request"),
    path("push/key/", push_api.push_key, name="push-key"),
    path("map/cameras/", map_cameras, name="map-cameras"),
    path("map/areas/", map_areas, name="map-areas"),
    path("incidents/<id:pk>/clips/", evidence_api.incident_clips, name="incident-clips"),
    path("ingest/reports/", ingest_api.ingest_report, name="ingest-report"),
    path("ingest/detections/", ingest_api.ingest_detection, name="ingest-detection"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", api_docs, name="docs"),
    *router.urls,
]

urlpatterns = [
    path("favicon.ico", RedirectView.as_view(url=f"{settings.STATIC_URL}img/favicon.svg")),
    path("", include("kelurahan.urls")),
    path("", include("cameras.urls")),
    path("piket/", include("shifts.urls")),
    path("", include("incidents.urls")),
    path("", include("evidence.urls")),
    path("", include("maintenance.urls")),
    path("", include("alerts.urls")),
    path("", include("audit.urls")),
    path("", include("datarequests.urls")),
    path("", include("reports.urls")),
    path("streams/<slug:code>/<str:filename>", streams.stream_file, name="stream-file"),
    path(
        "recordings/<int:camera_id>/index.m3u8",
        streams.recording_playlist,
        name="recording-playlist",
    ),
    path(
        "recordings/<int:camera_id>/<path:relative>",
        streams.recording_file,
        name="recording-file",
    ),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include((api_urls, "api"))),
    path("django-admin/", admin.site.urls),
]
