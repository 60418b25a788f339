"""The public page's transparency section: purposes and signage of public cameras, non-public
cameras as counts per kelurahan only, retention in force, request and repair figures."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from cameras.models import Camera
from datarequests.demo import sample_document
from datarequests.services import request_file, request_grant, request_refuse, request_verify
from kelurahan.signals import public_figures_wanted
from tests.personas import KEBON_JERUK


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _filed(now):
    data_request, _secret = request_file(
        name="Warga",
        contact="warga@contoh.test",
        area_code=KEBON_JERUK,
        period_start=now - timedelta(hours=2),
        period_end=now - timedelta(hours=1),
        reason="Rekaman saya.",
        document=sample_document(),
        now=now,
    )
    return data_request


def test_the_public_page_shows_purposes_counts_retention_and_request_figures(
    demo_users, demo_cameras
):
    staff = demo_users["staf.kebonjeruk"]
    now = timezone.now()
    in_time = _filed(now - timedelta(hours=30))
    request_verify(request_id=in_time.pk, by=staff, now=now - timedelta(hours=29))
    request_grant(request_id=in_time.pk, by=staff, now=now - timedelta(hours=20))  # 10 h
    late = _filed(now - timedelta(hours=100))
    request_refuse(request_id=late.pk, by=staff, reason="tidak_ada_rekaman", now=now)  # 100 h
    _filed(now)  # open

    page = Client().get("/statistik/")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-figure="requests-received">3<' in body
    assert 'data-figure="requests-in-time">1 / 2<' in body
    assert 'data-figure="requests-median">55,0<' in body
    online = Camera.objects.filter(status=Camera.Status.ACTIVE, online=True).count()
    in_service = Camera.objects.filter(status=Camera.Status.ACTIVE).count()
    assert f'data-figure="cameras-online">{online} / {in_service}<' in body
    assert 'href="/permohonan-data/"' in body
    assert "Permohonan data warga yang sudah dijawab" in body and "365 hari" in body
    # Public cameras by name with purpose and signage; non-public ones as counts only.
    tebet = demo_cameras["tebet-eco-park-utara"]
    assert tebet.name in body and tebet.purpose in body and 'data-signage="terpasang"' in body
    hidden = [c for c in demo_cameras.values() if not c.is_public]
    assert hidden
    for camera in hidden:
        assert camera.name not in body and camera.code not in body
    kebon_jeruk_hidden = sum(
        1
        for c in hidden
        if c.status != Camera.Status.RETIRED
        and (c.area_id == KEBON_JERUK or c.area_id.startswith(KEBON_JERUK + "."))
    )
    assert f"<code>{KEBON_JERUK}</code></td><td>{kebon_jeruk_hidden}</td>" in body
    # No repair figure without an app that answers for it.
    assert 'data-figure="median-repair-hours"' not in body


def test_an_installed_app_adds_its_figure(demo_areas):
    def repairs(sender, now, **kwargs):
        return [
            {"key": "median-repair-hours", "label": "Median perbaikan", "value": 7, "unit": "jam"}
        ]

    public_figures_wanted.connect(repairs, dispatch_uid="test-repairs")
    try:
        body = Client().get("/statistik/").content.decode()
    finally:
        public_figures_wanted.disconnect(dispatch_uid="test-repairs")
    assert 'data-figure="median-repair-hours">7 jam<' in body


def test_the_public_page_shows_the_median_time_to_repair(demo_cameras):
    from django.utils import timezone

    from maintenance.models import Ticket

    now = timezone.now()
    camera = next(iter(demo_cameras.values()))
    for hours in (2, 6, 30):  # median: 6 hours
        Ticket.objects.create(
            camera=camera,
            area_id=camera.area_id,
            reason="offline",
            status="ditutup",
            opened_at=now - timezone.timedelta(hours=hours + 1),
            closed_at=now - timezone.timedelta(hours=1),
            deadline=now,
        )
    body = Client().get("/statistik/").content.decode()
    assert 'data-figure="median-repair-hours">6,0 jam<' in body  # Indonesian decimal comma
