from django.urls import path

from maintenance import views

app_name = "maintenance"
urlpatterns = [
    path("perbaikan/", views.ticket_list, name="ticket-list"),
    path("perbaikan/kamera/", views.camera_health_list, name="camera-health"),
    path("perbaikan/<id:pk>/", views.ticket_detail, name="ticket-detail"),
    path("perbaikan/<id:pk>/catatan/", views.ticket_note, name="ticket-note"),
    path("perbaikan/<id:pk>/diperbaiki/", views.ticket_repaired, name="ticket-repaired"),
    path("perbaikan/<id:pk>/catatan/<id:note_pk>/foto/", views.note_photo, name="note-photo"),
    path("kamera/<id:camera_pk>/tiket-baru/", views.ticket_open, name="ticket-open"),
]
