"""In real Chromium with real HLS from the stream supervisor: live video plays through the gate,
every other way to another area's video is refused, the wall behaves on desktop and phone, the
map shows its markers without tiles, and the public page plays for anyone."""

import re
import time

import pytest
from django.core import signing

from cameras import gate
from cameras.models import Camera, ViewingSession
from tests.browser import PHONE, sign_in
from tests.personas import PASSWORD

# The `live_streams` fixture: real HLS from the stream supervisor (cameras/supervisor.py).
pytest_plugins = ["tests.streams"]
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

KJ, KJ_OTHER, TB = "kebonjeruk-simpang", "kebonjeruk-sekolah", "tebet-eco-park-utara"
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
# Functions, not expressions: the page's CSP forbids eval, which Playwright uses for those.
VIDEO_TIME = (
    "code => document.querySelector(`[data-player][data-code='${code}'] video`).currentTime"
)
STATE_IS = (
    "([code, state]) => document.querySelector(`[data-code='${code}']`).dataset.state === state"
)


@pytest.fixture(autouse=True)
def _fresh_gate():
    gate.forget_decisions()
    yield
    gate.forget_decisions()


def signed_in_page(open_page, username, **options):
    page = open_page("/accounts/login/", **options)
    sign_in(page, username, PASSWORD)
    return page


def wait_until_playing(page, code, seconds=2.0, timeout=30_000):
    """Wait until `code`'s video has played `seconds` more than when first seen moving."""
    moved = f"([code, after]) => ({VIDEO_TIME})(code) > after"
    page.wait_for_function(moved, arg=[code, 0.2], timeout=timeout)
    start = page.evaluate(VIDEO_TIME, code)
    page.wait_for_function(moved, arg=[code, start + seconds], timeout=timeout)
    return page.evaluate(VIDEO_TIME, code)


def wait_for_state(page, code, state):
    page.wait_for_function(STATE_IS, arg=[code, state])


def player_state(page, code):
    return page.eval_on_selector(f'[data-player][data-code="{code}"]', "p => p.dataset.state")


def test_volunteer_watches_a_kebon_jeruk_camera_live(
    open_page, demo_users, demo_cameras, live_streams, settings
):
    settings.STREAM_TOKEN_SECONDS = 8  # so that the test sees the token refreshed twice
    live_streams(KJ)
    page = signed_in_page(open_page, "fkdm.kebonjeruk", **DESKTOP)
    video_requests = []
    page.on("request", lambda r: "/streams/" in r.url and video_requests.append(r))
    page.goto(f"/kamera/{demo_cameras[KJ].pk}/")

    wait_until_playing(page, KJ, seconds=12)  # outlives the first token and its successor
    assert player_state(page, KJ) == "playing"
    assert page.evaluate("document.querySelector('video').muted")
    # The token travels in the Authorization header, never in the URL.
    assert video_requests and any(r.url.endswith(".ts") for r in video_requests)
    for request in video_requests:
        assert request.headers.get("authorization", "").startswith("Bearer "), request.url
        assert "token=" not in request.url
    tokens = {r.headers["authorization"] for r in video_requests}
    assert len(tokens) >= 2  # refreshed before expiry ...
    viewing = ViewingSession.objects.get(user=demo_users["fkdm.kebonjeruk"])
    assert viewing.camera.code == KJ and viewing.mode == "embedded"  # ... in one viewing session

    with page.expect_download() as download:
        page.click("[data-action=snapshot]")
    assert re.fullmatch(rf"{KJ}-\d{{8}}-\d{{6}}\.png", download.value.suggested_filename)
    with open(download.value.path(), "rb") as png:
        assert png.read(8) == b"\x89PNG\r\n\x1a\n"

    page.click("[data-action=fullscreen]")
    page.wait_for_function("code => document.fullscreenElement?.dataset.code === code", arg=KJ)


def test_a_stream_that_stops_shows_offline_since_and_comes_back(
    open_page, demo_users, demo_cameras, live_streams
):
    supervisor = live_streams(KJ)
    page = signed_in_page(open_page, "piket.kebonjeruk", **DESKTOP)
    page.goto(f"/kamera/{demo_cameras[KJ].pk}/")
    wait_until_playing(page, KJ, seconds=1)

    supervisor.stop()  # ffmpeg ends and its files go: what a dead camera looks like
    page.wait_for_function(STATE_IS, arg=[KJ, "offline"], timeout=90_000)
    shown = page.inner_text("[data-player-state]")
    assert re.fullmatch(r"Offline sejak \d{2}\.\d{2} WIB", shown), shown

    live_streams(KJ)  # the camera is back: the player finds it again on its own
    page.wait_for_function(STATE_IS, arg=[KJ, "playing"], timeout=90_000)
    wait_until_playing(page, KJ, seconds=1)


def _csrf(page):
    return next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")


def _forged(token_fields):
    """A well-formed token naming the Tebet Barat camera, signed with the wrong key."""
    return signing.dumps(token_fields, key="bukan-kunci-portal", salt=gate.SALT)


def test_volunteer_is_refused_a_tebet_barat_camera_on_every_way_in(
    open_page, demo_users, demo_cameras, live_streams, settings
):
    live_streams(KJ, TB)
    user = demo_users["fkdm.kebonjeruk"]
    tebet = demo_cameras[TB]
    page = signed_in_page(open_page, "fkdm.kebonjeruk", **DESKTOP)
    page.goto(f"/kamera/{demo_cameras[KJ].pk}/")
    wait_until_playing(page, KJ, seconds=1)
    kj_token = page.evaluate("document.querySelector('[data-player]').player.token")

    # The page and the API.
    assert page.goto(f"/kamera/{tebet.pk}/").status == 404
    assert page.request.get(f"/api/v1/cameras/{tebet.pk}/").status == 404
    stream = page.request.post(
        f"/api/v1/cameras/{tebet.pk}/stream/", headers={"X-CSRFToken": _csrf(page)}
    )
    assert stream.status == 404

    # The video files themselves: the playlist and a segment that really exist on disk.
    folder = settings.STREAMS_ROOT / TB
    segment = re.findall(r"^seg\d+\.ts$", (folder / "index.m3u8").read_text(), re.M)[-1]
    urls = [f"/streams/{TB}/index.m3u8", f"/streams/{TB}/{segment}"]
    session_key = next(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")
    old_viewing = ViewingSession.objects.create(user=user, camera=tebet, mode="embedded")
    expired, _ = gate.issue_token(old_viewing, session_key=session_key, now=time.time() - 600)
    forged = _forged(
        [old_viewing.pk, user.pk, tebet.pk, TB, gate.session_tag(session_key), 2_000_000_000]
    )
    tokens = {"no token": None, "expired": expired, "forged": forged, "Kebon Jeruk's": kj_token}
    for url in urls:
        for name, token in tokens.items():
            header = {"Authorization": f"Bearer {token}"} if token else {}
            by_header = page.request.get(url, headers=header)
            by_query = page.request.get(f"{url}?token={token}" if token else url)
            for response in (by_header, by_query):
                assert response.status in {401, 403}, (url, name, response.status)
                assert not response.body().startswith(b"#EXTM3U"), (url, name)
    # The same check lets the Kebon Jeruk token open its own camera's playlist.
    own = page.request.get(
        f"/streams/{KJ}/index.m3u8", headers={"Authorization": f"Bearer {kj_token}"}
    )
    assert own.status == 200 and own.body().startswith(b"#EXTM3U")


def test_public_page_plays_a_public_camera_for_an_anonymous_visitor(
    open_page, demo_cameras, live_streams
):
    live_streams("kebonjeruk-halte")
    page = open_page("/publik/", **DESKTOP)
    assert page.locator(".sidebar").count() == 0  # no portal navigation for visitors
    wait_until_playing(page, "kebonjeruk-halte")
    viewing = ViewingSession.objects.get(camera=demo_cameras["kebonjeruk-halte"])
    assert viewing.user is None and viewing.mode == "public"
    listed = page.locator("[data-tile]").evaluate_all("tiles => tiles.map(t => t.dataset.tile)")
    assert "kebonjeruk-simpang" not in listed and "kebonjeruk-halte" in listed


def test_wall_on_a_phone_is_one_column_with_one_player_at_a_time(
    open_page, demo_users, demo_cameras, live_streams
):
    live_streams(KJ, KJ_OTHER)
    page = signed_in_page(open_page, "fkdm.kebonjeruk", **PHONE)
    ids = f"{demo_cameras[KJ].pk},{demo_cameras[KJ_OTHER].pk}"
    page.goto(f"/dinding/?n=4&k={ids}")
    page.uncheck("[data-saver-switch]")  # video, not stills (tests/cameras/test_browser_phone.py)
    boxes = page.locator(".wall > .tile").evaluate_all(
        "tiles => tiles.map(t => { const b = t.getBoundingClientRect(); return [b.x, b.width]; })"
    )
    assert len(boxes) == 4 and len({round(x) for x, _ in boxes}) == 1  # one column
    assert all(width > 300 for _, width in boxes)
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1]  # no sideways scrolling

    wait_until_playing(page, KJ, seconds=1)
    assert player_state(page, KJ_OTHER) == "stopped"
    page.locator(f'[data-code="{KJ_OTHER}"] [data-action=play]').tap()
    wait_until_playing(page, KJ_OTHER, seconds=1)
    assert player_state(page, KJ) == "stopped"  # the first one let go of its stream
    assert page.eval_on_selector(f'[data-code="{KJ}"] video', "v => !v.getAttribute('src')")


# What switching to another tab does to a page (headless Chromium never hides its pages).
HIDE_TAB = """hidden => {
    Object.defineProperty(document, "hidden", { value: hidden, configurable: true });
    document.dispatchEvent(new Event("visibilitychange"));
}"""


def test_wall_lets_go_of_tiles_off_screen_and_in_a_hidden_tab(
    open_page, demo_users, demo_cameras, live_streams
):
    live_streams(KJ)
    # A tablet-sized window: two columns, so most of the 16 tiles lie below the fold.
    page = signed_in_page(open_page, "operator.jakbar", viewport={"width": 800, "height": 600})
    page.goto(f"/dinding/?n=16&k={demo_cameras[KJ].pk}")
    assert page.locator(".wall > .tile").count() == 16
    wait_until_playing(page, KJ, seconds=1)

    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    wait_for_state(page, KJ, "stopped")
    page.evaluate("window.scrollTo(0, 0)")
    wait_until_playing(page, KJ, seconds=1)

    page.evaluate(HIDE_TAB, True)
    wait_for_state(page, KJ, "stopped")
    page.evaluate(HIDE_TAB, False)
    wait_until_playing(page, KJ, seconds=1)


def test_map_shows_coloured_markers_even_when_tiles_fail(open_page, demo_users, demo_cameras):
    Camera.objects.filter(code="kebonjeruk-halte").update(online=True)
    page = signed_in_page(open_page, "operator.jakbar", **DESKTOP)
    # No tile server is reachable here; make sure of it even on a machine with internet.
    page.context.route(re.compile(r"^https?://(?!127\.0\.0\.1|localhost)"), lambda r: r.abort())
    page.goto("/peta/")
    page.wait_for_selector("[data-map][data-ready]")
    markers = page.locator("path.marker")
    assert markers.count() == 9  # Kebon Jeruk, Sukabumi Utara and Kelapa Dua
    assert page.locator("path.marker-online").count() == 1
    assert page.locator("path.marker-perbaikan").count() == 1
    assert page.locator("[data-count=offline]").inner_text() == "(7)"
    page.locator("path.marker-online").click()
    popup = page.locator(".leaflet-popup-content")
    assert "Halte Kebon Jeruk" in popup.inner_text()
    popup.locator("a").click()
    page.wait_for_url(f"**/kamera/{demo_cameras['kebonjeruk-halte'].pk}/")
    # The camera page's "see on the map" opens the map on that camera.
    page.click("text=Lihat di peta")
    page.wait_for_selector("[data-map][data-ready]")
    assert "Halte Kebon Jeruk" in page.locator(".leaflet-popup-content").inner_text()
