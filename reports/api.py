"""`GET /api/v1/public/stats/`: the public statistics as JSON, for anyone (no login, no token)."""

from django.conf import settings
from django.utils.cache import patch_cache_control
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from incidents.models import Category
from reports.public import public_figures

_PUBLIC_STATS = inline_serializer(
    "PublicStats",
    {
        "generated_at": serializers.DateTimeField(),
        "months": serializers.ListField(child=serializers.CharField(help_text="YYYY-MM")),
        "areas": inline_serializer(
            "PublicStatsArea",
            {
                "code": serializers.CharField(),
                "name": serializers.CharField(),
                "level": serializers.ChoiceField(choices=["kota", "kecamatan"]),
                "parent": serializers.CharField(),
            },
            many=True,
        ),
        "cameras": inline_serializer(
            "PublicStatsCameras",
            {
                "area": serializers.CharField(help_text="Kode kecamatan"),
                "public_cameras": serializers.IntegerField(),
                "online": serializers.IntegerField(),
            },
            many=True,
        ),
        "incidents": inline_serializer(
            "PublicStatsIncidents",
            {
                "area": serializers.CharField(help_text="Kode kecamatan"),
                "month": serializers.CharField(help_text="YYYY-MM (WIB)"),
                "category": serializers.ChoiceField(choices=Category.choices),
                "count": serializers.IntegerField(),
            },
            many=True,
        ),
    },
)


@extend_schema(
    responses={200: _PUBLIC_STATS},
    auth=[],
    summary="Statistik publik",
    description=(
        "Kamera publik yang beroperasi per kecamatan (dan yang daring sekarang), dan kejadian "
        "per kecamatan, bulan (WIB) dan kategori selama 12 bulan terakhir. Tanpa nama, pelapor, "
        "judul, titik lokasi, atau data di bawah tingkat kecamatan. Diperbarui paling lama "
        "setiap PUBLIC_STATS_CACHE_SECONDS detik."
    ),
)
@api_view(["GET"])
@authentication_classes([])
@permission_classes([AllowAny])
def public_stats(request):
    response = Response(public_figures())
    patch_cache_control(response, public=True, max_age=settings.PUBLIC_STATS_CACHE_SECONDS)
    return response
