"""The piket pages, included under /piket/ by jakcctv/urls.py."""

from django.urls import path

from shifts import views

urlpatterns = [
    path("", views.shift_current, name="shift-current"),
    path("riwayat/", views.shift_history, name="shift-history"),
    path("jadwal/", views.slot_list, name="shift-slots"),
    path("jadwal/<id:pk>/", views.slot_edit, name="shift-slot-edit"),
    path("<id:pk>/", views.shift_detail, name="shift-detail"),
    path("<id:pk>/catatan/", views.shift_note_add, name="shift-note-add"),
    path("<id:pk>/masuk/", views.shift_check_in, name="shift-check-in"),
    path("<id:pk>/keluar/", views.shift_check_out, name="shift-check-out"),
    path("<id:pk>/tutup/", views.shift_close, name="shift-close"),
    path("catatan/<id:pk>/ubah/", views.note_edit, name="shift-note-edit"),
]
