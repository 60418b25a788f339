"""The API's shapes: the public request (multipart, with the document photo), the staff's view
of a request, and the bodies of the actions."""

from django.urls import reverse
from django.utils.translation import gettext_lazy
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from common.api import Body, id_field
from common.dates import DateTimeField, RangeDateTimeField
from common.images import ImageRefused, clean_image
from datarequests.models import DataRequest, RefusalReason
from kelurahan.api import AreaCodeField


class PublicRequestSerializer(Body):
    name = serializers.CharField(max_length=120, help_text="Nama lengkap pemohon")
    contact = serializers.CharField(max_length=120, help_text="Surel atau nomor telepon")
    area = AreaCodeField(help_text="Kode kelurahan resmi (mis. 31.73.05.1001)")
    camera = id_field(required=False, allow_null=True, help_text="Kamera publik di kelurahan itu")
    period_start = RangeDateTimeField(help_text="Rekaman dari (ISO 8601, tahun 2000-2099)")
    period_end = RangeDateTimeField(help_text="Rekaman sampai (ISO 8601; paling lama 24 jam)")
    reason = serializers.CharField(max_length=2000, help_text="Alasan permohonan")
    id_document = serializers.FileField(help_text="Foto dokumen identitas: JPEG, PNG atau WebP")

    def validate_id_document(self, upload):
        try:
            return clean_image(upload)
        except ImageRefused as refused:
            raise ValidationError(refused.message) from None


class FiledSerializer(serializers.Serializer):
    number = serializers.CharField(help_text="Nomor permohonan, mis. PD-2026-000123")
    status_url = serializers.CharField(help_text="Tautan rahasia halaman status (simpan baik-baik)")


class DataRequestSerializer(serializers.ModelSerializer):
    area = serializers.CharField(source="area_id")
    area_name = serializers.CharField(source="area.name")
    camera_name = serializers.CharField(source="camera.name", default=None, allow_null=True)
    overdue = serializers.SerializerMethodField()
    document_url = serializers.SerializerMethodField()
    period_start = DateTimeField()
    period_end = DateTimeField()

    class Meta:
        model = DataRequest
        fields = [
            "id",
            "number",
            "status",
            "area",
            "area_name",
            "camera",
            "camera_name",
            "requester_name",
            "requester_contact",
            "period_start",
            "period_end",
            "reason",
            "created_at",
            "due_at",
            "overdue",
            "verified_at",
            "answered_at",
            "refusal_reason",
            "answer_note",
            "clip",
            "download_until",
            "downloads",
            "document_url",
        ]
        read_only_fields = fields

    def get_overdue(self, obj) -> bool:
        moment = obj.answered_at or self.context["now"]
        return moment > obj.due_at

    def get_document_url(self, obj) -> str | None:
        if not obj.id_document:
            return None
        return reverse("api:datarequest-document", args=[obj.pk])


class GrantSerializer(Body):
    clip = id_field(
        required=False, allow_null=True, help_text="Klip bukti yang diserahkan (bila ada rekaman)"
    )
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class RefuseSerializer(Body):
    reason = serializers.ChoiceField(
        choices=RefusalReason.choices,
        error_messages={"invalid_choice": gettext_lazy("Alasan penolakan tidak dikenal.")},
    )
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
