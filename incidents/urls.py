from django.urls import path

from incidents import views

urlpatterns = [
    path("kejadian/", views.incident_list, name="incident-list"),
    path("kejadian/baru/", views.incident_create, name="incident-create"),
    path("kejadian/<id:pk>/", views.incident_detail, name="incident-detail"),
    path(
        "kejadian/<id:pk>/lampiran/<id:attachment_pk>/",
        views.incident_attachment,
        name="incident-attachment",
    ),
    path("kejadian/<id:pk>/<slug:action>/", views.incident_act, name="incident-action"),
]
