from django.urls import path

from cameras import history, views

app_name = "cameras"

urlpatterns = [
    path("kamera/", views.camera_list, name="camera-list"),
    path("kamera/<id:pk>/", views.camera_detail, name="camera-detail"),
    path("dinding/", views.wall, name="wall"),
    path("peta/", views.camera_map, name="map"),
    path("publik/", views.public_list, name="public-list"),
    path("riwayat/menonton/", history.viewing_history, name="viewing-history"),
    path("riwayat/menonton/wilayah/", history.viewing_audit, name="viewing-audit"),
    path("riwayat/menonton/wilayah/csv/", history.viewing_audit_csv, name="viewing-audit-csv"),
]
