"""In real Chromium: a piket officer checks in and writes a note on a phone; kelurahan staff close
the shift with a handover, and the next shift's page shows it first."""

import time

import pytest

from shifts.models import Shift, ShiftNote
from tests.browser import PHONE, sign_in
from tests.personas import PASSWORD
from tests.shift_helpers import wait_past_shift_change

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"viewport": {"width": 1280, "height": 800}}
FOCUSED = "() => document.activeElement?.matches('textarea[name=text]') ?? false"
NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture(autouse=True)
def _not_at_a_shift_change():
    wait_past_shift_change(120)


def signed_in_page(open_page, username, **options):
    page = open_page("/accounts/login/", **options)
    sign_in(page, username, PASSWORD)
    return page


def test_piket_checks_in_and_writes_a_note_on_a_phone(open_page, demo_users, capsys):
    page = signed_in_page(open_page, "piket.kebonjeruk", **PHONE)
    page.goto("/piket/")
    page.click("[data-check-in]")
    page.wait_for_selector('[data-duty="piket.kebonjeruk"]')
    assert page.is_visible("[data-check-out]")

    # From the page loaded to the note on screen: the box is focused, type, one tap.
    started = time.perf_counter()
    page.goto("/piket/")
    loaded = time.perf_counter()
    assert page.evaluate(FOCUSED)
    page.keyboard.type("Gang Masjid ramai, dipantau dari kamera")
    typed = time.perf_counter()
    page.tap("[data-note-submit]")
    page.wait_for_selector("[data-note-text]:has-text('Gang Masjid ramai, dipantau dari kamera')")
    shown = time.perf_counter()

    note = ShiftNote.objects.get()
    assert (note.author.username, note.kind) == ("piket.kebonjeruk", "catatan")
    first = page.locator("[data-note]").first
    assert first.get_attribute("id") == f"catatan-{note.pk}"
    assert page.evaluate(FOCUSED)  # ready for the next note at once
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    box = page.locator("[data-note-submit]").bounding_box()
    # One tap, no scrolling: above the bottom navigation bar (64 px) of an 844 px screen.
    assert box["height"] >= 44 and box["y"] + box["height"] <= 844 - 64
    with capsys.disabled():
        print(
            f"\n[piket note on a phone] page load {1000 * (loaded - started):.0f} ms, "
            f"typing (Playwright) {1000 * (typed - loaded):.0f} ms, "
            f"tap → note shown {1000 * (shown - typed):.0f} ms; "
            f"load → note shown {1000 * (shown - started):.0f} ms"
        )


def test_staff_close_the_shift_and_the_next_shift_sees_the_handover_first(open_page, demo_users):
    page = signed_in_page(open_page, "staf.kebonjeruk", **DESKTOP)
    page.goto("/piket/")
    # Ctrl+Enter sends a note on a desktop.
    page.keyboard.type("Pompa air RW 05 dicek")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("[data-note-text]:has-text('Pompa air RW 05 dicek')")
    closing = Shift.objects.get()

    page.fill(
        "textarea[name=handover]",
        "Pompa RW 05 menyala lagi.\nKamera pasar buram: sudah dilaporkan.",
    )
    page.click("[data-close-form] button[type=submit]")
    page.wait_for_selector("[data-handover]")
    closing.refresh_from_db()
    assert closing.closed_at is not None and closing.closed_by.username == "staf.kebonjeruk"

    following = Shift.objects.exclude(pk=closing.pk).get()
    assert following.starts_at == closing.ends_at
    assert page.inner_text("h1").startswith(following.slot.label)
    handover = page.locator("[data-handover]")
    assert handover.is_visible()
    assert "Kamera pasar buram: sudah dilaporkan." in handover.inner_text()
    # First on the page: above the note box, the duty list and the notes.
    order = page.evaluate(
        "() => [...document.querySelectorAll('main [data-handover], main [data-note-form], "
        "main .duty, main .notes')].map(e => e.className.split(' ').pop())"
    )
    assert order[0] == "handover", order
    assert handover.bounding_box()["y"] < page.locator("[data-note-form]").bounding_box()["y"]

    # The officer of the next shift, on a phone, sees it first too.
    phone = signed_in_page(open_page, "piket.kebonjeruk", **PHONE)
    phone.goto("/piket/")
    handover = phone.locator("[data-handover]")
    assert handover.is_visible() and "Pompa RW 05 menyala lagi." in handover.inner_text()
    assert handover.bounding_box()["y"] < phone.locator("[data-note-form]").bounding_box()["y"]
    assert phone.evaluate(NO_SIDEWAYS_SCROLL)
