from django.urls import path

from audit import viewing, views

app_name = "audit"

urlpatterns = [
    path("jejak/", views.trail, name="trail"),
    path("jejak/csv/", views.trail_csv, name="trail-csv"),
    path("riwayat/menonton/", viewing.viewing_history, name="viewing-history"),
    path("riwayat/menonton/wilayah/", viewing.viewing_audit, name="viewing-audit"),
    path("riwayat/menonton/wilayah/csv/", viewing.viewing_audit_csv, name="viewing-audit-csv"),
]
