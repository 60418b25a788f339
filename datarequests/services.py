"""Every change to a data request: filing (the citizen), verifying, granting and refusing (staff
in the request's kelurahan or above, Action.MANAGE_REQUESTS), the SLA sweep, and the logged
reads of personal data (the identity document) and of granted footage.

Each step sends `request_event` inside its transaction: the trail records it, the alerts layer
tells the area's staff. Refusals are RequestRefused(status, message) in the user's language.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from cameras.models import Camera
from datarequests.models import (
    TRANSITIONS,
    DataRequest,
    RefusalReason,
    Status,
    secret_digest,
)
from datarequests.signals import Event, request_event
from evidence.models import Clip
from evidence.services import EvidenceRefused, clip_download
from kelurahan.models import Area, in_areas
from kelurahan.roles import Action, Level

WIB = timezone.get_fixed_timezone(7 * 60)
MAX_PERIOD = timedelta(hours=24)  # one request covers at most a day of footage


class RequestRefused(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


def public_cameras_in(area_code):
    """The public cameras a citizen may name for a kelurahan (those under it, in service)."""
    return Camera.objects.public().filter(in_areas("area__code", [area_code])).order_by("name")


def format_number(year, sequence):
    return f"PD-{year}-{sequence:06d}"


def request_file(
    *,
    name,
    contact,
    area_code,
    period_start,
    period_end,
    reason,
    document,
    camera_id=None,
    now=None,
):
    """File a citizen's request; `document` is a `common.images.CleanImage` (checked and
    re-encoded before, outside the transaction). Returns (request, secret): the secret goes into
    the status link shown once to the citizen, only its digest is kept."""
    now = now or timezone.now()
    area = Area.objects.filter(code=area_code, level=Level.KELURAHAN).first()
    if area is None:
        raise RequestRefused(400, _("Pilih kelurahan dari daftar wilayah resmi."))
    camera = None
    if camera_id is not None:
        camera = public_cameras_in(area.code).filter(pk=camera_id).first()
        if camera is None:
            raise RequestRefused(400, _("Pilih kamera publik yang ada di kelurahan itu."))
    if period_end <= period_start:
        raise RequestRefused(400, _("Waktu akhir harus sesudah waktu mulai."))
    if period_end - period_start > MAX_PERIOD:
        raise RequestRefused(400, _("Satu permohonan mencakup paling lama 24 jam rekaman."))
    if period_start > now:
        raise RequestRefused(400, _("Waktu rekaman tidak boleh di masa depan."))
    secret = secrets.token_urlsafe(32)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                data_request = _create(
                    now, secret, name, contact, area, camera, period_start, period_end, reason
                )
                data_request.id_document.save(
                    document.name, ContentFile(document.content), save=False
                )
                data_request.id_document_type = document.content_type
                data_request.save(update_fields=["id_document", "id_document_type"])
                _send(data_request, Event.FILED, None, now)
                return data_request, secret
        except IntegrityError:
            continue  # another request took the same number at the same moment: take the next
    raise RequestRefused(409, _("Permohonan tidak dapat disimpan sekarang; coba lagi."))


def _create(now, secret, name, contact, area, camera, period_start, period_end, reason):
    year = now.astimezone(WIB).year
    last = DataRequest.objects.filter(year=year).aggregate(last=Max("sequence"))["last"] or 0
    return DataRequest.objects.create(
        number=format_number(year, last + 1),
        year=year,
        sequence=last + 1,
        secret_digest=secret_digest(secret),
        requester_name=name,
        requester_contact=contact,
        area=area,
        camera=camera,
        period_start=period_start,
        period_end=period_end,
        reason=reason,
        created_at=now,
        due_at=now + timedelta(hours=settings.DATAREQUEST_ANSWER_HOURS),
    )


def _locked(request_id, by):
    """The request under a row lock, if `by` may manage it (None: the system); else 404."""
    rows = DataRequest.objects.select_for_update()
    if by is not None:
        rows = rows.visible_to(by, Action.MANAGE_REQUESTS)
    found = rows.filter(pk=request_id).first()
    if found is None:
        raise RequestRefused(404, _("Permohonan tidak ditemukan."))
    return found


def _move(data_request, to):
    if to not in TRANSITIONS[Status(data_request.status)]:
        raise RequestRefused(
            409,
            _("Permohonan berstatus “%(status)s” tidak dapat menjadi “%(to)s”.")
            % {"status": data_request.get_status_display(), "to": Status(to).label},
        )
    data_request.status = to


def _send(data_request, kind, actor, at, **detail):
    request_event.send(
        sender=DataRequest,
        data_request=data_request,
        kind=kind,
        actor=actor,
        at=at,
        detail={key: str(value) for key, value in detail.items()},
    )


@transaction.atomic
def request_verify(*, request_id, by, now=None):
    """The requester's identity was checked against the document photo."""
    now = now or timezone.now()
    data_request = _locked(request_id, by)
    _move(data_request, Status.VERIFIED)
    data_request.verified_at, data_request.verified_by = now, by
    data_request.save(update_fields=["status", "verified_at", "verified_by"])
    _send(data_request, Event.VERIFIED, by, now)
    return data_request


def clips_for(data_request, user):
    """The clips `user` may hand out (export_evidence on their incident) that show the request's
    kelurahan during its period: what a grant may link."""
    return (
        Clip.objects.visible_to(user, Action.EXPORT_EVIDENCE)
        .filter(
            in_areas("camera__area__code", [data_request.area_id]),
            start__lt=data_request.period_end,
            end__gt=data_request.period_start,
            removed_at__isnull=True,
        )
        .exclude(file="")
        .select_related("camera")
        .order_by("start")
    )


@transaction.atomic
def request_grant(*, request_id, by, note="", clip_id=None, now=None, request=None):
    """Grant a verified request, linking a clip saved as evidence when there is footage: the
    citizen may download it through the status link for DATAREQUEST_DOWNLOAD_HOURS (every
    download logged). The handover is also an act in the clip's chain of custody."""
    now = now or timezone.now()
    data_request = _locked(request_id, by)
    _move(data_request, Status.GRANTED)
    if clip_id is not None:
        clip = clips_for(data_request, by).filter(pk=clip_id).first()
        if clip is None:
            raise RequestRefused(
                400, _("Pilih klip bukti dari kelurahan dan waktu permohonan ini.")
            )
        try:
            clip_download(
                clip=clip,
                by=by,
                reason=_("Diserahkan kepada pemohon data %s") % data_request.number,
                request=request,
            )
        except EvidenceRefused as refused:
            raise RequestRefused(refused.status, refused.message) from None
        data_request.clip = clip
    data_request.answered_at, data_request.answered_by = now, by
    data_request.answer_note = note
    data_request.download_until = now + timedelta(hours=settings.DATAREQUEST_DOWNLOAD_HOURS)
    data_request.save(
        update_fields=[
            "status",
            "answered_at",
            "answered_by",
            "answer_note",
            "clip",
            "download_until",
        ]
    )
    _send(
        data_request,
        Event.GRANTED,
        by,
        now,
        until=data_request.download_until.isoformat(),
        clip=data_request.clip_id or "",
    )
    return data_request


@transaction.atomic
def request_refuse(*, request_id, by, reason, note="", now=None):
    """Refuse with one of RefusalReason (a note is required for "other")."""
    now = now or timezone.now()
    if reason not in RefusalReason.values:
        raise RequestRefused(400, _("Pilih alasan penolakan."))
    if reason == RefusalReason.OTHER and not note.strip():
        raise RequestRefused(400, _("Tuliskan keterangan untuk alasan lain."))
    data_request = _locked(request_id, by)
    _move(data_request, Status.REFUSED)
    data_request.answered_at, data_request.answered_by = now, by
    data_request.refusal_reason, data_request.answer_note = reason, note
    data_request.save(
        update_fields=["status", "answered_at", "answered_by", "refusal_reason", "answer_note"]
    )
    _send(data_request, Event.REFUSED, by, now, reason=reason)
    return data_request


def request_sweep(*, now=None):
    """Warn the area's staff DATAREQUEST_ALERT_HOURS before an open request's deadline, and
    again when it has lapsed; each once. Returns (warned, overdue)."""
    now = now or timezone.now()
    warn_from = now + timedelta(hours=settings.DATAREQUEST_ALERT_HOURS)
    warned = overdue = 0
    soon = DataRequest.objects.open().filter(due_alerted_at__isnull=True, due_at__lte=warn_from)
    for request_id in soon.values_list("pk", flat=True):
        with transaction.atomic():
            data_request = _locked(request_id, None)
            if not data_request.is_open or data_request.due_alerted_at is not None:
                continue
            data_request.due_alerted_at = now
            data_request.save(update_fields=["due_alerted_at"])
            _send(data_request, Event.DUE_SOON, None, now, due=data_request.due_at.isoformat())
            warned += 1
    late = DataRequest.objects.open().filter(overdue_at__isnull=True, due_at__lt=now)
    for request_id in late.values_list("pk", flat=True):
        with transaction.atomic():
            data_request = _locked(request_id, None)
            if not data_request.is_open or data_request.overdue_at is not None:
                continue
            data_request.overdue_at = now
            data_request.save(update_fields=["overdue_at"])
            _send(data_request, Event.OVERDUE, None, now, due=data_request.due_at.isoformat())
            overdue += 1
    return warned, overdue


@transaction.atomic
def request_opened(*, data_request, by, now=None):
    """Record that `by` (checked by the caller through visible_to) read the request: it names
    a person, their contact and why they asked."""
    _send(data_request, Event.OPENED, by, now or timezone.now())


@transaction.atomic
def document_opened(*, data_request, by, now=None):
    """Record that `by` (already checked by the caller through visible_to) saw the identity
    document photo: personal data, every look is on the trail."""
    _send(data_request, Event.DOCUMENT_VIEWED, by, now or timezone.now())


@transaction.atomic
def status_viewed(*, data_request, now=None):
    _send(data_request, Event.STATUS_VIEWED, None, now or timezone.now())


@transaction.atomic
def footage_downloaded(*, request_id, now=None):
    """Count and record one download of a granted request's footage (by its status link)."""
    now = now or timezone.now()
    data_request = _locked(request_id, None)
    if data_request.status != Status.GRANTED or data_request.clip_id is None:
        raise RequestRefused(404, _("Tidak ada rekaman untuk diunduh."))
    if not data_request.download_open(now):
        raise RequestRefused(410, _("Masa unduh rekaman ini sudah berakhir."))
    data_request.downloads += 1
    data_request.save(update_fields=["downloads"])
    _send(data_request, Event.DOWNLOADED, None, now, clip=data_request.clip_id)
    return data_request
