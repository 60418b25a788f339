from django.urls import include, path

from kelurahan import views
from kelurahan.people import views as people_views

urlpatterns = [
    path("", views.home, name="home"),
    path("wilayah/", views.area_list, name="area-list"),
    path("wilayah/<str:code>/", views.area_detail, name="area-detail"),
    path("akun/", views.account, name="account"),
    path("kelola/orang/", include("kelurahan.people.urls")),
    path("undangan/<str:key>/", people_views.invitation, name="people-invitation"),
]
