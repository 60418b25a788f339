"""In real Chromium: the piket officer saves the default clip from the incident page and
escalates the incident; the kecamatan operator opens it, plays the clip and reads its hash."""

import re

import pytest

from evidence.models import Clip
from tests.browser import sign_in
from tests.incident_helpers import kecamatan_operators
from tests.personas import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


def test_saved_clip_is_played_by_the_kecamatan_operator_with_its_hash(open_page, recorded):
    incident = recorded["incident"]
    page = open_page("/accounts/login/", **DESKTOP)
    sign_in(page, "piket.kebonjeruk", PASSWORD)
    page.goto(f"/kejadian/{incident.pk}/")
    page.click("[data-action-form=simpan-rekaman] button[type=submit]")
    page.wait_for_url(re.compile(r"/bukti/\d+/$"))
    clip = Clip.objects.get()
    assert page.inner_text("[data-clip-sha256]") == clip.sha256
    assert (clip.end - clip.start).total_seconds() == 300

    page.goto(f"/kejadian/{incident.pk}/")
    page.click("[data-action-form=naikkan] button[type=submit]")
    page.wait_for_selector("[data-incident-level=kecamatan]")

    kecamatan_operators()
    operator = open_page("/accounts/login/", **DESKTOP)
    sign_in(operator, "operator.kec.kebonjeruk", PASSWORD)
    operator.goto(f"/kejadian/{incident.pk}/")
    operator.click(f"[data-clip='{clip.pk}'] a")
    operator.wait_for_url(f"**/bukti/{clip.pk}/")
    assert operator.inner_text("[data-clip-sha256]") == clip.sha256
    operator.evaluate("document.querySelector('[data-clip-video]').play()")
    operator.wait_for_function(
        "() => document.querySelector('[data-clip-video]').currentTime > 1", timeout=30_000
    )
    duration = operator.evaluate("document.querySelector('[data-clip-video]').duration")
    assert 299 <= duration <= 301
    assert clip.events.filter(kind="dilihat", actor__username="operator.kec.kebonjeruk").exists()
