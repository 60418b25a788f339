"""Everything done to evidence: saving a clip, its holds, each act of custody, agency links.

Who may: a clip is seen by those who see its incident and may watch recordings there
(`Clip.objects.visible_to`); saving one needs that on the incident and on the camera; handing
it out (download, an agency link) and lifting its hold need `export_evidence` on the incident.
Every act is a ClipEvent, sent to the trail by `clip_custody` inside the same transaction.
"""

import os
import uuid
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cameras.models import Camera, RecordingHour
from cameras.recordings import floor_hour, segments_between
from cameras.services import client_ip
from common.refusals import Refused
from evidence import clipping
from evidence.models import OPEN_HOLD, AgencyLink, Clip, ClipEvent
from evidence.signals import clip_custody
from incidents.models import FINAL_STATUSES, Agency, Incident, IncidentEvent
from kelurahan.roles import Action

LINK_SALT = "jakcctv.evidence-link"
DEFAULT_BEFORE = timedelta(minutes=2)
DEFAULT_AFTER = timedelta(minutes=3)


class EvidenceRefused(Refused):
    """An act on evidence that cannot be done."""


def refusal_to_save():  # noqa: N802 (a message, translated when asked)
    return _("Anda tidak berhak menyimpan rekaman kejadian ini.")


def may(user, action, incident):
    """Whether `user` may `action` on this incident (its area, and its level reached)."""
    return Incident.objects.visible_to(user, action).filter(pk=incident.pk).exists()


def default_range(incident):
    """The clip the form proposes: 2 minutes before to 3 minutes after the incident's time."""
    moment = incident.created_at
    return moment - DEFAULT_BEFORE, moment + DEFAULT_AFTER


def hold_end(incident):
    """Until when a clip of `incident` is held now."""
    if incident.status not in FINAL_STATUSES:
        return OPEN_HOLD
    if not settings.EVIDENCE_HOLD_DAYS:
        return OPEN_HOLD  # 0: for ever
    finished = incident.resolved_at or incident.updated_at
    return finished + timedelta(days=settings.EVIDENCE_HOLD_DAYS)


# --- Saving a clip ----------------------------------------------------------------------------


def clip_create(*, incident, camera, start, end, by, request=None, now=None):
    """Cut [start, end) of `camera`'s recordings into an MP4 attached to `incident`.

    Raises EvidenceRefused: 403 without the right, 400 for a bad range or camera, 409 when
    nothing is recorded then.
    """
    now = now or timezone.now()
    if not may(by, Action.VIEW_RECORDINGS, incident):
        raise EvidenceRefused(403, refusal_to_save())
    if not Camera.objects.visible_to(by, Action.VIEW_RECORDINGS).filter(pk=camera.pk).exists():
        raise EvidenceRefused(400, _("Kamera tidak ditemukan di wilayah Anda."), "camera")
    _check_range(start, end, now)
    segments = segments_between(camera, start, end)
    if not segments:
        raise EvidenceRefused(409, _("Tidak ada rekaman kamera ini pada rentang waktu itu."))
    # What the file really holds: whole segments (MPEG-TS), else the range within what exists.
    first, last = segments[0], segments[-1]
    first_start, last_end = first[1], last[1] + timedelta(seconds=last[2])
    if clipping.whole_segments(segments):
        start, end = first_start, last_end
    else:
        start, end = max(start, first_start), min(end, last_end)
    # The same clip asked again (a double click, a retried request): the one already saved.
    same = _same_clip(incident, camera, start, end)
    if same is not None:
        return same
    folder = f"bukti/{now:%Y/%m}"
    # Cut under a name of its own: two saves at once each cut their own file.
    scratch = settings.MEDIA_ROOT / folder / f".baru-{uuid.uuid4().hex}.mp4"
    target = None
    try:
        try:
            digest, size = clipping.cut(segments, start, end, scratch)
        except clipping.ClipFailed:
            raise EvidenceRefused(409, _("Rekaman tidak dapat dipotong; coba lagi.")) from None
        with transaction.atomic():
            # Saves of one incident's clips meet here one at a time (its row lock): of two
            # identical saves at once, the second finds the first's clip and keeps no file.
            Incident.objects.select_for_update().filter(pk=incident.pk).first()
            same = _same_clip(incident, camera, start, end)
            if same is not None:
                return same
            name = f"{folder}/kejadian-{incident.pk}-{camera.code}-{start:%Y%m%dT%H%M%S}Z.mp4"
            if (settings.MEDIA_ROOT / name).exists():
                name = name.replace(".mp4", f"-{now:%H%M%S%f}.mp4")
            target = settings.MEDIA_ROOT / name
            os.replace(scratch, target)
            clip = Clip.objects.create(
                incident=incident,
                camera=camera,
                start=start,
                end=end,
                file=name,
                sha256=digest,
                bytes=size,
                created_by=by,
                created_at=now,
                held_until=hold_end(incident),
            )
            refresh_hour_holds(camera.pk, start, end)
            record_custody(clip, ClipEvent.Kind.CREATED, by, request, at=now)
    except BaseException:
        if target is not None:
            target.unlink(missing_ok=True)
        raise
    finally:
        scratch.unlink(missing_ok=True)
    return clip


def _same_clip(incident, camera, start, end):
    return Clip.objects.filter(
        incident=incident, camera=camera, start=start, end=end, removed_at__isnull=True
    ).first()


def _check_range(start, end, now):
    if end <= start:
        raise EvidenceRefused(400, _("Waktu selesai harus sesudah waktu mulai."), "end")
    limit = settings.EVIDENCE_MAX_CLIP_MINUTES
    if end - start > timedelta(minutes=limit):
        raise EvidenceRefused(
            400, _("Klip paling panjang %(limit)d menit.") % {"limit": limit}, "end"
        )
    if start > now:
        raise EvidenceRefused(400, _("Waktu mulai belum terjadi."), "start")


# --- Holds ------------------------------------------------------------------------------------


def refresh_hour_holds(camera_id, start, end):
    """Set the hold of `camera_id`'s recorded hours in [start, end) to the longest hold of the
    clips cut from them (none: no hold). An hour not indexed yet gets its row now, so that the
    hold is there when its segments are indexed."""
    hour = floor_hour(start)
    while hour < end:
        hour_end = hour + timedelta(hours=1)
        holds = Clip.objects.filter(
            camera_id=camera_id, start__lt=hour_end, end__gt=hour, held_until__isnull=False
        ).values_list("held_until", flat=True)
        longest = max(holds, default=None)
        row = RecordingHour.objects.select_for_update().filter(camera_id=camera_id, hour=hour)
        if longest is not None:
            row = row.first() or RecordingHour(camera_id=camera_id, hour=hour)
            row.held_until = longest
            row.save()
        else:
            row.update(held_until=None)
        hour = hour_end


def incident_finished(incident):
    """The incident is over: its clips are held EVIDENCE_HOLD_DAYS more (not lifted ones)."""
    until = hold_end(incident)
    for clip in incident.clips.select_for_update().filter(held_until__isnull=False):
        clip.held_until = until
        clip.save(update_fields=["held_until"])
        refresh_hour_holds(clip.camera_id, clip.start, clip.end)


@transaction.atomic
def hold_lift(*, clip, by, reason, request=None, now=None):
    """Lift a clip's hold before its time: retention then removes the clip's file and, unless
    other evidence holds them, its source hours. An audited act with a reason."""
    now = now or timezone.now()
    clip = Clip.objects.select_for_update().get(pk=clip.pk)
    if not may(by, Action.EXPORT_EVIDENCE, clip.incident):
        raise EvidenceRefused(403, _("Anda tidak berhak mencabut penahanan bukti ini."))
    reason = _reason(reason)
    if clip.held_until is None:
        raise EvidenceRefused(409, _("Penahanan klip ini sudah dicabut."))
    clip.held_until, clip.hold_lifted_at = None, now
    clip.save(update_fields=["held_until", "hold_lifted_at"])
    refresh_hour_holds(clip.camera_id, clip.start, clip.end)
    record_custody(clip, ClipEvent.Kind.HOLD_LIFTED, by, request, reason=reason, at=now)
    return clip


# --- Custody: viewing, downloading ------------------------------------------------------------


def _reason(reason):
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise EvidenceRefused(400, _("Tuliskan alasannya (paling sedikit 5 huruf)."), "reason")
    return reason[:300]


@transaction.atomic
def clip_viewed(*, clip, by, request=None):
    """Someone who may see the clip opened it (its page, or the API's detail)."""
    record_custody(clip, ClipEvent.Kind.VIEWED, by, request)


@transaction.atomic
def clip_download(*, clip, by, reason, request=None, log=True):
    """Check that `by` may hand the clip out and log it with the reason; the caller sends the
    file. Raises EvidenceRefused (403 without export_evidence, 400 without a reason, 410 when
    the file is gone). `log=False`: a further piece of a download already logged (Range)."""
    if not may(by, Action.EXPORT_EVIDENCE, clip.incident):
        raise EvidenceRefused(403, _("Anda tidak berhak mengunduh bukti ini."))
    reason = _reason(reason)
    if not clip.has_file:
        raise EvidenceRefused(410, _("Berkas klip ini sudah dihapus (masa simpan berakhir)."))
    if log:
        record_custody(clip, ClipEvent.Kind.DOWNLOADED, by, request, reason=reason)


def record_custody(clip, kind, by, request, *, reason="", agency=None, at=None):
    event = ClipEvent.objects.create(
        clip=clip,
        kind=kind,
        actor=by,
        agency=agency,
        at=at or timezone.now(),
        reason=reason,
        sha256=clip.sha256,
        ip=client_ip(request) if request is not None else None,
    )
    clip_custody.send(Clip, clip=clip, event=event, request=request)
    return event


# --- Agency links -----------------------------------------------------------------------------


def forwarded_agencies(incident):
    """The agencies the incident has been forwarded to (only they may get a link)."""
    forwarded = IncidentEvent.objects.filter(
        incident=incident, kind=IncidentEvent.Kind.FORWARDED
    ).values("agency_id")
    return Agency.objects.filter(pk__in=forwarded).order_by("name")


@transaction.atomic
def link_give(*, clip, agency, by, reason, request=None, now=None):
    """A signed download link for `agency`, valid EVIDENCE_LINK_HOURS; returns (link, token)."""
    now = now or timezone.now()
    if not may(by, Action.EXPORT_EVIDENCE, clip.incident):
        raise EvidenceRefused(403, _("Anda tidak berhak memberikan bukti ini."))
    if not forwarded_agencies(clip.incident).filter(pk=agency.pk).exists():
        raise EvidenceRefused(
            400, _("Kejadian ini belum diteruskan ke instansi tersebut."), "agency"
        )
    reason = _reason(reason)
    if not clip.has_file:
        raise EvidenceRefused(410, _("Berkas klip ini sudah dihapus (masa simpan berakhir)."))
    link = AgencyLink.objects.create(
        clip=clip,
        agency=agency,
        created_by=by,
        created_at=now,
        expires_at=now + timedelta(hours=settings.EVIDENCE_LINK_HOURS),
        reason=reason,
    )
    record_custody(
        clip, ClipEvent.Kind.LINK_GIVEN, by, request, reason=reason, agency=agency, at=now
    )
    return link, link_token(link)


def link_token(link):
    return signing.dumps([link.pk, link.clip_id, int(link.expires_at.timestamp())], salt=LINK_SALT)


def link_url(token, request):
    """The address to send the agency (absolute, with the secret token): shown once, to whoever
    gave the link, on the page or in the API's answer; never stored or listed again."""
    return request.build_absolute_uri(reverse("evidence:agency-link", args=[token]))


def link_for_token(token, now=None, *, lock=False):
    """The usable AgencyLink a token names; raises EvidenceRefused (404, or 410 once expired
    or revoked). `lock`: its row is locked until the transaction ends."""
    try:
        link_id, clip_id, _expires = signing.loads(token, salt=LINK_SALT)
    except (signing.BadSignature, TypeError, ValueError):
        raise EvidenceRefused(404, _("Tautan tidak dikenal.")) from None
    links = AgencyLink.objects.select_related("clip", "agency", "clip__incident")
    if lock:
        links = links.select_for_update(of=("self",))
    link = links.filter(pk=link_id, clip_id=clip_id).first()
    if link is None:
        raise EvidenceRefused(404, _("Tautan tidak dikenal."))
    if link.revoked_at is not None:
        raise EvidenceRefused(
            410,
            _(
                "Tautan ini sudah dicabut oleh pemberinya dan tidak dapat dipakai lagi. "
                "Hubungi kelurahan yang mengirimkannya bila Anda masih memerlukan rekaman ini."
            ),
        )
    if not link.usable(now) or not link.clip.has_file:
        raise EvidenceRefused(410, _("Tautan ini sudah tidak berlaku."))
    return link


@transaction.atomic
def link_revoke(*, clip, link_id, by, reason, request=None, now=None):
    """End an agency's link before it expires: an audited act with a reason. The link then
    answers 410 with a message saying it was revoked. Raises EvidenceRefused: 403 without
    export_evidence, 404 for a link of another clip, 400 without a reason, 409 when revoked."""
    now = now or timezone.now()
    if not may(by, Action.EXPORT_EVIDENCE, clip.incident):
        raise EvidenceRefused(403, _("Anda tidak berhak mencabut tautan bukti ini."))
    link = (
        AgencyLink.objects.select_for_update()
        .select_related("agency")
        .filter(clip_id=clip.pk, pk=link_id)
        .first()
    )
    if link is None:
        raise EvidenceRefused(404, _("Tautan tidak ditemukan pada klip ini."))
    reason = _reason(reason)
    if link.revoked_at is not None:
        raise EvidenceRefused(409, _("Tautan ini sudah dicabut."))
    link.revoked_at = now
    link.save(update_fields=["revoked_at"])
    record_custody(
        clip, ClipEvent.Kind.LINK_REVOKED, by, request, reason=reason, agency=link.agency, at=now
    )
    return link


@transaction.atomic
def link_use(*, token, request=None, log=True):
    """An agency downloads through its link: logged (no portal user: the agency is named).
    The link's row is locked so that a revocation committed meanwhile is seen. `log=False`:
    a further piece of a download already logged (Range), checked but not counted."""
    link = link_for_token(token, lock=True)
    if not log:
        return link
    AgencyLink.objects.filter(pk=link.pk).update(uses=link.uses + 1)
    record_custody(
        link.clip, ClipEvent.Kind.LINK_USED, None, request, reason=link.reason, agency=link.agency
    )
    return link


# --- Checking a file --------------------------------------------------------------------------


def clips_with_hash(user, digest):
    """The clips the user may see whose SHA-256 is `digest` (a file handed over, checked)."""
    digest = (digest or "").strip().lower()
    return Clip.objects.visible_to(user).filter(sha256=digest).select_related("camera", "incident")


def expired_clips(cutoff):
    """Clip files past their hold: lifted, or of an incident finished before `cutoff`."""
    finished = Q(incident__status__in=FINAL_STATUSES, incident__resolved_at__lt=cutoff)
    return Clip.objects.filter(removed_at__isnull=True).filter(
        Q(hold_lifted_at__isnull=False) | finished
    )
