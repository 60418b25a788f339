"""The ingest API: reports and detections from outside systems (JAKI Lapor Warga, video
analytics) with an API token, checked by the serializers here and applied by incidents/ingest.py."""

import base64
import binascii
import io
import re

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers
from rest_framework.decorators import (
    api_view,
    authentication_classes,
    permission_classes,
)
from rest_framework.exceptions import ParseError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from cameras.models import Camera
from common.api import Body
from common.images import ImageRefused, clean_image
from incidents.ingest import (
    DETECTION_TYPES,
    JAKI_STATUS_NAMES,
    MAX_PHOTOS,
    detection_ingest,
    report_ingest,
)
from incidents.models import JAKI_STATUSES, Incident, Severity
from incidents.services import (
    IncidentRefused,
)
from kelurahan.api_auth import ApiTokenAuthentication
from kelurahan.geo import kelurahan_code_at
from kelurahan.models import Area
from kelurahan.roles import Level

# --- Input ------------------------------------------------------------------------------------

# DRF's Indonesian catalogue lacks these; bad input is answered in the user's language.
TEXT = {"invalid": gettext_lazy("Harus berupa teks.")}
NUMBER = {
    "invalid": gettext_lazy("Harus berupa angka."),
    "max_string_length": gettext_lazy("Angka terlalu panjang."),
    "overflow": gettext_lazy("Angka terlalu besar."),
}
PHOTOS = {
    "not_a_list": gettext_lazy("Kirim daftar gambar."),
    "max_length": gettext_lazy("Paling banyak {max_length} gambar."),
}


class IngestSerializer(Body):
    default_error_messages = {"invalid": gettext_lazy("Kirim sebuah objek JSON.")}


_DATA_URL = re.compile(r"data:image/[\w.+-]+;base64,", re.IGNORECASE)


@extend_schema_field(
    {
        "type": "string",
        "description": "JPEG, PNG atau WebP: base64 (boleh data URL) dalam JSON, atau berkas "
        "dalam multipart/form-data.",
    }
)
class ImageField(serializers.Field):
    """A photo as base64 (plain or a data: URL) in JSON, or a file in multipart; checked and
    re-encoded by common.images. Its value is a CleanImage."""

    def to_internal_value(self, data):
        if isinstance(data, UploadedFile):
            upload = data
        elif isinstance(data, str):
            upload = io.BytesIO(_decode_base64(data))
        else:
            raise serializers.ValidationError(_("Kirim gambar sebagai berkas atau base64."))
        try:
            return clean_image(upload)
        except ImageRefused as refused:
            raise serializers.ValidationError(refused.message) from None

    def to_representation(self, value):
        raise NotImplementedError  # input only


class PhotoListField(serializers.ListField):
    """Photos, counted before any is decoded (decoding is the expensive part)."""

    def to_internal_value(self, data):
        if isinstance(data, list | tuple) and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


def _decode_base64(text):
    text = _DATA_URL.sub("", text.strip(), count=1)
    if len(text) > settings.INCIDENT_ATTACHMENT_MAX_BYTES * 4 // 3 + 4:
        raise serializers.ValidationError(_("Gambar terlalu besar."))
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise serializers.ValidationError(_("Gambar base64 tidak valid.")) from None


class ReporterSerializer(IngestSerializer):
    name = serializers.CharField(
        max_length=120, required=False, allow_blank=True, default="", error_messages=TEXT
    )
    contact = serializers.CharField(
        max_length=120, required=False, allow_blank=True, default="", error_messages=TEXT
    )


class ReportSerializer(IngestSerializer):
    """A citizen report: where (lat/lon or a kelurahan/RW/RT code), what, who (confidential)."""

    external_id = serializers.CharField(max_length=100, error_messages=TEXT)
    category = serializers.CharField(max_length=60, error_messages=TEXT)
    title = serializers.CharField(
        max_length=160, required=False, allow_blank=True, default="", error_messages=TEXT
    )
    description = serializers.CharField(max_length=5000, error_messages=TEXT)
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    lat = serializers.FloatField(min_value=-90, max_value=90, required=False, error_messages=NUMBER)
    lon = serializers.FloatField(
        min_value=-180, max_value=180, required=False, error_messages=NUMBER
    )
    kelurahan = serializers.CharField(
        max_length=24, required=False, allow_blank=True, error_messages=TEXT
    )
    reporter = ReporterSerializer(required=False)
    jaki_status = serializers.CharField(
        max_length=20, required=False, allow_blank=True, error_messages=TEXT
    )
    photos = PhotoListField(
        child=ImageField(),
        required=False,
        max_length=MAX_PHOTOS,
        default=list,
        error_messages=PHOTOS,
    )

    def validate_jaki_status(self, value):
        if value and value.strip().lower() not in JAKI_STATUSES:
            raise serializers.ValidationError(
                _("Status JAKI tidak dikenal; pilih salah satu: %s.")
                % ", ".join(JAKI_STATUS_NAMES.values())
            )
        return JAKI_STATUS_NAMES.get(value.strip().lower(), "")

    def validate_kelurahan(self, value):
        code = value.strip()
        if not code:
            return ""
        levels = {Level.KELURAHAN, Level.RW, Level.RT}
        if not Area.objects.filter(code=code, level__in=levels).exists():
            raise serializers.ValidationError(_("Kelurahan, RW atau RT dengan kode ini tidak ada."))
        return code

    def validate(self, data):
        has_point = "lat" in data or "lon" in data
        if has_point and ("lat" not in data or "lon" not in data):
            missing = "lon" if "lat" in data else "lat"
            raise serializers.ValidationError({missing: [_("Kirim lintang dan bujur bersama.")]})
        if not has_point and not data.get("kelurahan"):
            raise serializers.ValidationError(
                {"kelurahan": [_("Sebutkan titik lokasi (lat, lon) atau kode kelurahan.")]}
            )
        if has_point:
            found = kelurahan_code_at(data["lat"], data["lon"])
            if found is None:
                raise serializers.ValidationError(
                    {"lat": [_("Titik ini berada di luar wilayah DKI Jakarta.")]}
                )
            # An explicit code wins (it may name an RW or RT); the point is kept, and must lie
            # in that code's kelurahan (incidents.services.place_of).
            data["kelurahan"] = data.get("kelurahan") or found
        return data


class DetectionSerializer(IngestSerializer):
    """An automated detection on a camera."""

    external_id = serializers.CharField(max_length=100, error_messages=TEXT)
    camera = serializers.CharField(
        max_length=40, help_text="Kode kamera (kebonjeruk-simpang)", error_messages=TEXT
    )
    type = serializers.ChoiceField(choices=sorted(DETECTION_TYPES))
    confidence = serializers.FloatField(min_value=0, max_value=1, error_messages=NUMBER)
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    description = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default="", error_messages=TEXT
    )
    snapshot = ImageField(required=False)

    def validate_camera(self, code):
        camera = Camera.objects.visible_to(self.context["user"]).filter(code=code.strip()).first()
        if camera is None:
            raise serializers.ValidationError(_("Kamera dengan kode ini tidak dikenal."))
        return camera


class IngestedSerializer(serializers.ModelSerializer):
    """What the outside system gets back: enough to follow its report up."""

    area = serializers.CharField(source="area_id")
    camera = serializers.CharField(source="camera.code", allow_null=True, default=None)
    attachments = serializers.IntegerField(source="attachments.count")

    class Meta:
        model = Incident
        fields = [
            "id",
            "external_id",
            "source",
            "category",
            "severity",
            "status",
            "jaki_status",
            "level",
            "area",
            "camera",
            "created_at",
            "attachments",
        ]


# --- Views ------------------------------------------------------------------------------------


def _max_body():
    """Largest request taken: every photo at its size cap, in base64, plus the text."""
    return MAX_PHOTOS * settings.INCIDENT_ATTACHMENT_MAX_BYTES * 4 // 3 + 1024 * 1024


def _ingest(request, serializer_class, service):
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit() or int(length) > _max_body():
        return Response({"detail": _("Permintaan terlalu besar.")}, status=413)
    try:
        payload = request.data
    except ParseError:
        message = _("Isi permintaan tidak dapat dibaca: kirim JSON atau multipart/form-data.")
        return Response({"detail": message}, status=400)
    serializer = serializer_class(data=payload, context={"user": request.user})
    serializer.is_valid(raise_exception=True)
    try:
        incident, created = service(by=request.user, data=serializer.validated_data)
    except IncidentRefused as refused:
        return Response({"detail": refused.message}, status=refused.status)
    return Response(IngestedSerializer(incident).data, status=201 if created else 200)


_REFUSALS = {
    400: OpenApiResponse(description='Isian tidak valid: {"field": ["pesan"]}'),
    401: OpenApiResponse(description="Tanpa token API yang berlaku"),
    403: OpenApiResponse(description="Di luar wilayah akun, atau tanpa penugasan aktif"),
    409: OpenApiResponse(description="ID eksternal sudah dipakai akun lain"),
    413: OpenApiResponse(description="Permintaan terlalu besar"),
}


# An 8 x 8 PNG: the examples are sent as they are by clients trying the API out, so they hold a
# real image.
_EXAMPLE_PHOTO = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAFElEQVR4nGM8ISfHgA0w"
    "YRUdtBIA0MoBFD5jqJkAAAAASUVORK5CYII="
)
_EXAMPLES = {
    "report": OpenApiExample(
        "Laporan JAKI",
        request_only=True,
        value={
            "external_id": "JAKI-2026-000123",
            "category": "Banjir",
            "description": "Air setinggi lutut di depan gang 5 sejak subuh.",
            "lat": -6.1950,
            "lon": 106.7721,
            "reporter": {"name": "Ibu Sri", "contact": "0812-3456-7890"},
            "jaki_status": "Menunggu",
            "photos": [_EXAMPLE_PHOTO],
        },
    ),
    "detection": OpenApiExample(
        "Asap terdeteksi",
        request_only=True,
        value={
            "external_id": "cam-ai-20261123-000045",
            "camera": "kebonjeruk-simpang",
            "type": "smoke",
            "confidence": 0.87,
            "snapshot": _EXAMPLE_PHOTO,
        },
    ),
}


def _schema(summary, serializer_class, example):
    return extend_schema(
        summary=summary,
        examples=[_EXAMPLES[example]],
        request={
            "application/json": serializer_class,
            "multipart/form-data": serializer_class,
        },
        responses={
            201: IngestedSerializer,
            200: OpenApiResponse(IngestedSerializer, description="ID eksternal sudah diterima"),
            **_REFUSALS,
        },
        tags=["ingest"],
    )


@_schema("Laporan warga dari sistem luar (JAKI Lapor Warga)", ReportSerializer, "report")
@api_view(["POST"])
@authentication_classes([ApiTokenAuthentication])  # machines only: no browser session
@permission_classes([IsAuthenticated])
def ingest_report(request):
    """A citizen report becomes an incident in the kelurahan of its point (or code)."""
    return _ingest(request, ReportSerializer, report_ingest)


@_schema("Deteksi otomatis pada kamera", DetectionSerializer, "detection")
@api_view(["POST"])
@authentication_classes([ApiTokenAuthentication])
@permission_classes([IsAuthenticated])
def ingest_detection(request):
    """A detector's finding on a camera becomes an incident in the camera's area."""
    return _ingest(request, DetectionSerializer, detection_ingest)
