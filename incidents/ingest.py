"""Ingest: incidents raised by outside systems through their API tokens.

`POST /api/v1/ingest/reports/`: citizen reports (JAKI "Lapor Warga" style), placed by their GPS
point (the kelurahan whose boundary contains it, as JAKI routes reports) or a kelurahan/RW/RT code.
`POST /api/v1/ingest/detections/`: automated detectors (crowd, smoke, fire, ...) on a camera.

Both are idempotent on (source, external id): the same id again answers 200 with the incident
already made and creates nothing (for a report, a changed JAKI status is recorded on the
timeline). The service account is the incident's reporter and must hold the right to raise
incidents over the area (`can`, inside `incident_create`); a citizen's name and contact are kept
in reporter_name/reporter_contact, confidential. Photos go through `common.images.clean_image`
(type sniffed, size capped, EXIF stripped) before anything is written.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.models import JAKI_STATUSES, Category, Incident, IncidentEvent, Severity
from incidents.services import (
    IncidentRefused,
    _record,
    check_status_right,
    incident_attach,
    incident_create,
)

MAX_PHOTOS = 5

# A report's category: ours by value or label ("pohon_tumbang", "Pohon Tumbang"), or a JAKI
# name we know; anything else becomes "lainnya" and its name is kept on the timeline.
REPORT_CATEGORY_ALIASES = {
    "genangan": Category.BANJIR,
    "banjir/genangan": Category.BANJIR,
    "perkelahian": Category.TAWURAN,
    "kriminal": Category.KRIMINALITAS,
    "kejahatan": Category.KRIMINALITAS,
    "kecelakaan lalu lintas": Category.KECELAKAAN,
    "keramaian": Category.KERUMUNAN,
    "ketertiban umum": Category.GANGGUAN_KETERTIBAN,
    "trantibum": Category.GANGGUAN_KETERTIBAN,
}
REPORT_SEVERITY = {
    Category.KEBAKARAN: Severity.TINGGI,
    Category.TAWURAN: Severity.TINGGI,
    Category.KECELAKAAN: Severity.TINGGI,
}

# What detectors report, mapped onto our categories, with the severity each starts at.
DETECTION_TYPES = {
    "fire": (Category.KEBAKARAN, Severity.TINGGI),
    "smoke": (Category.KEBAKARAN, Severity.SEDANG),
    "flood": (Category.BANJIR, Severity.TINGGI),
    "fight": (Category.TAWURAN, Severity.TINGGI),
    "brawl": (Category.TAWURAN, Severity.TINGGI),
    "crowd": (Category.KERUMUNAN, Severity.SEDANG),
    "accident": (Category.KECELAKAAN, Severity.TINGGI),
    "fallen_tree": (Category.POHON_TUMBANG, Severity.SEDANG),
    "intrusion": (Category.KRIMINALITAS, Severity.SEDANG),
    "weapon": (Category.KRIMINALITAS, Severity.TINGGI),
    "vandalism": (Category.GANGGUAN_KETERTIBAN, Severity.RENDAH),
    "loitering": (Category.GANGGUAN_KETERTIBAN, Severity.RENDAH),
    "other": (Category.LAINNYA, Severity.RENDAH),
}

# JAKI's statuses as JAKI writes them ("Menunggu", ...), by their lowercase key.
JAKI_STATUS_NAMES = {key: key.capitalize() for key in JAKI_STATUSES}


def category_of(name):
    """(our category, JAKI's own name when it had to become "lainnya")."""
    key = " ".join(name.strip().lower().replace("_", " ").split())
    for category in Category:
        if key in {category.value.replace("_", " "), str(category.label).lower()}:
            return category, ""
    if key in REPORT_CATEGORY_ALIASES:
        return REPORT_CATEGORY_ALIASES[key], ""
    return Category.LAINNYA, name.strip()


# --- Services ---------------------------------------------------------------------------------


def _already_ingested(by, source, external_id):
    """The incident an earlier call made with this id, or None; 409 if another account's."""
    incident = Incident.objects.filter(source=source, external_id=external_id).first()
    if incident is not None and incident.reporter_id != by.pk:
        raise IncidentRefused(409, _("ID eksternal ini sudah dipakai oleh akun integrasi lain."))
    return incident


def _create_once(by, source, external_id, create):
    """Run `create()` unless this id came in before; returns (incident, created)."""
    existing = _already_ingested(by, source, external_id)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return create(), True
    except IntegrityError:
        # The same id arrived twice at once: the other call made it.
        existing = _already_ingested(by, source, external_id)
        if existing is None:
            raise
        return existing, False


@transaction.atomic
def incident_jaki_status(*, incident_id, by, jaki_status, now=None):
    """Record a changed JAKI status on a report (timeline: "eksternal"). Our own status is left
    to the officers: JAKI's word is shown next to it, not applied to it."""
    incident = Incident.objects.select_for_update().filter(pk=incident_id).first()
    if not jaki_status or incident.jaki_status == jaki_status:
        return incident
    # JAKI's word is only shown, but it reads as a status: the same right as setting ours.
    check_status_right(by, JAKI_STATUSES[jaki_status.lower()], incident)
    previous = incident.jaki_status
    incident.jaki_status = jaki_status
    incident.save(update_fields=["jaki_status", "updated_at"])
    _record(
        incident,
        IncidentEvent.Kind.EXTERNAL,
        by,
        now or timezone.now(),
        _("Status JAKI: %(from)s → %(to)s") % {"from": previous or "—", "to": jaki_status},
        data={"jaki_status": {"from": previous, "to": jaki_status}},
    )
    return incident


def report_ingest(*, by, data, now=None):
    """Create the incident of a citizen report once; returns (incident, created)."""
    now = now or timezone.now()
    category, other_name = category_of(data["category"])
    reporter = data.get("reporter") or {}

    def create():
        label = other_name or Category(category).label
        incident = incident_create(
            by=by,
            category=category,
            severity=data.get("severity") or REPORT_SEVERITY.get(category, Severity.SEDANG),
            title=data["title"].strip() or _("Laporan warga: %s") % label,
            description=data["description"],
            area_code=data["kelurahan"],
            lat=data.get("lat"),
            lon=data.get("lon"),
            source=Incident.Source.JAKI,
            reporter_name=reporter.get("name", ""),
            reporter_contact=reporter.get("contact", ""),
            confidential=True,
            external_id=data["external_id"],
            jaki_status=data.get("jaki_status", ""),
            now=now,
        )
        for photo in data["photos"]:
            incident_attach(incident_id=incident.pk, by=None, image=photo, now=now)
        return incident

    incident, created = _create_once(by, Incident.Source.JAKI, data["external_id"], create)
    if not created:
        incident = incident_jaki_status(
            incident_id=incident.pk, by=by, jaki_status=data.get("jaki_status", ""), now=now
        )
    return incident, created


def detection_ingest(*, by, data, now=None):
    """Create the incident of a detection once; returns (incident, created)."""
    now = now or timezone.now()
    camera = data["camera"]
    category, severity = DETECTION_TYPES[data["type"]]
    percent = round(data["confidence"] * 100)

    def create():
        what = Category(category).label
        description = _("Terdeteksi otomatis: %(type)s, keyakinan %(percent)d%%.") % {
            "type": data["type"],
            "percent": percent,
        }
        if data["description"].strip():
            description += "\n" + data["description"].strip()
        title = _("%(what)s terdeteksi di %(camera)s") % {"what": what, "camera": camera.name}
        incident = incident_create(
            by=by,
            category=category,
            severity=data.get("severity") or severity,
            title=title[:160],
            description=description,
            camera=camera,
            lat=camera.lat,
            lon=camera.lon,
            source=Incident.Source.DETECTOR,
            external_id=data["external_id"],
            now=now,
        )
        if data.get("snapshot") is not None:
            incident_attach(incident_id=incident.pk, by=None, image=data["snapshot"], now=now)
        return incident

    return _create_once(by, Incident.Source.DETECTOR, data["external_id"], create)
