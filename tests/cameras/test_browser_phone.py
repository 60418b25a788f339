"""A phone on a slow network, in real Chromium with real HLS from the stream supervisor: the
wall in snapshot mode (stills, no video elements), a tapped camera playing on the low
rendition, and the "Hemat data" switch remembered on the device."""

import re

import pytest

from cameras import gate
from tests.browser import PHONE, sign_in
from tests.personas import PASSWORD

pytest_plugins = ["tests.streams"]
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

KJ, KJ_OTHER, TB = "kebonjeruk-simpang", "kebonjeruk-sekolah", "tebet-eco-park-utara"
# The network of issue 14's figures: 1.6 Mbit/s down, 750 kbit/s up, 150 ms round trip.
SLOW_3G = {
    "offline": False,
    "latency": 150,
    "downloadThroughput": 1_600_000 / 8,
    "uploadThroughput": 750_000 / 8,
}
STILLS_SHOWN = """count => {
    const stills = [...document.querySelectorAll("img.player-still")];
    return stills.length === count && stills.every((img) => img.complete && img.naturalWidth > 0);
}"""
PLAYS = """code => {
    const video = document.querySelector(`[data-code='${code}'] video`);
    return video && video.currentTime > 1;
}"""

ATTACHED = """([code, playlist]) => {
    const player = document.querySelector(`[data-code='${code}']`).player;
    return Boolean(player && player.attachedUrl && player.attachedUrl.endsWith(playlist));
}"""


@pytest.fixture(autouse=True)
def _fresh_gate(settings):
    settings.SNAPSHOT_SECONDS = 2  # the stills of the supervisor and the wall's refreshes
    gate.forget_decisions()
    yield
    gate.forget_decisions()


def phone_on_a_slow_network(open_page, username):
    page = open_page("/accounts/login/", **PHONE)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW_3G)
    sign_in(page, username, PASSWORD)
    return page


def test_volunteer_sees_stills_and_taps_one_camera_live_on_the_low_rendition(
    open_page, demo_users, demo_cameras, live_streams
):
    live_streams(KJ, KJ_OTHER)
    page = phone_on_a_slow_network(open_page, "fkdm.kebonjeruk")
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    ids = f"{demo_cameras[KJ].pk},{demo_cameras[KJ_OTHER].pk}"
    page.goto(f"/dinding/?n=4&k={ids}")

    # Snapshot mode: a still per camera, and no video anywhere.
    page.wait_for_function(STILLS_SHOWN, arg=2, timeout=30_000)
    assert page.locator("video").count() == 0
    assert page.is_checked("[data-saver-switch]")  # Hemat data: on by default on a phone
    assert not [url for url in requested if "/streams/" in url]
    stills = [url for url in requested if url.endswith("/snapshot/")]
    assert {f"/api/v1/cameras/{demo_cameras[code].pk}/snapshot/" for code in (KJ, KJ_OTHER)} == {
        re.sub(r"^https?://[^/]+", "", url) for url in stills
    }

    # Tap for live: that camera plays, on the low rendition only; the other stays a still.
    page.locator(f'[data-code="{KJ}"] [data-action=live]').tap()
    page.wait_for_function(PLAYS, arg=KJ, timeout=30_000)
    assert page.locator("video").count() == 1
    assert page.get_attribute(f'[data-code="{KJ}"]', "data-rendition") == "low"
    media = [url for url in requested if "/streams/" in url]
    # Straight to the low rendition's own playlist: no round trip through the master.
    assert any(url.endswith("/low.m3u8") for url in media)
    assert not any(url.endswith("/live.m3u8") for url in media), media
    assert any(re.search(r"/low\d+\.ts", url) for url in media)
    assert not any(re.search(r"/seg\d+\.ts", url) for url in media), media  # never the main
    assert page.locator(f'[data-code="{KJ_OTHER}"] img.player-still').count() == 1


def test_tebet_barat_volunteer_gets_no_kebon_jeruk_still(open_page, demo_users, demo_cameras):
    page = phone_on_a_slow_network(open_page, "fkdm.tebetbarat")
    page.goto(f"/dinding/?n=4&k={demo_cameras[KJ].pk}")
    assert page.locator(f'[data-tile="{KJ}"]').count() == 0
    answer = page.request.get(f"/api/v1/cameras/{demo_cameras[KJ].pk}/snapshot/")
    assert answer.status == 404


def test_hemat_data_switch_is_remembered_on_the_device(
    open_page, demo_users, demo_cameras, live_streams
):
    live_streams(KJ)
    page = phone_on_a_slow_network(open_page, "fkdm.kebonjeruk")
    page.goto(f"/dinding/?n=1&k={demo_cameras[KJ].pk}")
    page.wait_for_function(STILLS_SHOWN, arg=1, timeout=30_000)
    page.uncheck("[data-saver-switch]")  # video on the phone again, all renditions allowed
    page.wait_for_function(PLAYS, arg=KJ, timeout=30_000)
    page.reload()
    assert not page.is_checked("[data-saver-switch]")
    page.wait_for_function(PLAYS, arg=KJ, timeout=30_000)
    assert page.locator("img.player-still").count() == 0


def test_switching_hemat_data_on_the_camera_page_moves_between_master_and_low(
    open_page, demo_users, demo_cameras, live_streams
):
    """Hemat data plays the low rendition's own playlist; off, the player moves to the master
    (hls.js chooses), and back on, to the low playlist again."""
    live_streams(KJ)
    page = phone_on_a_slow_network(open_page, "fkdm.kebonjeruk")
    requested = []
    page.on("request", lambda request: requested.append(request.url.split("?")[0]))
    page.goto(f"/kamera/{demo_cameras[KJ].pk}/")
    page.wait_for_function(PLAYS, arg=KJ, timeout=30_000)
    assert page.get_attribute(f'[data-code="{KJ}"]', "data-rendition") == "low"
    assert not any(url.endswith("/live.m3u8") for url in requested)
    for switch, playlist in ((page.uncheck, "/live.m3u8"), (page.check, "/low.m3u8")):
        switch("[data-saver-switch]")
        page.wait_for_function(ATTACHED, arg=[KJ, playlist], timeout=30_000)
        page.wait_for_function(PLAYS, arg=KJ, timeout=30_000)
    page.wait_for_function(
        "(code) => document.querySelector(`[data-code='${code}']`).dataset.rendition === 'low'",
        arg=KJ,
        timeout=30_000,
    )
    assert any(url.endswith("/live.m3u8") for url in requested)
