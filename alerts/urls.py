from django.urls import path

from alerts import views

app_name = "alerts"

urlpatterns = [
    path("peringatan/", views.alert_list, name="alert-list"),
    path("peringatan/<id:pk>/dibaca/", views.alert_read, name="alert-read"),
    path("peringatan/dibaca-semua/", views.alert_read_all, name="alert-read-all"),
    path("sw.js", views.service_worker, name="service-worker"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("offline/", views.offline, name="offline"),
]
