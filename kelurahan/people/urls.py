"""The people and roles pages, included under /kelola/orang/ by kelurahan/urls.py."""

from django.urls import path

from kelurahan.people import views

urlpatterns = [
    path("", views.people_list, name="people-list"),
    path("undang/", views.person_invite, name="people-invite"),
    path("impor/", views.people_import, name="people-import"),
    path("impor/<id:pk>/", views.people_import_detail, name="people-import-detail"),
    path("impor/<id:pk>/terapkan/", views.people_import_apply, name="people-import-apply"),
    path("impor/progres/<str:key>/", views.people_import_progress, name="people-import-progress"),
    path("<id:pk>/", views.person_detail, name="people-detail"),
    path("<id:pk>/peran/", views.person_grant, name="people-grant"),
    path("<id:pk>/nonaktifkan/", views.person_deactivate, name="people-deactivate"),
    path("<id:pk>/undang-ulang/", views.person_reinvite, name="people-reinvite"),
    path("penugasan/<id:pk>/cabut/", views.assignment_revoke, name="people-revoke"),
]
