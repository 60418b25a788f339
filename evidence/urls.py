from django.urls import path

from evidence import views

app_name = "evidence"

urlpatterns = [
    path("bukti/kejadian/<id:incident_pk>/simpan/", views.clip_create, name="clip-create"),
    path("bukti/periksa/", views.verify, name="verify"),
    path("bukti/tautan/<str:token>/", views.agency_link, name="agency-link"),
    path("bukti/<id:pk>/", views.clip_detail, name="clip-detail"),
    path("bukti/<id:pk>/video.mp4", views.clip_video, name="clip-video"),
    path("bukti/<id:pk>/unduh/", views.clip_download, name="clip-download"),
    path("bukti/<id:pk>/tautan/", views.link_give, name="link-give"),
    path("bukti/<id:pk>/tautan/<id:link_pk>/cabut/", views.link_revoke, name="link-revoke"),
    path("bukti/<id:pk>/cabut-penahanan/", views.hold_lift, name="hold-lift"),
]
