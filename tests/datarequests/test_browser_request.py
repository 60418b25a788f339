"""In real Chromium: a citizen files a footage request on the public page (no account), staff
in the area verify and grant it within the deadline, and the citizen's secret status page
shows it granted."""

import re

import pytest
from PIL import Image

from datarequests.models import DataRequest
from tests.browser import sign_in
from tests.personas import KEBON_JERUK, PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_a_citizen_files_staff_grant_in_time_and_the_status_page_says_granted(
    open_page, demo_users, tmp_path
):
    document = tmp_path / "ktp.jpg"
    Image.new("RGB", (400, 250), "#c0d0e0").save(document, "JPEG")

    citizen = open_page("/statistik/")
    citizen.click("text=Ajukan permohonan")
    citizen.wait_for_url(re.compile(r"/permohonan-data/$"))
    citizen.fill("#id_name", "Siti Aminah")
    citizen.fill("#id_contact", "siti@contoh.test")
    citizen.select_option("#id_area", KEBON_JERUK)
    citizen.fill("#id_period_start", "2026-01-05T07:00")
    citizen.fill("#id_period_end", "2026-01-05T07:30")
    citizen.fill("#id_reason", "Motor saya diserempet di depan halte.")
    citizen.set_input_files("#id_id_document", str(document))
    citizen.check("#id_consent")
    citizen.click("text=Kirim permohonan")
    citizen.wait_for_selector("[data-fresh]")
    link = citizen.inner_text("[data-status-link]")
    assert citizen.get_attribute("[data-request-status]", "data-request-status") == "diterima"

    data_request = DataRequest.objects.get()
    assert data_request.number in citizen.inner_text("h1")
    assert data_request.area_id == KEBON_JERUK

    staff = open_page("/accounts/login/")
    sign_in(staff, "staf.kebonjeruk", PASSWORD)
    staff.goto("/permohonan/")
    staff.click(f"text={data_request.number}")
    staff.wait_for_selector('[data-request-status="diterima"]')
    staff.click("[data-action=verify]")
    staff.wait_for_selector('[data-request-status="diverifikasi"]')
    staff.fill("#id_note", "Rekaman dapat diunduh melalui tautan status.")
    staff.click("[data-action=grant]")
    staff.wait_for_selector('[data-request-status="dikabulkan"]')

    data_request.refresh_from_db()
    assert data_request.answered_at <= data_request.due_at  # within the 3x24 h deadline

    citizen.goto(link)
    citizen.wait_for_selector('[data-request-status="dikabulkan"]')
    assert "Rekaman dapat diunduh melalui tautan status." in citizen.inner_text("main")
