from django.urls import path

from alerts import views
from alerts.push import views as push_views

app_name = "alerts"

urlpatterns = [
    path("peringatan/", views.alert_list, name="alert-list"),
    path("peringatan/<id:pk>/dibaca/", views.alert_read, name="alert-read"),
    path("peringatan/dibaca-semua/", views.alert_read_all, name="alert-read-all"),
    path("akun/notifikasi/", push_views.push_devices, name="push-devices"),
    path(
        "akun/notifikasi/<id:pk>/hapus/", push_views.push_device_remove, name="push-device-remove"
    ),
    path("sw.js", views.service_worker, name="service-worker"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("offline/", views.offline, name="offline"),
]
