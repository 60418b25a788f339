from django.urls import path

from datarequests import views

app_name = "datarequests"

# The number and secret of a status link: PD-2026-000123 and a token_urlsafe(32).
urlpatterns = [
    path("permohonan-data/", views.request_new, name="new"),
    path(
        "permohonan-data/status/<str:number>/<str:secret>/",
        views.request_status,
        name="status",
    ),
    path(
        "permohonan-data/status/<str:number>/<str:secret>/rekaman/",
        views.request_footage,
        name="footage",
    ),
    path("permohonan/", views.staff_list, name="list"),
    path("permohonan/<id:pk>/", views.staff_detail, name="detail"),
    path("permohonan/<id:pk>/dokumen/", views.staff_document, name="document"),
    path(
        "permohonan/<id:pk>/<slug:action>/",
        views.staff_act,
        name="act",
    ),
]
