"""Nothing lost offline, in real Chromium on a phone: an FKDM volunteer loses the network, writes
an observation on the piket page and reports an incident with a photo in another tab, reloads
(the offline page shows what waits), and when the network returns each arrives exactly once,
although both tabs and the browser's Background Sync ask for it at the same moment (the
idempotency keys). The service worker sends what waits with every tab of the portal closed, and
keeps what met an ended session until its author signs in again.

Chromium under Playwright fires Background Sync when the context's emulated network comes back
(`context.set_offline(False)`), and the service worker's own fetches obey the emulation too."""

from importlib import import_module

import pytest
from django.conf import settings

from common.models import IdempotencyKey
from incidents.models import Incident
from shifts.models import ShiftNote
from tests.browser import PHONE, sign_in
from tests.incident_helpers import image_bytes, jpeg_with_gps
from tests.personas import KEBON_JERUK, PASSWORD
from tests.shift_helpers import wait_past_shift_change
from tests.waiting import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CONTROLLED = "() => navigator.serviceWorker.controller !== null"
WAITING = "[data-offline-queue]:not([hidden]) [data-offline-count]"
# Read in the service worker: what waits in its queue, and the Background Sync still pending.
QUEUED = """() => self.jakcctvOffline.all()
  .then((items) => items.map((i) => ({kind: i.kind, signin: !!i.signin})))"""
SYNCS = "() => self.registration.sync.getTags()"


def test_a_note_and_a_report_written_offline_arrive_once(open_page, demo_users):
    wait_past_shift_change(180)
    piket = open_page("/accounts/login/", **PHONE)
    context = piket.context
    sign_in(piket, "fkdm.kebonjeruk", PASSWORD)
    # The first page installs the service worker; pages opened after it are in its hands.
    piket.wait_for_function(CONTROLLED, timeout=30_000)
    piket.goto("/piket/")
    assert piket.evaluate(CONTROLLED)
    report = context.new_page()
    report.goto("/kejadian/baru/")

    context.set_offline(True)
    piket.fill("textarea[name=text]", "Genangan 30 cm di gang Masjid")
    piket.click("[data-note-submit]")
    piket.wait_for_selector(WAITING)
    assert piket.inner_text(WAITING) == "Menunggu sinyal: 1 belum terkirim"
    assert piket.input_value("textarea[name=text]") == ""  # kept in the queue, not on the form

    report.select_option("#id_category", "banjir")
    report.fill("#id_description", "Air masuk rumah warga")
    report.set_input_files(
        "#id_photo",
        files=[{"name": "banjir.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_gps()}],
    )
    report.locator("text=Kirim laporan").click()
    report.wait_for_selector(f"{WAITING}:has-text('2 belum terkirim')")
    assert "Laporan kejadian: Air masuk rumah warga · dengan foto" in report.inner_text(
        "[data-offline-queue]"
    )
    assert not ShiftNote.objects.exists() and not Incident.objects.exists()

    piket.reload()  # still offline: the service worker's offline page, with what waits
    assert "Anda sedang offline" in piket.inner_text("h1")
    piket.wait_for_selector(f"{WAITING}:has-text('2 belum terkirim')")

    context.set_offline(False)  # both tabs and Background Sync ask for a send, at once
    piket.wait_for_selector("h1:not(:has-text('Anda sedang offline'))")
    wait_for(lambda: Incident.objects.exists() and ShiftNote.objects.exists(), timeout=40)
    for page in (piket, report):
        page.wait_for_selector("[data-offline-queue][hidden]", state="attached", timeout=40_000)

    note = ShiftNote.objects.get()
    assert (note.text, note.author.username, note.kind) == (
        "Genangan 30 cm di gang Masjid",
        "fkdm.kebonjeruk",
        "pengamatan",
    )
    incident = Incident.objects.get()
    assert (incident.category, incident.area_id, incident.description) == (
        "banjir",
        KEBON_JERUK,
        "Air masuk rumah warga",
    )
    assert incident.attachments.count() == 1
    assert IdempotencyKey.objects.count() == 2
    piket.goto("/piket/")
    assert piket.locator("[data-note-text]:has-text('Genangan 30 cm di gang Masjid')").count() == 1


def test_a_photo_over_the_limit_is_not_kept_offline(open_page, demo_users, settings):
    settings.INCIDENT_ATTACHMENT_MAX_BYTES = 1024 * 1024
    page = open_page("/accounts/login/", **PHONE)
    sign_in(page, "fkdm.kebonjeruk", PASSWORD)
    page.goto("/kejadian/baru/")
    page.context.set_offline(True)
    page.select_option("#id_category", "banjir")
    page.fill("#id_description", "Air setinggi lutut")
    big = image_bytes("BMP", size=(600, 600))  # 1.03 MB, over the limit
    page.set_input_files(
        "#id_photo", files=[{"name": "besar.bmp", "mimeType": "image/bmp", "buffer": big}]
    )
    said = []
    page.on("dialog", lambda dialog: (said.append(dialog.message), dialog.dismiss()))
    page.locator("text=Kirim laporan").click()
    wait_for(lambda: page.evaluate("1") and said, timeout=10, message="the warning")
    assert said == ["Foto lebih besar dari 1 MB tidak dapat disimpan untuk dikirim nanti."]
    assert page.locator("[data-offline-queue]").is_hidden()
    assert page.input_value("#id_description") == "Air setinggi lutut"  # nothing typed is lost


def _write_offline(open_page):
    """Signed in as the Kebon Jeruk volunteer, offline: an observation on the piket page and a
    report with a photo in another tab, both waiting in the browser. Answers both pages."""
    piket = open_page("/accounts/login/", **PHONE)
    context = piket.context
    sign_in(piket, "fkdm.kebonjeruk", PASSWORD)
    piket.wait_for_function(CONTROLLED, timeout=30_000)
    piket.goto("/piket/")
    report = context.new_page()
    report.goto("/kejadian/baru/")
    context.set_offline(True)
    piket.fill("textarea[name=text]", "Pohon tumbang di Jl. Kebon Jeruk Raya")
    piket.click("[data-note-submit]")
    piket.wait_for_selector(WAITING)
    report.select_option("#id_category", "banjir")
    report.fill("#id_description", "Air masuk rumah warga")
    report.set_input_files(
        "#id_photo",
        files=[{"name": "banjir.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_gps()}],
    )
    report.locator("text=Kirim laporan").click()
    report.wait_for_selector(f"{WAITING}:has-text('2 belum terkirim')")
    return piket, report


def test_the_service_worker_sends_what_waits_with_the_portal_closed(open_page, demo_users):
    wait_past_shift_change(180)
    piket, report = _write_offline(open_page)
    context = piket.context
    worker = context.service_workers[0]
    assert worker.evaluate(SYNCS) == ["jakcctv-offline"]  # asked for, not fired: no network
    assert worker.evaluate(QUEUED) == [
        {"kind": "pengamatan", "signin": False},
        {"kind": "laporan", "signin": False},
    ]
    # A copy of what waits, to send it once more after the worker has (an answer lost on the way).
    worker.evaluate("() => self.jakcctvOffline.all().then((items) => { self.copies = items; })")
    piket.close()
    report.close()  # no page of the portal is left: only the service worker can send

    context.set_offline(False)  # the browser fires Background Sync
    wait_for(lambda: Incident.objects.exists() and ShiftNote.objects.exists(), timeout=40)
    wait_for(lambda: worker.evaluate(QUEUED) == [], timeout=20, message="an empty queue")
    assert worker.evaluate(SYNCS) == []

    again = worker.evaluate(
        """() => Promise.all(self.copies.map((item) => self.jakcctvOffline.send(item, item.csrf)))
        .then((results) => results.map((result) => result.outcome))"""
    )
    assert again == ["sent", "sent"]  # answered from the first time, made nothing new
    note, incident = ShiftNote.objects.get(), Incident.objects.get()
    assert (note.text, note.author.username) == (
        "Pohon tumbang di Jl. Kebon Jeruk Raya",
        "fkdm.kebonjeruk",
    )
    assert (incident.description, incident.attachments.count()) == ("Air masuk rumah warga", 1)
    assert IdempotencyKey.objects.count() == 2

    # The volunteer opens the portal again: nothing waits, nothing is sent twice.
    page = context.new_page()
    page.goto("/piket/")
    page.wait_for_selector("[data-offline-queue][hidden]", state="attached")
    assert page.locator("[data-note-text]:has-text('Pohon tumbang')").count() == 1


def test_what_meets_an_ended_session_waits_for_the_next_sign_in(open_page, demo_users):
    wait_past_shift_change(180)
    piket, report = _write_offline(open_page)
    context = piket.context
    worker = context.service_workers[0]
    report.close()
    # The session ends while the phone is offline (it lapsed, or was ended from another device).
    cookies = {cookie["name"]: cookie["value"] for cookie in context.cookies()}
    session = cookies[settings.SESSION_COOKIE_NAME]
    import_module(settings.SESSION_ENGINE).SessionStore(session_key=session).delete()

    context.set_offline(False)  # the worker sends: the portal answers with its sign-in page
    wait_for(
        lambda: (
            worker.evaluate(QUEUED)
            == [{"kind": "pengamatan", "signin": True}, {"kind": "laporan", "signin": True}]
        ),
        timeout=40,
        message="both items kept for a sign-in",
    )
    assert not ShiftNote.objects.exists() and not Incident.objects.exists()

    sign_in(piket, "fkdm.kebonjeruk", PASSWORD)  # a new session and a new CSRF token
    wait_for(lambda: Incident.objects.exists() and ShiftNote.objects.exists(), timeout=40)
    wait_for(lambda: worker.evaluate(QUEUED) == [], timeout=20, message="an empty queue")
    assert ShiftNote.objects.get().author.username == "fkdm.kebonjeruk"
    assert Incident.objects.get().attachments.count() == 1


def test_without_a_service_worker_the_page_sends_what_waits(open_page, demo_users):
    """A browser whose service worker is not there (the first visit, or none at all)."""
    wait_past_shift_change(120)
    page = open_page("/accounts/login/", service_workers="block", **PHONE)
    sign_in(page, "fkdm.kebonjeruk", PASSWORD)
    page.goto("/piket/")
    assert not page.evaluate(
        "() => !!(navigator.serviceWorker && navigator.serviceWorker.controller)"
    )
    page.context.set_offline(True)
    page.fill("textarea[name=text]", "Lampu taman padam")
    page.click("[data-note-submit]")
    page.wait_for_selector(f"{WAITING}:has-text('1 belum terkirim')")
    page.context.set_offline(False)  # the page itself hears the network come back
    page.wait_for_selector("[data-offline-queue][hidden]", state="attached", timeout=40_000)
    assert ShiftNote.objects.get().text == "Lampu taman padam"


def test_what_the_server_refuses_stays_listed_as_refused(open_page, demo_users):
    wait_past_shift_change(120)
    page = open_page("/accounts/login/", **PHONE)
    sign_in(page, "fkdm.kebonjeruk", PASSWORD)
    page.wait_for_function(CONTROLLED, timeout=30_000)
    page.goto("/piket/")
    page.context.set_offline(True)
    page.fill("textarea[name=text]", "Catatan yang akan ditolak")
    page.click("[data-note-submit]")
    page.wait_for_selector(f"{WAITING}:has-text('1 belum terkirim')")
    # By the time it arrives the server no longer accepts it (here: an empty note, a form error).
    page.context.service_workers[0].evaluate(
        """() => self.jakcctvOffline.all().then(([item]) => self.jakcctvOffline.put(
          {...item, fields: item.fields.map(([n, v]) => [n, n === "text" ? "" : v])}
        ))"""
    )
    page.context.set_offline(False)
    row = page.locator("[data-offline-item]:has-text('ditolak server, tidak dikirim ulang')")
    row.wait_for(timeout=40_000)
    assert page.inner_text(WAITING) == "Menunggu sinyal: 0 belum terkirim"
    assert not ShiftNote.objects.exists()
    page.reload()  # not sent again on its own; the person reads it, then removes it
    row.wait_for()
    assert not ShiftNote.objects.exists()
    row.locator("button:has-text('Hapus')").click()
    page.wait_for_selector("[data-offline-queue][hidden]", state="attached")
