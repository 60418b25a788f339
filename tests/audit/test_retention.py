"""`apply_retention`: removes exactly what is past its retention (viewing logs, trail rows,
finished incidents' photos, alerts), prints what it removed, records the run; a dry run
removes nothing."""

import io
import signal
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import timezone

from alerts.models import AlertEvent, AlertRead
from audit.management.commands.apply_retention import Command as RetentionCommand
from audit.models import Kind, TrailEntry
from audit.trail import record
from cameras.models import ViewingSession
from common.images import clean_image
from common.models import IdempotencyKey
from incidents.models import IncidentAttachment, IncidentEvent
from incidents.services import incident_attach, incident_transition
from jakcctv import env
from tests.incident_helpers import image_bytes, raise_incident

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


@pytest.fixture
def now():
    # A little ahead of the clock: what the fixtures themselves record is then fresh.
    return timezone.now().replace(microsecond=0) + timedelta(hours=1)


def _attach(incident, by):
    upload = SimpleUploadedFile("foto.png", image_bytes(), content_type="image/png")
    return incident_attach(incident_id=incident.pk, by=by, image=clean_image(upload))


@pytest.fixture
def aged(demo_users, demo_cameras, settings, tmp_path, now):
    """Rows and files just past and just within each retention (defaults: 90, 730, 365, 90)."""
    settings.MEDIA_ROOT = tmp_path
    piket, staf = demo_users["piket.kebonjeruk"], demo_users["staf.kebonjeruk"]
    camera = demo_cameras["kebonjeruk-simpang"]

    def viewing(started, last_seen):
        return ViewingSession.objects.create(
            user=piket, camera=camera, started_at=started, last_seen_at=last_seen, mode="embedded"
        )

    def incident(closed_days_ago):
        raised = raise_incident(by=piket, title=f"Ditutup {closed_days_ago} hari lalu")
        attachment = _attach(raised, piket)
        if closed_days_ago is not None:
            moment = now - closed_days_ago * DAY
            incident_transition(
                incident_id=raised.pk, by=staf, to="ditutup", reason="Selesai", now=moment
            )
        return attachment

    def alert(days_ago):
        event = AlertEvent.objects.create(
            kind="pengumuman",
            area_id="31",
            severity="sedang",
            title=f"Pengumuman {days_ago} hari lalu",
            created_at=now - days_ago * DAY,
        )
        AlertRead.objects.create(user=piket, event=event)
        return event

    def key(days_ago):
        return IdempotencyKey.objects.create(
            user=piket,
            key=f"kunci-{days_ago}-hari",
            scope="api:notes",
            status=201,
            created_at=now - days_ago * DAY,
        )

    return {
        "keys": {"old": key(31), "fresh": key(29)},
        "viewings": {
            "old": viewing(now - 95 * DAY, now - 91 * DAY),
            "fresh": viewing(now - 95 * DAY, now - 89 * DAY),
            "long": viewing(now - 100 * DAY, now - 10 * DAY),  # started long ago, watched lately
        },
        "trail": {
            "old_view": record(Kind.STREAM_VIEW, actor=piket, at=now - 91 * DAY),
            "fresh_view": record(Kind.STREAM_VIEW, actor=piket, at=now - 89 * DAY),
            "old_login": record(Kind.LOGIN, actor=piket, at=now - 731 * DAY),
            "fresh_login": record(Kind.LOGIN, actor=piket, at=now - 400 * DAY),
        },
        "attachments": {
            "old": incident(366),
            "fresh": incident(364),
            "open": incident(None),
        },
        "alerts": {"old": alert(91), "fresh": alert(89)},
    }


def _run(*args, now):
    out = io.StringIO()
    call_command("apply_retention", "--now", now.isoformat(), *args, stdout=out)
    return out.getvalue()


def _remaining(model, objs):
    return {key for key, obj in objs.items() if model.objects.filter(pk=obj.pk).exists()}


def test_retention_removes_only_what_is_past_it(aged, now, django_capture_on_commit_callbacks):
    old_path = aged["attachments"]["old"].image.path
    kept_paths = [a.image.path for key, a in aged["attachments"].items() if key != "old"]
    timeline = IncidentEvent.objects.filter(incident_id=aged["attachments"]["old"].incident_id)
    events_before = list(timeline.values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        output = _run(now=now)

    assert _remaining(ViewingSession, aged["viewings"]) == {"fresh", "long"}
    assert _remaining(TrailEntry, aged["trail"]) == {"fresh_view", "fresh_login"}
    assert _remaining(AlertEvent, aged["alerts"]) == {"fresh"}
    assert AlertRead.objects.count() == 1  # the removed alert's read mark went with it
    assert _remaining(IdempotencyKey, aged["keys"]) == {"fresh"}

    # The photo of the incident closed 366 days ago is gone; its row and timeline stay.
    old = IncidentAttachment.objects.get(pk=aged["attachments"]["old"].pk)
    assert old.removed_at == now and not old.image
    assert not Path(old_path).exists()
    assert list(timeline.values_list("pk", flat=True)) == events_before
    for key in ("fresh", "open"):
        assert IncidentAttachment.objects.get(pk=aged["attachments"][key].pk).removed_at is None
    assert all(Path(path).exists() for path in kept_paths)

    assert "Sesi menonton (lebih dari 90 hari): 1 dihapus" in output
    assert "Jejak menonton (lebih dari 90 hari): 1 dihapus" in output
    assert "Jejak akuntabilitas lainnya (lebih dari 730 hari): 1 dihapus" in output
    assert "(lebih dari 365 hari): 1 dihapus" in output
    assert "Peringatan (lebih dari 90 hari): 1 dihapus" in output

    run = TrailEntry.objects.get(kind=Kind.RETENTION)
    assert run.detail["counts"] == {
        "sesi_menonton": 1,
        "jejak_menonton": 1,
        "jejak": 1,
        "lampiran": 1,
        "permohonan_data": 0,  # tests/datarequests: answered requests and their documents
        "foto_tiket": 0,
        "peringatan": 1,
        "rekaman": 0,  # recordings: tests/cameras/test_recording_retention.py
        "klip": 0,  # evidence clips: tests/evidence/test_clips.py
        "kunci_idempotensi": 1,
    }
    assert run.detail["days"]["RETENTION_TRAIL_DAYS"] == 730
    assert run.actor is None and run.area_id is None  # for provincial admins' eyes

    # Running it again finds nothing more (and says so), and records that run too.
    with django_capture_on_commit_callbacks(execute=True):
        again = _run(now=now)
    assert "Sesi menonton (lebih dari 90 hari): 0 dihapus" in again
    assert TrailEntry.objects.filter(kind=Kind.RETENTION).count() == 2


def test_a_dry_run_counts_and_removes_nothing(aged, now):
    before = {
        model: model.objects.count()
        for model in (ViewingSession, TrailEntry, AlertEvent, AlertRead)
    }
    output = _run("--dry-run", now=now)
    assert "tidak ada yang dihapus" in output
    assert "Sesi menonton (lebih dari 90 hari): 1 akan dihapus" in output
    assert "Jejak akuntabilitas lainnya (lebih dari 730 hari): 1 akan dihapus" in output
    after = {model: model.objects.count() for model in before}
    assert after == before
    assert not IncidentAttachment.objects.filter(removed_at__isnull=False).exists()
    assert aged["attachments"]["old"].image.storage.exists(aged["attachments"]["old"].image.name)


def test_zero_days_keeps_for_ever(aged, now, settings, django_capture_on_commit_callbacks):
    settings.RETENTION_VIEWING_DAYS = 0
    settings.RETENTION_ALERT_DAYS = 0
    with django_capture_on_commit_callbacks(execute=True):
        output = _run(now=now)
    assert "Sesi menonton: disimpan selamanya (RETENTION_VIEWING_DAYS=0)" in output
    assert _remaining(ViewingSession, aged["viewings"]) == {"old", "fresh", "long"}
    assert _remaining(TrailEntry, aged["trail"]) == {"old_view", "fresh_view", "fresh_login"}
    assert _remaining(AlertEvent, aged["alerts"]) == {"old", "fresh"}


def test_retention_follows_the_settings(aged, now, settings, django_capture_on_commit_callbacks):
    settings.RETENTION_TRAIL_DAYS = 300
    settings.RETENTION_ATTACHMENT_DAYS = 30
    with django_capture_on_commit_callbacks(execute=True):
        _run(now=now)
    assert _remaining(TrailEntry, aged["trail"]) == {"fresh_view"}
    removed = IncidentAttachment.objects.filter(removed_at__isnull=False)
    assert {a.pk for a in removed} == {aged["attachments"][k].pk for k in ("old", "fresh")}


def test_a_bad_moment_is_refused():
    with pytest.raises(CommandError, match="--now bukan waktu ISO 8601"):
        call_command("apply_retention", "--now", "kemarin", stdout=io.StringIO())


def test_negative_days_are_refused(monkeypatch):
    monkeypatch.setenv("RETENTION_TRAIL_DAYS", "-1")
    with pytest.raises(ImproperlyConfigured, match="RETENTION_TRAIL_DAYS must be at least 0"):
        env.env_int("RETENTION_TRAIL_DAYS", 730, minimum=0)
    monkeypatch.setenv("RETENTION_TRAIL_DAYS", "dua tahun")
    with pytest.raises(ImproperlyConfigured, match="whole number"):
        env.env_int("RETENTION_TRAIL_DAYS", 730, minimum=0)


def test_a_removed_photo_reads_as_removed(aged, now, signed_in, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _run(now=now)
    attachment = aged["attachments"]["old"]
    client = signed_in("staf.kebonjeruk")
    page = client.get(f"/kejadian/{attachment.incident_id}/").content.decode()
    assert "berkas dihapus" in page
    assert f"/kejadian/{attachment.incident_id}/lampiran/{attachment.pk}/" not in page
    photo = client.get(f"/kejadian/{attachment.incident_id}/lampiran/{attachment.pk}/")
    assert photo.status_code == 404
    detail = client.get(f"/api/v1/incidents/{attachment.incident_id}/").json()
    assert detail["attachments"][0]["url"] is None
    assert detail["attachments"][0]["removed_at"] is not None
    api_photo = client.get(
        f"/api/v1/incidents/{attachment.incident_id}/attachments/{attachment.pk}/"
    )
    assert api_photo.status_code == 404
    assert "masa simpannya berakhir" in api_photo.json()["detail"]


@pytest.mark.django_db(transaction=True)  # the loop closes and reopens its connection
def test_the_daily_worker_applies_retention_each_round_until_stopped(aged, now):
    """`apply_retention --every 86400` (the deployment's retention worker): each round deletes
    what has aged past its retention since the last, and a stop signal ends it cleanly."""
    handler = signal.getsignal(signal.SIGTERM)
    rounds = iter([now, now + 2 * DAY])
    stop = threading.Event()

    def clock():
        moment = next(rounds, None)
        if moment is None:
            stop.set()  # as SIGTERM does
            return now + 2 * DAY
        return moment

    out = io.StringIO()
    RetentionCommand(stdout=out).loop(0.01, clock, False, stop=stop)
    lines = out.getvalue().splitlines()
    assert lines[0] == "Retensi data setiap 0.01 detik (Ctrl-C untuk berhenti)."
    assert lines[-1] == "Retensi data dihentikan."
    assert sum(line.startswith("Retensi data ") and "WIB" in line for line in lines) == 3
    # The view 89 days old at the first round is 91 days old at the second: gone by then.
    assert not ViewingSession.objects.filter(pk=aged["viewings"]["fresh"].pk).exists()
    assert signal.getsignal(signal.SIGTERM) == handler  # put back


def test_every_must_be_positive():
    with pytest.raises(CommandError, match="lebih dari 0"):
        call_command("apply_retention", every=0)
