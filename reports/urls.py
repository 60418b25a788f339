from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("laporan/", views.report_page, name="report"),
    path("laporan/<slug:table>.csv", views.report_csv, name="report-csv"),
    path("statistik/", views.public_statistics, name="public-statistics"),
]
