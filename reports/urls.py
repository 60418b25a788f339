from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("laporan/", views.report_page, name="report"),
    path("laporan/perbaikan/", views.maintenance_page, name="maintenance"),
    path("laporan/perbaikan/<slug:table>.csv", views.maintenance_csv, name="maintenance-csv"),
    path("laporan/<slug:table>.csv", views.report_csv, name="report-csv"),
    path("statistik/", views.public_statistics, name="public-statistics"),
]
