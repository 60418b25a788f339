from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from rest_framework.routers import DefaultRouter

from cameras import api as cameras_api
from cameras import streams
from cameras.map_api import map_areas, map_cameras
from kelurahan import api as kelurahan_api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("areas", kelurahan_api.AreaViewSet, basename="area")
router.register("cameras", cameras_api.CameraViewSet, basename="camera")

api_urls = [
    path("me/", kelurahan_api.me, name="me"),
    path("public/cameras/<int:pk>/stream/", cameras_api.public_stream, name="public-stream"),
    path("map/cameras/", map_cameras, name="map-cameras"),
    path("map/areas/", map_areas, name="map-areas"),
    *router.urls,
]

urlpatterns = [
    path("favicon.ico", RedirectView.as_view(url=f"{settings.STATIC_URL}img/favicon.svg")),
    path("", include("kelurahan.urls")),
    path("", include("cameras.urls")),
    path("streams/<slug:code>/<str:filename>", streams.stream_file, name="stream-file"),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include((api_urls, "api"))),
    path("django-admin/", admin.site.urls),
]
