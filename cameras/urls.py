from django.urls import path

from cameras import views

app_name = "cameras"

urlpatterns = [
    path("kamera/", views.camera_list, name="camera-list"),
    path("kamera/<id:pk>/", views.camera_detail, name="camera-detail"),
    path("dinding/", views.wall, name="wall"),
    path("peta/", views.camera_map, name="map"),
    path("publik/", views.public_list, name="public-list"),
]
