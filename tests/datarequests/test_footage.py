"""Granting links a clip saved as evidence (real recordings, cut by the evidence app); the
citizen downloads it by the status link only, inside the window, each download logged."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from audit.models import TrailEntry
from datarequests.demo import sample_document
from datarequests.services import request_file, request_verify
from evidence.models import ClipEvent
from evidence.services import clip_create
from tests.evidence.recorded import encode_segments, lay_out
from tests.incident_helpers import raise_incident
from tests.personas import KEBON_JERUK, TEBET_BARAT


@pytest.fixture(autouse=True)
def _roots(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RECORDINGS_ROOT = tmp_path / "recordings"


@pytest.fixture
def recorded_clip(demo_users, demo_cameras, settings, tmp_path):
    """Six seconds recorded at a Kebon Jeruk camera 2 hours ago, saved as a clip of an incident."""
    camera = demo_cameras["kebonjeruk-simpang"]
    start = (timezone.now() - timedelta(hours=2)).replace(microsecond=0)
    segments = encode_segments(tmp_path / "encoded", 6)
    lay_out(camera.pk, start, segments, settings.RECORDINGS_ROOT)
    staff = demo_users["staf.kebonjeruk"]
    incident = raise_incident(staff, area_code=KEBON_JERUK, title="Serempetan di simpang")
    return clip_create(
        incident=incident,
        camera=camera,
        start=start,
        end=start + timedelta(seconds=5),
        by=staff,
    )


def _verified_request(staff, area=KEBON_JERUK):
    now = timezone.now()
    data_request, secret = request_file(
        name="Siti Aminah",
        contact="siti@contoh.test",
        area_code=area,
        period_start=now - timedelta(hours=3),
        period_end=now - timedelta(hours=1),
        reason="Motor saya diserempet.",
        document=sample_document(),
    )
    request_verify(request_id=data_request.pk, by=staff)
    return data_request, secret


def test_granting_links_a_clip_and_the_citizen_downloads_it_by_the_link(
    signed_in, demo_users, recorded_clip
):
    data_request, secret = _verified_request(demo_users["staf.kebonjeruk"])
    staff = signed_in("staf.kebonjeruk")
    page = staff.get(f"/permohonan/{data_request.pk}/").content.decode()
    assert f'value="{recorded_clip.pk}"' in page  # offered in the grant form
    granted = staff.post(
        f"/api/v1/requests/{data_request.pk}/grant/",
        {"clip": recorded_clip.pk, "note": "Klip terlampir."},
        "application/json",
    )
    assert granted.status_code == 200, granted.content
    assert granted.json()["clip"] == recorded_clip.pk
    handed = ClipEvent.objects.get(clip=recorded_clip, kind=ClipEvent.Kind.DOWNLOADED)
    assert data_request.number in handed.reason and handed.actor.username == "staf.kebonjeruk"

    citizen = Client()
    status_page = citizen.get(f"/permohonan-data/status/{data_request.number}/{secret}/")
    assert "data-footage" in status_page.content.decode()
    footage = citizen.get(f"/permohonan-data/status/{data_request.number}/{secret}/rekaman/")
    assert footage.status_code == 200 and footage["Content-Type"] == "video/mp4"
    assert b"".join(footage.streaming_content) == recorded_clip.file.open("rb").read()
    assert footage["X-Content-SHA256"] == recorded_clip.sha256
    wrong = citizen.get(f"/permohonan-data/status/{data_request.number}/salah/rekaman/")
    assert wrong.status_code == 404
    data_request.refresh_from_db()
    assert data_request.downloads == 1
    assert TrailEntry.objects.filter(detail__event="diunduh").count() == 1

    # After the window, the link answers 410 and nothing is served.
    data_request.download_until = timezone.now() - timedelta(seconds=1)
    data_request.save(update_fields=["download_until"])
    late = citizen.get(f"/permohonan-data/status/{data_request.number}/{secret}/rekaman/")
    assert late.status_code == 410
    assert "Masa unduh rekaman ini sudah berakhir." in late.content.decode()


def test_a_clip_of_another_kelurahan_or_time_cannot_be_linked(signed_in, demo_users, recorded_clip):
    tebet, _secret = _verified_request(demo_users["staf.tebetbarat"], area=TEBET_BARAT)
    operator = signed_in("admin.provinsi")  # sees both areas' clips, still refused
    answer = operator.post(
        f"/api/v1/requests/{tebet.pk}/grant/", {"clip": recorded_clip.pk}, "application/json"
    )
    assert answer.status_code == 400
    tebet.refresh_from_db()
    assert tebet.status == "diverifikasi" and tebet.clip_id is None
    # Staff of another area cannot link it to their own request either (not theirs to hand out).
    staff = signed_in("staf.tebetbarat")
    answer = staff.post(
        f"/api/v1/requests/{tebet.pk}/grant/", {"clip": recorded_clip.pk}, "application/json"
    )
    assert answer.status_code == 400
