from django.urls import path

from cameras import views

app_name = "cameras"

urlpatterns = [
    path("kamera/<int:pk>/", views.camera_detail, name="camera-detail"),
]
