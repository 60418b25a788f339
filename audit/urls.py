from django.urls import path

from audit import views

app_name = "audit"

urlpatterns = [
    path("jejak/", views.trail, name="trail"),
    path("jejak/csv/", views.trail_csv, name="trail-csv"),
]
