"""In real Chromium, the demo's maintenance path: a Kebon Jeruk camera's stream stops, the sweep
opens a ticket for its maintainer, the technician marks it repaired and sees it close once the
stream is back; kelurahan staff open a ticket by hand from the camera page."""

from datetime import timedelta

import pytest

from maintenance.demo import TECHNICIAN, create_maintainers
from maintenance.models import Status, Ticket
from maintenance.sweep import sweep
from tests.browser import sign_in
from tests.maintenance.test_flapping import health
from tests.personas import PASSWORD
from tests.streams import running_streams

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
KJ = "kebonjeruk-simpang"


@pytest.fixture
def demo_maintenance(settings, tmp_path, demo_users, demo_cameras):
    settings.STREAM_MODE = "embedded"
    settings.STREAMS_ROOT = tmp_path
    settings.CAMERA_OFFLINE_AFTER = 15
    settings.MAINTENANCE_AFTER = 30
    settings.MAINTENANCE_CONFIRM = 15
    create_maintainers(PASSWORD)  # what `make demo` adds: the vendor and teknisi.kebonjeruk
    return demo_cameras


def test_stopped_stream_opens_a_ticket_the_technician_repairs_and_sees_close(
    open_page, demo_maintenance, tmp_path
):
    with running_streams([KJ], tmp_path):
        assert health().online
    down = health(later=20).online_changed_at  # the stream stopped
    sweep(now=down + timedelta(minutes=31))
    ticket = Ticket.objects.get(camera__code=KJ)
    assert ticket.maintainer.name == "CV Kamera Barat (demo)"

    page = open_page("/accounts/login/")
    sign_in(page, TECHNICIAN, PASSWORD)
    page.goto("/perbaikan/")
    page.click(f'[data-ticket="{ticket.pk}"] a')
    page.wait_for_selector('[data-ticket-status="terbuka"]')
    page.wait_for_selector('[data-camera-online="0"]')
    # The technician sees the camera's health, never its stream (no link to the camera page).
    assert page.locator(f'a[href="/kamera/{ticket.camera_id}/"]').count() == 0
    page.fill("[data-repaired-form] input[name=text]", "Adaptor daya diganti")
    page.click("[data-repaired-form] button")
    page.wait_for_selector('[data-ticket-status="diperbaiki"]')
    page.wait_for_selector("[data-notes] :text('Adaptor daya diganti')")

    with running_streams([KJ], tmp_path):
        back = health().online_changed_at  # the stream is back
    sweep(now=back + timedelta(minutes=15))
    page.reload()
    page.wait_for_selector('[data-ticket-status="ditutup"]')
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED and ticket.repaired_by.username == TECHNICIAN


def test_staff_open_a_ticket_by_hand_from_the_camera_page(open_page, demo_maintenance):
    camera = demo_maintenance[KJ]
    page = open_page("/accounts/login/")
    sign_in(page, "staf.kebonjeruk", PASSWORD)
    page.goto(f"/kamera/{camera.pk}/")
    page.click("[data-ticket-open]")
    page.select_option("select[name=reason]", "terhalang")
    page.fill("textarea[name=description]", "Tertutup spanduk kampanye")
    page.click("[data-ticket-open-form] button")
    page.wait_for_selector('[data-ticket-status="terbuka"]')
    ticket = Ticket.objects.get(camera=camera)
    assert (ticket.reason, ticket.opened_by.username) == ("terhalang", "staf.kebonjeruk")
    assert ticket.maintainer.name == "CV Kamera Barat (demo)"
