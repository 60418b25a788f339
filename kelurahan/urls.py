from django.urls import path

from kelurahan import views

urlpatterns = [
    path("", views.home, name="home"),
    path("wilayah/", views.area_list, name="area-list"),
    path("wilayah/<str:code>/", views.area_detail, name="area-detail"),
    path("akun/", views.account, name="account"),
]
