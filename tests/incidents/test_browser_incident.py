"""In real Chromium: a piket officer checks in, writes a note, raises an incident from a live
camera page with the frame on screen attached and escalates it until the city operator sees it;
an FKDM volunteer reports from a phone with its GPS position and a photo from its camera."""

import re

import pytest
from PIL import Image

from incidents.models import Incident
from shifts.models import ShiftNote
from tests.browser import PHONE, sign_in
from tests.incident_helpers import jpeg_with_gps
from tests.personas import BANDUNG, KEBON_JERUK, KEBON_JERUK_POINT, PASSWORD
from tests.shift_helpers import wait_past_shift_change

# The `live_streams` fixture: real HLS from the stream supervisor (cameras/supervisor.py).
pytest_plugins = ["tests.streams"]
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _not_at_a_shift_change():
    wait_past_shift_change(120)


KJ = "kebonjeruk-simpang"
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
VIDEO_TIME = "() => document.querySelector('[data-player] video').currentTime"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def signed_in_page(open_page, username, **options):
    page = open_page("/accounts/login/", **options)
    sign_in(page, username, PASSWORD)
    return page


def _no_sideways_scroll(page):
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], widths


def test_piket_reports_from_a_camera_with_its_frame_and_escalates_to_the_city(
    open_page, demo_users, demo_cameras, live_streams
):
    live_streams(KJ)
    camera = demo_cameras[KJ]
    page = signed_in_page(open_page, "piket.kebonjeruk", **DESKTOP)
    # The shift first: check in, write what is seen.
    page.goto("/piket/")
    page.click("[data-check-in]")
    page.wait_for_selector('[data-duty="piket.kebonjeruk"]')
    page.fill("textarea[name=text]", "Simpang Kebon Jeruk mulai ramai pemuda")
    page.click("[data-note-submit]")
    page.wait_for_selector("[data-note-text]:has-text('Simpang Kebon Jeruk mulai ramai pemuda')")
    assert ShiftNote.objects.get().author.username == "piket.kebonjeruk"

    page.goto(f"/kamera/{camera.pk}/")
    page.wait_for_function(f"() => ({VIDEO_TIME})() > 0.5", timeout=30_000)

    page.click("[data-incident-from-camera]")
    page.wait_for_url(re.compile(rf"/kejadian/baru/\?kamera={camera.pk}&gambar=\d+$"))
    page.wait_for_selector("[data-incident-form][data-snapshot-ready]")
    assert page.is_visible("[data-photo-preview] img")
    caption = page.inner_text("[data-photo-caption]")
    assert re.fullmatch(r"Gambar dari kamera, diambil \d{2}\.\d{2} WIB", caption), caption
    assert page.evaluate("document.querySelector('#id_photo').files[0].type") == "image/png"
    page.select_option("#id_category", "tawuran")
    page.click("label.chip:has(input[value=darurat])")
    page.fill("#id_description", "Dua kelompok pemuda saling lempar batu")
    page.click("text=Kirim laporan")
    page.wait_for_url(re.compile(r"/kejadian/\d+/$"))

    incident = Incident.objects.get()
    assert (incident.camera_id, incident.area_id, incident.severity, incident.source) == (
        camera.pk,
        KEBON_JERUK,
        "darurat",
        "kamera",
    )
    attachment = incident.attachments.get()
    assert attachment.content_type == "image/png"
    with Image.open(attachment.image.path) as frame:
        assert frame.size == (320, 180)  # the demo stream's size: a real frame of the video
        low, high = frame.convert("L").getextrema()
        assert high - low > 50  # a picture, not a blank canvas
    page.wait_for_function("() => document.querySelector('.attachments img').naturalWidth === 320")
    assert page.inner_text("[data-reporter]") == "Anda"

    for level in ("Kecamatan", "Kota"):
        page.click("[data-action-form=naikkan] button[type=submit]")
        page.wait_for_selector(".message.success:has-text('Kejadian dinaikkan satu tingkat.')")
        assert page.get_attribute("[data-incident-level]", "data-incident-level") == level.lower()
    events = page.locator("[data-event]").evaluate_all("items => items.map(i => i.dataset.event)")
    assert events == ["dibuat", "lampiran", "dinaikkan", "dinaikkan"]

    operator = signed_in_page(open_page, "operator.jakbar", **DESKTOP)
    operator.goto("/kejadian/")
    row = operator.locator(f'[data-incident="{incident.pk}"]')
    assert row.is_visible() and "Kota" in row.inner_text()
    row.locator("a.incident-title").click()
    operator.wait_for_url(f"**/kejadian/{incident.pk}/")
    assert "piket.kebonjeruk" in operator.inner_text("[data-reporter]")  # an operator may see
    operator.click("[data-action-form=terima] button[type=submit]")
    operator.wait_for_selector(".message.success:has-text('Kejadian diterima.')")


@pytest.fixture
def boundaries(demo_users, official_areas):
    """The official list and kelurahan boundaries, so a GPS point finds its kelurahan."""


def _phone(open_page, where):
    lat, lon = where
    location = {"latitude": lat, "longitude": lon, "accuracy": 12}
    page = open_page("/accounts/login/", **PHONE, geolocation=location, permissions=["geolocation"])
    sign_in(page, "fkdm.kebonjeruk", PASSWORD)
    page.goto("/kejadian/baru/")
    page.select_option("#id_category", "banjir")
    page.fill("#id_description", "Air masuk rumah warga setinggi lutut")
    page.locator("label.chip:has(input[value=gps])").tap()
    page.wait_for_selector("[data-incident-form][data-located]")
    return page


def test_volunteer_reports_from_a_phone_with_gps_and_a_photo(open_page, boundaries):
    page = _phone(open_page, KEBON_JERUK_POINT)
    assert not page.is_visible("#id_area")  # the position decides the kelurahan
    shown = page.inner_text("[data-location]")
    assert shown == "Lokasi Anda: -6.19370, 106.76950 (akurasi ±12 m)"
    assert page.get_attribute("#id_photo", "capture") == "environment"
    page.set_input_files(
        "#id_photo",
        files=[{"name": "banjir.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_gps()}],
    )
    assert page.is_visible("[data-photo-preview] img")
    for target in page.locator("main button, main .chip, main select").all():
        box = target.bounding_box()
        if box:
            assert box["height"] >= 44, target  # thumb-sized
    _no_sideways_scroll(page)
    page.locator("text=Kirim laporan").tap()
    page.wait_for_url(re.compile(r"/kejadian/\d+/$"))

    incident = Incident.objects.get()
    assert (incident.area_id, incident.lat, incident.lon, incident.source) == (
        KEBON_JERUK,
        KEBON_JERUK_POINT[0],
        KEBON_JERUK_POINT[1],
        "ponsel",
    )
    with Image.open(incident.attachments.get().image.path) as photo:
        assert dict(photo.getexif()) == {} and photo.size == (32, 64)  # upright, no GPS
    assert page.inner_text("[data-reporter]") == "Anda"
    _no_sideways_scroll(page)


def test_a_phone_outside_jakarta_is_told_so(open_page, boundaries):
    page = _phone(open_page, BANDUNG)
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.locator("text=Kirim laporan").tap()
    assert posted.value.status == 400
    error = page.inner_text(".where .errorlist")
    assert "Titik ini berada di luar wilayah DKI Jakarta" in error
    # What was typed and the position are still there.
    assert page.input_value("#id_description") == "Air masuk rumah warga setinggi lutut"
    assert page.inner_text("[data-location]").startswith("Lokasi Anda: -6.91750, 107.61910")
    assert not Incident.objects.exists()
