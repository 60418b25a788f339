"""In real Chromium, with real ffmpeg recording: a piket officer opens a Kebon Jeruk camera at a
moment a minute ago (as "lihat rekaman" on an incident does), the recording plays from there
and the WIB label shows that moment; "mundur 30 detik" and "kembali ke live" work; the
timeline shows what is recorded. An FKDM volunteer gets no timeline at all."""

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from django.utils import timezone

from cameras import gate, supervisor
from cameras.models import RecordingHour, ViewingSession
from cameras.supervisor import StreamSource, Supervisor
from tests.browser import sign_in
from tests.evidence.recorded import encode_segments, lay_out
from tests.personas import PASSWORD
from tests.streams import background
from tests.waiting import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

KJ = "kebonjeruk-simpang"
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
SHOWN_AT = "() => document.querySelector('[data-recording-clock]').dataset.at || ''"
CLOCK_TEXT = "() => document.querySelector('[data-recording-clock]').textContent"


PAST_SECONDS = 70  # the minute before the test, and some room


@pytest.fixture
def recording_kebon_jeruk(monkeypatch, settings, tmp_path, demo_cameras):
    """The Kebon Jeruk camera live and recording, with the 70 s before it already recorded:
    segments encoded (faster than real time) with their own moments burnt in, laid out in the
    hour folders as the recorder keeps them, so that nobody waits a minute for a minute ago.
    The supervisor then records on, live, into the same hours (tests/cameras/test_recordings.py
    watches it record from scratch)."""
    monkeypatch.setattr(supervisor, "FLUSH_EVERY", 1)
    settings.STREAMS_ROOT = tmp_path / "streams"
    settings.RECORDINGS_ROOT = tmp_path / "recordings"
    camera = demo_cameras[KJ]
    camera.record = True
    camera.save()
    started = timezone.now().replace(microsecond=0) - timedelta(seconds=PAST_SECONDS)
    past = encode_segments(tmp_path / "past", PAST_SECONDS, clock_from=started)
    lay_out(camera.pk, started, past, settings.RECORDINGS_ROOT)
    sources = [StreamSource(KJ, "", camera.pk, True)]
    sup = Supervisor(settings.STREAMS_ROOT, sources=lambda: sources, check_health=False)
    gate.forget_decisions()
    with background(sup.run, sup.stop):
        yield camera
    gate.forget_decisions()


def _recorded_seconds(camera):
    return sum(RecordingHour.objects.filter(camera=camera).values_list("seconds", flat=True))


def _shown(page):
    text = page.evaluate(SHOWN_AT)
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def test_piket_plays_a_minute_ago_with_the_wib_time_shown(
    open_page, demo_users, recording_kebon_jeruk
):
    camera = recording_kebon_jeruk
    # The supervisor has recorded live segments of its own besides the 70 s laid out.
    wait_for(lambda: _recorded_seconds(camera) >= PAST_SECONDS + 2, timeout=60, message="recording")
    moment = (timezone.now() - timedelta(seconds=60)).replace(microsecond=0)

    page = open_page("/accounts/login/", **DESKTOP)
    sign_in(page, "piket.kebonjeruk", PASSWORD)
    page.goto(f"/kamera/{camera.pk}/?t={quote(moment.isoformat())}")

    page.wait_for_function(f"() => ({SHOWN_AT})() !== ''", timeout=30_000)
    shown = _shown(page)
    assert moment - timedelta(seconds=2) <= shown <= moment + timedelta(seconds=10), shown
    # The label is that moment in WIB, written as the burnt-in clock writes it (%F %T WIB).
    wib = shown.astimezone(timezone.get_fixed_timezone(7 * 60))
    page.wait_for_function(f"() => ({CLOCK_TEXT})().includes('WIB')")
    label = page.evaluate(CLOCK_TEXT)
    assert label.startswith("Rekaman ") and label.endswith(" WIB"), label
    text = label[len("Rekaman ") : -len(" WIB")] + " +0700"
    labelled = datetime.strptime(text, "%Y-%m-%d %H:%M:%S %z")
    assert abs(labelled - wib.replace(microsecond=0)) <= timedelta(seconds=2)
    # It plays on: the picture's time moves forward.
    page.wait_for_function(
        f"() => new Date(({SHOWN_AT})()) > new Date('{shown.astimezone(UTC).isoformat()}')",
        timeout=20_000,
    )
    # The timeline shows the recorded stretch; the viewing history has the range watched.
    assert page.locator(".timeline-span").count() >= 1
    watched = ViewingSession.objects.filter(camera=camera, playback_start__isnull=False)
    assert watched.filter(user=demo_users["piket.kebonjeruk"], playback_start=moment).exists()

    # Back to live, then 30 seconds back from live.
    page.get_by_role("button", name="Kembali ke live").click()
    page.wait_for_function(
        "() => document.querySelector('[data-player]').dataset.state === 'playing'",
        timeout=30_000,
    )
    assert page.evaluate(CLOCK_TEXT) == "Langsung"
    page.get_by_role("button", name="Mundur 30 detik").click()
    page.wait_for_function(f"() => ({SHOWN_AT})() !== ''", timeout=30_000)
    back = _shown(page)
    assert timedelta(seconds=20) <= timezone.now() - back <= timedelta(seconds=45), back
    # 2x doubles the playback rate of the video.
    page.get_by_role("button", name="2x").click()
    assert page.evaluate("document.querySelector('video').playbackRate") == 2


def test_volunteer_has_no_timeline(open_page, demo_users, demo_cameras, settings, tmp_path):
    settings.STREAMS_ROOT = tmp_path
    page = open_page("/accounts/login/", **DESKTOP)
    sign_in(page, "fkdm.kebonjeruk", PASSWORD)
    page.goto(f"/kamera/{demo_cameras[KJ].pk}/?t=2026-12-07T10:00:00%2B07:00")
    assert page.locator("[data-player]").count() == 1
    assert page.locator("[data-recordings]").count() == 0
    assert page.get_by_role("button", name="Mundur 30 detik").count() == 0
