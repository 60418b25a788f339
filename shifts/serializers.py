"""The piket API's serializers: shifts, duty, notes and their revisions as JSON, and the bodies
its actions take."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from common.api import Body, id_field
from incidents.models import Incident
from kelurahan.api import AreaCodeField
from shifts import services as services
from shifts.models import Shift, ShiftDuty, ShiftNote, ShiftNoteRevision

# --- Serializers ------------------------------------------------------------------------------


class DutySerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user.username", read_only=True)
    name = serializers.SerializerMethodField()

    class Meta:
        model = ShiftDuty
        fields = ["user", "name", "checked_in_at", "checked_out_at"]

    def get_name(self, duty) -> str:
        return str(duty.user)


class ShiftSerializer(serializers.ModelSerializer):
    area = serializers.CharField(source="kelurahan_id", read_only=True)
    area_name = serializers.CharField(source="kelurahan.name", read_only=True)
    slot = serializers.CharField(source="slot.name", read_only=True)
    slot_label = serializers.CharField(source="slot.label", read_only=True)
    is_open = serializers.SerializerMethodField()
    closed_by = serializers.SerializerMethodField()
    duties = DutySerializer(many=True, read_only=True)

    class Meta:
        model = Shift
        fields = [
            "id",
            "area",
            "area_name",
            "slot",
            "slot_label",
            "date",
            "starts_at",
            "ends_at",
            "is_open",
            "handover",
            "closed_at",
            "closed_by",
            "duties",
        ]

    def get_is_open(self, shift) -> bool:
        return shift.closed_at is None

    def get_closed_by(self, shift) -> str | None:
        return shift.closed_by.username if shift.closed_by_id else None


# DRF's own Indonesian catalogue misses some messages: ours say it in the user's language.
_BODY_ERRORS = {"invalid": gettext_lazy("Kirim objek JSON berisi isian, bukan {datatype}.")}
_TEXT = {
    "invalid": gettext_lazy("Isian ini harus berupa teks."),
    "max_length": gettext_lazy("Paling panjang {max_length} karakter."),
}
_NUMBER = {"invalid": gettext_lazy("Isian ini harus berupa angka.")}
_HANDOVER_MISSING = gettext_lazy("Tulis ringkasan serah terima sebelum menutup shift.")


class HandoverSerializer(Body):
    default_error_messages = _BODY_ERRORS
    handover = serializers.CharField(
        max_length=services.HANDOVER_MAX_LENGTH,
        error_messages={**_TEXT, "required": _HANDOVER_MISSING, "blank": _HANDOVER_MISSING},
    )


class RevisionSerializer(serializers.ModelSerializer):
    edited_by = serializers.SerializerMethodField()

    class Meta:
        model = ShiftNoteRevision
        fields = ["text", "edited_by", "edited_at"]

    def get_edited_by(self, revision) -> str | None:
        """The editor's username; null when it would name a confidential reporter."""
        user = self.context["request"].user
        if services.conceals_reporter(user, revision.note, revision.edited_by_id):
            return None
        return revision.edited_by.username


class NoteSerializer(serializers.ModelSerializer):
    shift = serializers.IntegerField(source="shift_id", read_only=True)
    area = serializers.CharField(source="shift.kelurahan_id", read_only=True)
    author = serializers.SerializerMethodField()
    author_name = serializers.SerializerMethodField()
    camera = serializers.IntegerField(source="camera_id", read_only=True, allow_null=True)
    incident = serializers.SerializerMethodField()
    revisions = RevisionSerializer(many=True, read_only=True)

    class Meta:
        model = ShiftNote
        fields = [
            "id",
            "shift",
            "area",
            "kind",
            "text",
            "author",
            "author_name",
            "camera",
            "incident",
            "created_at",
            "edited_at",
            "revisions",
        ]

    def get_author(self, note) -> str | None:
        """The author's username; null when the note is linked to an incident its author
        reported and the caller may not know who reported it (author_name then says so)."""
        if services.conceals_reporter(self.context["request"].user, note, note.author_id):
            return None
        return note.author.username

    def get_author_name(self, note) -> str:
        return services.person_label(self.context["request"].user, note, note.author)

    def get_incident(self, note) -> int | None:
        # An operator above the kelurahan sees its notes before the incident reaches their level.
        seen = self.context.get("incidents_seen")
        if seen is None:
            seen = _incidents_seen(self.context["request"].user, [note])
        return note.incident_id if note.incident_id in seen else None


_NOTE_MISSING = gettext_lazy("Catatan tidak boleh kosong.")
_NOTE_TEXT = {**_TEXT, "required": _NOTE_MISSING, "blank": _NOTE_MISSING}


class NoteCreateSerializer(Body):
    default_error_messages = _BODY_ERRORS
    shift = id_field(required=False, error_messages=_NUMBER, help_text="Shift id (or give `area`).")
    area = AreaCodeField(
        required=False, help_text="Kelurahan code: the note goes to its current shift."
    )
    text = serializers.CharField(max_length=services.NOTE_MAX_LENGTH, error_messages=_NOTE_TEXT)
    camera = id_field(required=False, allow_null=True, error_messages=_NUMBER)
    incident = id_field(required=False, allow_null=True, error_messages=_NUMBER)

    def validate(self, data):
        if data.get("shift") is None and not data.get("area"):
            raise ValidationError({"shift": _("Sebutkan shift atau wilayah (kode kelurahan).")})
        return data


class NoteEditSerializer(Body):
    default_error_messages = _BODY_ERRORS
    text = serializers.CharField(max_length=services.NOTE_MAX_LENGTH, error_messages=_NOTE_TEXT)


def _incidents_seen(user, notes):
    ids = {note.incident_id for note in notes if note.incident_id}
    if not ids:
        return set()
    return set(Incident.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))
