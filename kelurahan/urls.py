from django.urls import include, path

from kelurahan import incident_views, people_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("wilayah/", views.area_list, name="area-list"),
    path("wilayah/<str:code>/", views.area_detail, name="area-detail"),
    path("akun/", views.account, name="account"),
    path("kejadian/", incident_views.incident_list, name="incident-list"),
    path("kejadian/baru/", incident_views.incident_create, name="incident-create"),
    path("kejadian/<id:pk>/", incident_views.incident_detail, name="incident-detail"),
    path(
        "kejadian/<id:pk>/lampiran/<id:attachment_pk>/",
        incident_views.incident_attachment,
        name="incident-attachment",
    ),
    path("kejadian/<id:pk>/<slug:action>/", incident_views.incident_act, name="incident-action"),
    path("piket/", include("kelurahan.shift_urls")),
    path("kelola/orang/", include("kelurahan.people_urls")),
    path("undangan/<str:key>/", people_views.invitation, name="people-invitation"),
]
