"""Incident services beyond the core: every status change, who sees an escalated incident,
attachments made safe, the shift-note link, demo agencies, and the `sla_sweep` command."""

import io
import itertools
import os
import signal
import subprocess
import sys
import threading
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from PIL import Image

from common.images import ImageRefused, clean_image
from incidents.management.commands.sla_sweep import Command as SweepCommand
from incidents.models import TRANSITIONS, Agency, Incident, IncidentEvent, Status
from incidents.services import (
    IncidentRefused,
    incident_acknowledge,
    incident_attach,
    incident_escalate,
    incident_transition,
    shift_note_link_incident,
    statuses_open_to,
)
from shifts.models import Shift, ShiftNote, ShiftSlot
from tests.incident_helpers import (
    demo_agencies,
    image_bytes,
    jpeg_with_gps,
    kecamatan_operators,
    raise_incident,
)
from tests.personas import KEBON_JERUK, TEBET_BARAT

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


# --- Every status change ----------------------------------------------------------------------

# How to bring a new incident to each status (through the services, as people would).
_PATH = {
    Status.BARU: [],
    Status.DITERIMA: [Status.DITERIMA],
    Status.DITANGANI: [Status.DITERIMA, Status.DITANGANI],
    Status.SELESAI: [Status.DITERIMA, Status.SELESAI],
    Status.DITUTUP: [Status.DITUTUP],
}


@pytest.mark.parametrize(("current", "target"), list(itertools.product(Status, Status)))
def test_every_status_change_is_allowed_or_refused_with_409(demo_users, current, target):
    staf = demo_users["staf.kebonjeruk"]
    incident = raise_incident(staf)
    for step in _PATH[current]:
        incident_transition(incident_id=incident.pk, by=staf, to=step, reason="Laporan ganda")
    before = IncidentEvent.objects.filter(incident=incident).count()
    if target in TRANSITIONS[current]:
        incident_transition(incident_id=incident.pk, by=staf, to=target, reason="Laporan ganda")
        incident.refresh_from_db()
        assert incident.status == target
        event = IncidentEvent.objects.filter(incident=incident).last()
        assert event.data["from"] == current and event.data["to"] == target
    else:
        with pytest.raises(IncidentRefused) as refused:
            incident_transition(incident_id=incident.pk, by=staf, to=target, reason="Ganda")
        assert refused.value.status == 409
        assert "tidak dapat diubah" in refused.value.message
        incident.refresh_from_db()
        assert incident.status == current
        assert IncidentEvent.objects.filter(incident=incident).count() == before


def test_acknowledging_twice_is_409_and_recorded_once(demo_users):
    piket = demo_users["piket.kebonjeruk"]
    incident = raise_incident(piket)
    incident_acknowledge(incident_id=incident.pk, by=piket, note="Meluncur")
    with pytest.raises(IncidentRefused) as refused:
        incident_acknowledge(incident_id=incident.pk, by=demo_users["staf.kebonjeruk"])
    assert refused.value.status == 409
    assert IncidentEvent.objects.filter(incident=incident, kind="diterima").count() == 1


def test_who_may_set_which_status(demo_users):
    incident = raise_incident(demo_users["piket.kebonjeruk"])
    # Piket officers receive and handle; closing and finishing are for staff and operators.
    assert statuses_open_to(demo_users["piket.kebonjeruk"], incident) == [Status.DITERIMA]
    assert statuses_open_to(demo_users["staf.kebonjeruk"], incident) == [
        Status.DITERIMA,
        Status.DITUTUP,
    ]
    assert statuses_open_to(demo_users["fkdm.kebonjeruk"], incident) == []
    with pytest.raises(IncidentRefused) as refused:
        incident_transition(
            incident_id=incident.pk, by=demo_users["piket.kebonjeruk"], to="ditutup", reason="x"
        )
    assert refused.value.status == 403


# --- Escalation and who sees it ---------------------------------------------------------------


def _sees(user, incident):
    return Incident.objects.visible_to(user).filter(pk=incident.pk).exists()


def test_each_level_sees_it_once_it_arrives_and_another_kecamatan_never(demo_users):
    operators = kecamatan_operators()
    kec, other_kec = operators["operator.kec.kebonjeruk"], operators["operator.kec.tebet"]
    kota, other_kota = demo_users["operator.jakbar"], demo_users["operator.tebet"]
    piket = demo_users["piket.kebonjeruk"]
    incident = raise_incident(piket)
    seen = []
    for _step in range(4):
        seen.append(
            (incident.level, _sees(kec, incident), _sees(kota, incident), _sees(piket, incident))
        )
        assert not _sees(other_kec, incident) and not _sees(other_kota, incident)
        assert not _sees(demo_users["staf.tebetbarat"], incident)
        if incident.level != "provinsi":
            incident = incident_escalate(incident_id=incident.pk, by=piket)
    assert seen == [
        ("kelurahan", False, False, True),
        ("kecamatan", True, False, True),
        ("kota", True, True, True),
        ("provinsi", True, True, True),
    ]
    with pytest.raises(IncidentRefused) as refused:
        incident_escalate(incident_id=incident.pk, by=piket)
    assert refused.value.status == 409  # nothing above the province


def test_an_operator_keeps_seeing_what_they_reported(demo_users):
    operator = demo_users["operator.jakbar"]
    incident = raise_incident(operator)
    assert incident.level == "kelurahan" and _sees(operator, incident)
    other = raise_incident(demo_users["piket.kebonjeruk"])
    assert not _sees(operator, other)  # the level rule still holds for everyone else's


# --- Attachments ------------------------------------------------------------------------------


def _upload(content, name="foto.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_a_phone_photo_loses_its_gps_position_and_stands_upright(demo_users, settings):
    piket = demo_users["piket.kebonjeruk"]
    original = jpeg_with_gps(size=(64, 32), orientation=6)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the GPS is there
    incident = raise_incident(piket)
    image = clean_image(_upload(original))
    attachment = incident_attach(incident_id=incident.pk, by=piket, image=image)

    stored = attachment.image.path
    assert stored.startswith(str(settings.MEDIA_ROOT))
    assert "foto" not in os.path.basename(stored)  # the uploaded name is not kept
    with open(stored, "rb") as handle:
        content = handle.read()
    assert b"Exif" not in content and b"GPS" not in content and b"PonselUji" not in content
    with Image.open(stored) as saved:
        assert saved.format == "JPEG"
        assert dict(saved.getexif()) == {}
        assert "xmp" not in saved.info
        assert saved.size == (32, 64)  # orientation 6 applied: the portrait the phone showed
    assert (attachment.width, attachment.height, attachment.content_type) == (32, 64, "image/jpeg")
    assert attachment.size == len(content)
    event = IncidentEvent.objects.filter(incident=incident).last()
    assert event.kind == "lampiran" and event.actor == piket
    assert event.data == {"attachment": attachment.pk}


@pytest.mark.parametrize(
    ("fmt", "content_type"), [("PNG", "image/png"), ("WEBP", "image/webp"), ("JPEG", "image/jpeg")]
)
def test_the_type_comes_from_the_bytes_not_the_name(fmt, content_type):
    # A PNG named .jpg and announced as a JPEG is still a PNG.
    image = clean_image(_upload(image_bytes(fmt), name="gambar.jpg", content_type="image/jpeg"))
    assert image.content_type == content_type
    assert Image.open(io.BytesIO(image.content)).format == fmt


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (image_bytes("GIF"), "Hanya gambar JPEG, PNG, atau WebP"),
        (image_bytes("BMP"), "Hanya gambar JPEG, PNG, atau WebP"),
        (b"%PDF-1.7 bukan gambar", "Hanya gambar JPEG, PNG, atau WebP"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "Hanya gambar JPEG, PNG, atau WebP"),
        (jpeg_with_gps()[:200], "rusak atau tidak lengkap"),
        (b"", "kosong"),
    ],
    ids=["gif", "bmp", "pdf", "svg", "truncated-jpeg", "empty"],
)
def test_anything_but_a_whole_jpeg_png_or_webp_is_refused(content, message):
    with pytest.raises(ImageRefused) as refused:
        clean_image(_upload(content))
    assert message in refused.value.message


def test_the_size_is_capped(settings):
    settings.INCIDENT_ATTACHMENT_MAX_BYTES = 1000
    big = image_bytes("PNG") + b"\0" * 2000  # the size is checked before anything else
    with pytest.raises(ImageRefused) as refused:
        clean_image(_upload(big, name="besar.png"))
    assert "terlalu besar" in refused.value.message and "1000" in refused.value.message


@pytest.mark.parametrize("side", [8000, 12000])  # 64 and 144 megapixels
def test_a_picture_with_too_many_pixels_is_refused_before_decoding(side):
    out = io.BytesIO()
    Image.new("1", (side, side)).save(out, "PNG")  # a few kilobytes, a huge picture
    with pytest.raises(ImageRefused) as refused:
        clean_image(_upload(out.getvalue(), name="bom.png"))
    assert "terlalu besar ukurannya" in refused.value.message


def test_huge_photos_are_scaled_down():
    image = clean_image(_upload(image_bytes("JPEG", size=(4000, 1000))))
    assert (image.width, image.height) == (2560, 640)


# --- Forwarding to agencies -------------------------------------------------------------------


def test_demo_agencies_serve_their_areas_and_use_only_national_numbers(demo_users):
    agencies = demo_agencies()
    assert len(agencies) == 9 and demo_agencies() == agencies  # idempotent
    serving = {a.name for a in Agency.objects.serving("31.73.05.1001.002.003")}
    assert serving == {
        "Sudin Gulkarmat Jakarta Barat",
        "BPBD Provinsi DKI Jakarta",
        "Satpol PP Kecamatan Kebon Jeruk",
        "Polsek Kebon Jeruk",
        "Dinas Perhubungan Provinsi DKI Jakarta",
        "Dinas Sumber Daya Air Provinsi DKI Jakarta",
        "PLN UP3 Kebon Jeruk",
    }
    assert {a.phone for a in agencies.values()} <= {"", "110", "112", "113"}
    tebet = {a.name for a in Agency.objects.visible_to(demo_users["staf.tebetbarat"])}
    assert "Polsek Tebet" in tebet and "Polsek Kebon Jeruk" not in tebet


def test_seed_demo_creates_the_agencies(db):
    out = io.StringIO()
    call_command("seed_demo", stdout=out, stderr=io.StringIO())
    assert "Instansi demo baru: 9" in out.getvalue()
    call_command("seed_demo", stdout=(again := io.StringIO()), stderr=io.StringIO())
    assert "Instansi demo baru: 0" in again.getvalue()


# --- Shift notes ------------------------------------------------------------------------------


def _note(author, kelurahan=KEBON_JERUK, text="Kerumunan pemuda di simpang"):
    slot = ShiftSlot.objects.create(
        kelurahan_id=kelurahan, name="pagi", label="Pagi", starts="07:00", ends="15:00"
    )
    start = timezone.now()
    shift = Shift.objects.create(
        kelurahan_id=kelurahan,
        slot=slot,
        date=start.date(),
        starts_at=start,
        ends_at=start + timedelta(hours=8),
    )
    return ShiftNote.objects.create(shift=shift, author=author, text=text)


def test_a_note_links_to_the_incident_raised_from_it_once(demo_users):
    piket = demo_users["piket.kebonjeruk"]
    note = _note(piket)
    first, second = raise_incident(piket), raise_incident(piket)
    shift_note_link_incident(note_id=note.pk, incident=first, by=piket)
    note.refresh_from_db()
    assert note.incident == first
    with pytest.raises(IncidentRefused) as refused:
        shift_note_link_incident(note_id=note.pk, incident=second, by=piket)
    assert refused.value.status == 409
    with pytest.raises(IncidentRefused) as refused:  # another kelurahan's note: not found
        shift_note_link_incident(
            note_id=_note(demo_users["piket.tebetbarat"], TEBET_BARAT).pk,
            incident=first,
            by=piket,
        )
    assert refused.value.status == 404


# --- The SLA sweep command, with a controllable clock -----------------------------------------


def _sweep(at):
    out = io.StringIO()
    call_command("sla_sweep", now=at.isoformat(), stdout=out)
    return out.getvalue()


def test_sla_sweep_command_escalates_and_marks_overdue_once(demo_users):
    start = timezone.now().replace(microsecond=0)
    incident = raise_incident(demo_users["piket.kebonjeruk"], severity="darurat", now=start)
    calm = raise_incident(demo_users["piket.kebonjeruk"], severity="rendah", now=start)

    assert "0 kejadian dinaikkan otomatis, 0 ditandai terlambat" in _sweep(
        start + timedelta(minutes=4)
    )
    late = start + timedelta(minutes=6)
    printed = _sweep(late)
    assert "1 kejadian dinaikkan otomatis, 0 ditandai terlambat" in printed
    assert timezone.localtime(late).strftime("%H.%M.%S") + " WIB" in printed
    assert "0 kejadian dinaikkan otomatis" in _sweep(late)  # idempotent
    incident.refresh_from_db()
    assert incident.level == "kecamatan" and incident.ack_due_at == late + timedelta(minutes=5)

    incident_acknowledge(incident_id=calm.pk, by=demo_users["staf.kebonjeruk"], now=late)
    week = start + timedelta(days=6, minutes=1)
    assert "1 kejadian dinaikkan otomatis, 2 ditandai terlambat" in _sweep(week)
    assert "0 kejadian dinaikkan otomatis, 0 ditandai terlambat" in _sweep(week)
    events = IncidentEvent.objects.filter(kind__in=["naik_otomatis", "terlambat"], actor=None)
    assert sorted(events.values_list("incident_id", "kind")) == sorted(
        [
            (incident.pk, "naik_otomatis"),
            (incident.pk, "naik_otomatis"),
            (incident.pk, "terlambat"),
            (calm.pk, "terlambat"),
        ]
    )
    calm.refresh_from_db()
    assert calm.level == "kelurahan" and calm.overdue_at == week  # acknowledged: not escalated


def test_sla_sweep_refuses_a_bad_clock_or_interval():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="ISO 8601"):
        call_command("sla_sweep", now="kemarin")
    with pytest.raises(CommandError, match="lebih dari 0"):
        call_command("sla_sweep", every=0)


@pytest.mark.django_db(transaction=True)  # the loop closes and reopens its connection
def test_sla_sweep_loop_sweeps_until_stopped(demo_users):
    handler = signal.getsignal(signal.SIGTERM)
    start = timezone.now()
    raise_incident(demo_users["piket.kebonjeruk"], severity="darurat", now=start)
    ticks = iter(start + timedelta(minutes=minutes) for minutes in (1, 6, 7, 12, 13, 20, 30))
    stop = threading.Event()

    def clock():
        moment = next(ticks, None)
        if moment is None:
            stop.set()
            return start + timedelta(minutes=30)
        return moment

    out = io.StringIO()
    command = SweepCommand(stdout=out)
    command.loop(0.01, clock, stop=stop)
    lines = out.getvalue().splitlines()
    assert lines[0] == "Penyapuan SLA setiap 0.01 detik (Ctrl-C untuk berhenti)."
    assert lines[-1] == "Penyapuan SLA dihentikan."
    # Only sweeps that did something print: kecamatan at 6 min, kota at 12, provinsi at 20.
    assert [line.split(": ", 1)[1] for line in lines[1:-1]] == [
        "1 kejadian dinaikkan otomatis, 0 ditandai terlambat."
    ] * 3
    assert signal.getsignal(signal.SIGTERM) == handler  # put back


@pytest.mark.skipif(
    django_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
    reason="uses a scratch SQLite database of its own; the loop is the same on PostgreSQL",
)
def test_sla_sweep_every_stops_cleanly_on_sigterm(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'sweep.sqlite3'}",
        "DEBUG": "1",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("REDIS_URL", None)
    manage = [sys.executable, str(django_settings.BASE_DIR / "manage.py")]
    subprocess.run([*manage, "migrate", "-v", "0"], env=env, check=True, timeout=120)
    process = subprocess.Popen(
        [*manage, "sla_sweep", "--every", "60"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert "setiap 60 detik" in process.stdout.readline()
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=10)  # not 60 s: the wait ends at once
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err
    assert out.strip() == "Penyapuan SLA dihentikan."
