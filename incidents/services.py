"""Incident services: every change to an incident goes through here.

Each service runs in one transaction, takes the incident with a row lock (two people acting at
once cannot lose each other's update), checks the actor's right through the scoping door,
appends to the timeline (never rewritten) and announces the event with the `incident_event`
signal, inside the same transaction (the live alerts store their event with it).
"""

from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.refusals import Refused
from incidents.models import (
    JAKI_STATUSES,
    NEXT_LEVEL,
    Category,
    Incident,
    IncidentAttachment,
    IncidentEvent,
    IncidentLevel,
    Status,
)
from incidents.signals import incident_event
from kelurahan.access import can
from kelurahan.codes import ancestor_at
from kelurahan.geo import boundary_contains, kelurahan_code_at
from kelurahan.models import Area
from kelurahan.roles import Action, Level
from shifts.models import ShiftNote

Kind = IncidentEvent.Kind


class IncidentRefused(Refused):
    """An incident action that cannot be done."""


def ack_deadline(severity, now):
    return now + timedelta(seconds=settings.INCIDENT_ACK_SECONDS[severity])


def _announce(incident, event):
    # Inside the transaction: listeners (the alerts) store their rows with this change and push
    # to the outside world only on commit.
    incident_event.send(sender=Incident, incident=incident, event=event)


def _record(incident, kind, by, now, note="", **extra):
    event = IncidentEvent.objects.create(
        incident=incident, kind=kind, actor=by, at=now, note=note, **extra
    )
    _announce(incident, event)
    return event


def _locked(incident_id, by, action):
    """The incident, locked for this transaction, if `by` may see it and do `action` on it.

    `by=None` is the system (SLA sweep, ingest): no scope applies.
    """
    incidents = Incident.objects.select_for_update()
    if by is not None:
        incidents = incidents.visible_to(by)
    incident = incidents.filter(pk=incident_id).first()
    if incident is None:
        raise IncidentRefused(404, _("Kejadian tidak ditemukan."))
    if by is not None and not can(by, action, incident):
        raise IncidentRefused(403, _("Peran Anda tidak mengizinkan tindakan ini."))
    return incident


def place_of(*, area_code=None, lat=None, lon=None, camera=None):
    """The area an incident belongs to: the camera's, the one chosen, or the kelurahan whose
    official boundary contains the GPS point (as JAKI routes reports). Raises IncidentRefused.

    A point given with a camera or an area must lie in that place's kelurahan (when its
    boundary is loaded): the map would otherwise show the incident somewhere else.
    """
    if camera is not None:
        return _point_within(camera.area_id, lat, lon)
    if area_code:
        area = Area.objects.filter(code=area_code).first()
        if area is None or area.level not in {Level.KELURAHAN, Level.RW, Level.RT}:
            raise IncidentRefused(400, _("Pilih kelurahan, RW atau RT yang dikenal."))
        return _point_within(area.code, lat, lon)
    if lat is not None and lon is not None:
        code = kelurahan_code_at(lat, lon)
        if code is None:
            raise IncidentRefused(
                400, _("Titik ini berada di luar wilayah DKI Jakarta; laporan tidak dapat dibuat.")
            )
        return code
    raise IncidentRefused(400, _("Sebutkan wilayah, titik lokasi, atau kamera kejadian."))


def _point_within(code, lat, lon):
    """`code`, once the point (if any) is found inside its kelurahan."""
    if lat is None or lon is None:
        return code
    kelurahan = ancestor_at(code, Level.KELURAHAN)
    if boundary_contains(kelurahan, lat, lon) is False:
        name = Area.objects.filter(code=kelurahan).values_list("name", flat=True).first()
        raise IncidentRefused(
            400,
            _("Titik lokasi berada di luar Kelurahan %s: pilih titik di wilayah kejadian.")
            % (name or kelurahan),
            "lat",
        )
    return code


@transaction.atomic
def incident_create(
    *,
    by,
    category,
    severity,
    title,
    description="",
    area_code=None,
    lat=None,
    lon=None,
    camera=None,
    source=Incident.Source.PORTAL,
    reporter_name="",
    reporter_contact="",
    confidential=True,
    external_id="",
    jaki_status="",
    now=None,
):
    """Raise an incident. `by` is the reporting user, or None for an outside system's report."""
    now = now or timezone.now()
    code = place_of(area_code=area_code, lat=lat, lon=lon, camera=camera)
    if by is not None and not can(by, Action.CREATE_INCIDENT, code):
        raise IncidentRefused(403, _("Anda hanya dapat melapor di wilayah tugas Anda."))
    status = JAKI_STATUSES.get(jaki_status.lower(), Status.BARU) if jaki_status else Status.BARU
    check_status_right(by, status, code)
    incident = Incident.objects.create(
        category=category,
        severity=severity,
        title=title,
        description=description,
        area_id=code,
        level=IncidentLevel.KELURAHAN,
        responsible_area_id=ancestor_at(code, Level.KELURAHAN),
        lat=lat,
        lon=lon,
        camera=camera,
        status=status,
        source=source,
        external_id=external_id,
        jaki_status=jaki_status,
        reporter=by,
        reporter_name=reporter_name,
        reporter_contact=reporter_contact,
        reporter_confidential=confidential,
        created_at=now,
        ack_due_at=ack_deadline(severity, now),
        resolve_due_at=now + timedelta(days=settings.INCIDENT_FOLLOW_UP_DAYS),
        acknowledged_at=now if status != Status.BARU else None,
    )
    _record(incident, Kind.CREATED, by, now, note=description[:500])
    return incident


@transaction.atomic
def incident_acknowledge(*, incident_id, by, note="", now=None):
    now = now or timezone.now()
    incident = _locked(incident_id, by, Action.ACKNOWLEDGE_INCIDENT)
    if incident.status != Status.BARU:
        raise IncidentRefused(409, _("Kejadian ini sudah diterima."))
    incident.status = Status.DITERIMA
    incident.acknowledged_at = now
    incident.save(update_fields=["status", "acknowledged_at", "updated_at"])
    _record(incident, Kind.ACKNOWLEDGED, by, now, note, data={"from": "baru", "to": "diterima"})
    return incident


# What each target status asks of the actor.
_TRANSITION_ACTION = {
    Status.DITERIMA: Action.ACKNOWLEDGE_INCIDENT,
    Status.DITANGANI: Action.ACKNOWLEDGE_INCIDENT,
    Status.SELESAI: Action.RESOLVE_INCIDENT,
    Status.DITUTUP: Action.RESOLVE_INCIDENT,
}


def check_status_right(by, status, where):
    """Refuse (403) when `by` may not put an incident in `where` at `status` by any way in: a
    report that arrives already handled (an outside system's status) asks the same right as
    the transition to that status. `by=None` is the system; "baru" asks nothing more."""
    if by is None or status == Status.BARU:
        return
    if not can(by, _TRANSITION_ACTION[Status(status)], where):
        raise IncidentRefused(
            403,
            _("Peran Anda tidak mengizinkan menetapkan status %s.") % Status(status).label,
        )


@transaction.atomic
def incident_transition(*, incident_id, by, to, note="", reason="", now=None):
    """Move an incident to status `to`; refused with 409 when the current status does not allow
    it. Closing (ditutup: false alarm, duplicate) needs a reason."""
    now = now or timezone.now()
    if to not in Status.values:
        raise IncidentRefused(400, _("Status tidak dikenal."))
    to = Status(to)
    incident = _locked(incident_id, by, _TRANSITION_ACTION.get(to, Action.ACKNOWLEDGE_INCIDENT))
    current = Status(incident.status)
    if to not in incident.allowed_statuses():
        raise IncidentRefused(
            409,
            _("Status %(current)s tidak dapat diubah menjadi %(to)s.")
            % {"current": current.label, "to": to.label},
        )
    if to == Status.DITUTUP and not reason.strip():
        raise IncidentRefused(400, _("Sebutkan alasan kejadian ditutup."))
    incident.status = to
    fields = ["status", "updated_at"]
    if to == Status.DITERIMA:
        incident.acknowledged_at = now
        fields.append("acknowledged_at")
    if to in {Status.SELESAI, Status.DITUTUP}:
        incident.resolved_at = now
        incident.close_reason = reason.strip()
        fields += ["resolved_at", "close_reason"]
    incident.save(update_fields=fields)
    data = {"from": current.value, "to": to.value}
    if reason:
        data["reason"] = reason.strip()
    _record(incident, Kind.STATUS, by, now, note, data=data)
    return incident


@transaction.atomic
def incident_comment(*, incident_id, by, note, now=None):
    now = now or timezone.now()
    if not note.strip():
        raise IncidentRefused(400, _("Komentar tidak boleh kosong."))
    incident = _locked(incident_id, by, Action.ADD_OBSERVATION)
    _record(incident, Kind.COMMENT, by, now, note.strip())
    return incident


@transaction.atomic
def incident_escalate(*, incident_id, by, note="", now=None):
    """Hand the incident one level up (kelurahan → kecamatan → kota → provinsi): the people of
    that level's area now see it; the levels below keep seeing it. `by=None`: the SLA sweep."""
    now = now or timezone.now()
    incident = _locked(incident_id, by, Action.ESCALATE_INCIDENT)
    if not incident.is_open:
        raise IncidentRefused(409, _("Kejadian yang sudah selesai atau ditutup tidak dinaikkan."))
    if incident.level == IncidentLevel.PROVINSI:
        raise IncidentRefused(409, _("Kejadian ini sudah di tingkat provinsi."))
    previous = incident.level
    incident.level = NEXT_LEVEL[IncidentLevel(previous)]
    incident.responsible_area_id = ancestor_at(incident.area_id, incident.level)
    if incident.status == Status.BARU:
        incident.ack_due_at = ack_deadline(incident.severity, now)
    incident.save(update_fields=["level", "responsible_area", "ack_due_at", "updated_at"])
    kind = Kind.ESCALATED if by is not None else Kind.AUTO_ESCALATED
    _record(incident, kind, by, now, note, data={"from": previous, "to": incident.level})
    return incident


@transaction.atomic
def incident_forward(*, incident_id, by, agencies, note="", now=None):
    """Forward to one or more agencies (Damkar, BPBD, ...): one timeline entry each."""
    now = now or timezone.now()
    if not agencies:
        raise IncidentRefused(400, _("Pilih minimal satu instansi."))
    incident = _locked(incident_id, by, Action.FORWARD_INCIDENT)
    if not incident.is_open:
        raise IncidentRefused(409, _("Kejadian yang sudah selesai atau ditutup tidak diteruskan."))
    for agency in agencies:
        _record(incident, Kind.FORWARDED, by, now, note, agency=agency)
    return incident


def sla_sweep(*, now=None):
    """Escalate unacknowledged incidents past their deadline one level up, and mark incidents not
    followed up in time as overdue; each on the timeline. Running it twice does nothing twice.

    Returns (escalated, marked overdue).
    """
    now = now or timezone.now()
    escalated = overdue = 0
    late = Incident.objects.filter(status=Status.BARU, ack_due_at__lt=now).exclude(
        level=IncidentLevel.PROVINSI
    )
    for incident_id in late.values_list("pk", flat=True):
        with transaction.atomic():
            incident = _locked(incident_id, None, Action.ESCALATE_INCIDENT)
            # Re-checked under the lock: someone may have acknowledged it meanwhile.
            if incident.status != Status.BARU or incident.ack_due_at >= now:
                continue
            incident_escalate(
                incident_id=incident_id,
                by=None,
                note=_("Tidak diterima sebelum batas waktu."),
                now=now,
            )
            escalated += 1
    for incident_id in (
        Incident.objects.overdue(now).filter(overdue_at__isnull=True).values_list("pk", flat=True)
    ):
        with transaction.atomic():
            incident = _locked(incident_id, None, Action.VIEW)
            if incident.overdue_at is not None or not incident.is_open:
                continue
            incident.overdue_at = now
            incident.save(update_fields=["overdue_at", "updated_at"])
            days = settings.INCIDENT_FOLLOW_UP_DAYS
            _record(
                incident,
                Kind.OVERDUE,
                None,
                now,
                _("Belum ditindaklanjuti dalam %d hari.") % days,
            )
            overdue += 1
    return escalated, overdue


def statuses_open_to(user, incident):
    """The statuses `user` may move `incident` to now (for the page's and the API's choices)."""
    allowed = incident.allowed_statuses()
    return [s for s in Status if s in allowed and can(user, _TRANSITION_ACTION[s], incident)]


@transaction.atomic
def incident_attach(*, incident_id, by, image, note="", now=None):
    """Attach an image already checked and re-encoded by `common.images.clean_image` (done
    before the row lock: decoding a large photo takes a while). `by=None`: an outside system."""
    now = now or timezone.now()
    incident = _locked(incident_id, by, Action.ADD_OBSERVATION)
    attachment = IncidentAttachment(
        incident=incident,
        content_type=image.content_type,
        size=len(image.content),
        width=image.width,
        height=image.height,
        uploaded_by=by,
        uploaded_at=now,
    )
    attachment.image.save(image.name, ContentFile(image.content), save=False)
    attachment.save()
    _record(incident, Kind.ATTACHMENT, by, now, note, data={"attachment": attachment.pk})
    return attachment


@transaction.atomic
def shift_note_link_incident(*, note_id, incident, by):
    """Point a shift note at the incident raised from it. A note names one incident only."""
    notes = ShiftNote.objects.select_for_update(of=("self",)).visible_to(by)
    note = notes.filter(pk=note_id).first()
    if note is None:
        raise IncidentRefused(404, _("Catatan piket tidak ditemukan."))
    if note.incident_id not in {None, incident.pk}:
        raise IncidentRefused(
            409, _("Catatan ini sudah terkait dengan kejadian #%d.") % note.incident_id
        )
    note.incident = incident
    note.save(update_fields=["incident"])
    return note


def default_title(category, area_code):
    area = Area.objects.filter(code=area_code).first()
    label = Category(category).label
    return _("%(category)s di %(area)s") % {"category": label, "area": area.name if area else ""}


@transaction.atomic
def report_incident(user, data, source):
    """Raise an incident from a form's or the API's cleaned data, with its photo and its shift
    note when the form had them: all or nothing."""
    incident = incident_create(
        by=user,
        category=data["category"],
        severity=data["severity"],
        title=data["title"].strip() or default_title(data["category"], data["area_code"]),
        description=data["description"],
        area_code=data["area_code"],
        lat=data.get("lat"),
        lon=data.get("lon"),
        camera=data.get("camera"),
        source=source,
    )
    if data.get("photo"):
        incident_attach(incident_id=incident.pk, by=user, image=data["photo"])
    if data.get("catatan"):
        shift_note_link_incident(note_id=data["catatan"], incident=incident, by=user)
    return incident
