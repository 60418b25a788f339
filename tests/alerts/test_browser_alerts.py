"""Live alerts in real Chromium against a real daphne (WebSockets; pytest-django's live_server
speaks WSGI only): toasts reach the right officers within 2 s and nobody else, camera status and
the badge change without a reload, a dropped connection loses and repeats nothing, and the
portal is an installable app that says honestly when it is offline."""

import socket
import threading
import time

import pytest
from django.conf import settings

from alerts.models import AlertEvent
from alerts.publish import publish_alert
from cameras.health import record_status
from tests.browser import PHONE, sign_in
from tests.live_daphne import LiveDaphne
from tests.personas import KEBON_JERUK, PASSWORD, TEBET_BARAT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
LIVE = "[data-alerts-bell][data-state=live]"


class DroppingProxy:
    """A TCP proxy in front of the server whose connections the test can cut (a flaky network)."""

    def __init__(self, target_port):
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.open_sockets = set()
        self.lock = threading.Lock()
        self.refusing = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _address = self.listener.accept()
            except OSError:
                return  # closed
            if self.refusing:
                client.close()
                continue
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            with self.lock:
                self.open_sockets |= {client, upstream}
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()

    def _pump(self, source, target):
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        for end in (source, target):
            self._cut(end)

    def _cut(self, end):
        try:
            end.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        end.close()
        with self.lock:
            self.open_sockets.discard(end)

    def drop(self, refuse=False):
        """Cut every open connection; with `refuse`, refuse new ones until `restore()`."""
        self.refusing = refuse
        with self.lock:
            ends = list(self.open_sockets)
        for end in ends:
            self._cut(end)

    def restore(self):
        self.refusing = False

    def close(self):
        self.listener.close()
        self.drop()


@pytest.fixture
def open_flaky_page(browser, live_server):
    """`open_page` for tests that cut the network on purpose: Chromium reports each failed
    WebSocket handshake on the console, which is expected there; any other error still fails."""
    contexts, problems = [], []

    def open_(path="/", **context_options):
        context = browser.new_context(base_url=live_server.url, **context_options)
        contexts.append(context)
        page = context.new_page()
        page.on(
            "console",
            lambda message: (
                message.type == "error"
                and not message.text.startswith(("Failed to load resource", "WebSocket connection"))
                and problems.append(message.text)
            ),
        )
        page.goto(path)
        return page

    yield open_
    for context in contexts:
        context.close()
    assert not problems, problems


@pytest.fixture
def live_server(transactional_db):
    """Overrides pytest-django's live_server for `open_page`: daphne behind a cuttable proxy."""
    with LiveDaphne() as daphne:
        proxy = DroppingProxy(daphne.port)
        proxy.url = f"http://127.0.0.1:{proxy.port}"
        proxy.speaks_websockets = True
        proxy._live_server_modified_settings = daphne._live_server_modified_settings
        yield proxy
        proxy.close()


def signed_in_page(open_page, username, **options):
    page = open_page("/accounts/login/", **options)
    sign_in(page, username, PASSWORD)
    page.wait_for_selector(LIVE)
    return page


def raise_incident(page, **fields):
    """Raise an incident as the page's user, through the API (as the incident form would)."""
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    response = page.request.post("/api/v1/incidents/", data=fields, headers={"X-CSRFToken": csrf})
    assert response.status == 201, response.text()
    return response.json()["id"]


def toasts(page):
    return page.eval_on_selector_all(
        ".toast .toast-title", "nodes => nodes.map(n => n.textContent)"
    )


def test_toast_reaches_kebon_jeruk_within_2_s_and_never_tebet_barat(
    open_page, demo_users, tmp_path
):
    piket = signed_in_page(open_page, "piket.kebonjeruk", **DESKTOP)
    volunteer = signed_in_page(open_page, "fkdm.tebetbarat", **PHONE)
    staf_kj = signed_in_page(open_page, "staf.kebonjeruk", **DESKTOP)
    staf_tb = signed_in_page(open_page, "staf.tebetbarat", **DESKTOP)
    piket.goto("/kejadian/")
    piket.wait_for_selector(LIVE)

    incident = raise_incident(
        staf_kj,
        category="tawuran",
        severity="darurat",
        title="Tawuran di Jl. Panjang",
        area=KEBON_JERUK,
    )
    raised = time.monotonic()
    toast = piket.wait_for_selector(".toast-darurat >> text=Tawuran di Jl. Panjang", timeout=2000)
    assert time.monotonic() - raised < 2
    assert toast.get_attribute("href") == f"/kejadian/{incident}/"
    assert "Kebon Jeruk" in piket.inner_text(".toast-darurat .toast-meta")
    assert piket.inner_text("[data-alerts-unread]") == "1"
    # The incident list says it has news, without reloading by itself.
    assert "Ada 1 kejadian baru" in piket.inner_text(".live-banner")
    piket.screenshot(path=tmp_path / "toast-desktop.png")

    # Tebet Barat's volunteer gets Tebet Barat's alerts (the socket works) and never Kebon Jeruk's.
    raise_incident(
        staf_tb,
        category="banjir",
        severity="tinggi",
        title="Banjir Jl. Tebet Barat IV",
        area=TEBET_BARAT,
    )
    volunteer.wait_for_selector(".toast-tinggi >> text=Banjir Jl. Tebet Barat IV", timeout=2000)
    volunteer.screenshot(path=tmp_path / "toast-phone.png")
    volunteer.wait_for_timeout(500)
    assert toasts(volunteer) == ["Banjir Jl. Tebet Barat IV"]
    assert "Banjir Jl. Tebet Barat IV" not in toasts(piket)


def test_camera_status_and_badge_change_in_place_and_alerts_are_marked_read(
    open_page, demo_users, demo_cameras, tmp_path
):
    camera = demo_cameras["kebonjeruk-simpang"]
    record_status(camera.pk, online=True, at=camera.created_at)
    page = signed_in_page(open_page, "piket.kebonjeruk", **DESKTOP)
    page.goto("/kamera/")
    page.wait_for_selector(LIVE)
    pill = f'[data-camera="{camera.code}"] .status'
    assert page.inner_text(pill) == "Online"

    record_status(camera.pk, online=False, at=camera.created_at.replace(microsecond=0))
    page.wait_for_selector(f"{pill}.status-offline", timeout=10_000)  # no reload
    assert page.inner_text(pill).startswith("Offline sejak ")
    page.wait_for_selector(f".toast-sedang >> text={camera.name}")
    assert page.inner_text("[data-alerts-unread]") == "1"

    page.goto("/peringatan/")
    page.wait_for_selector(LIVE)
    row = page.locator(f'[data-alert="{AlertEvent.objects.get().pk}"]')
    assert "Kamera offline" in row.inner_text()
    page.screenshot(path=tmp_path / "alerts-desktop.png", full_page=True)
    row.get_by_role("button", name="Tandai dibaca").click()
    page.wait_for_selector("[data-alerts-unread][hidden]", state="attached")
    assert page.locator(".alert-row.unread").count() == 0

    phone = signed_in_page(open_page, "piket.kebonjeruk", **PHONE)
    phone.goto("/peringatan/")
    phone.wait_for_selector(LIVE)
    phone.screenshot(path=tmp_path / "alerts-phone.png", full_page=True)
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= 390


@pytest.mark.skipif(not settings.REDIS_URL, reason="alerts raised here reach daphne through Redis")
def test_dropped_connection_loses_nothing_and_repeats_nothing(
    open_flaky_page, live_server, demo_users
):
    page = signed_in_page(open_flaky_page, "piket.kebonjeruk", **DESKTOP)
    sockets = []
    page.on("websocket", lambda socket: sockets.append(socket.url))
    page.evaluate(
        """() => {
            window.arrived = [];
            window.replayed = 0;
            document.addEventListener("jak:alert", (event) => {
                window.arrived.push(event.detail.id);
                window.replayed += event.detail.replay ? 1 : 0;
            });
        }"""
    )
    raised = {"visible": [], "other": []}

    def raise_alerts(count):
        for _ in range(count):
            n = len(raised["visible"]) + len(raised["other"])
            area, bucket = (KEBON_JERUK, "visible") if n % 3 else (TEBET_BARAT, "other")
            event = publish_alert(
                kind="kejadian_baru",
                area_code=area,
                severity="sedang",
                title=f"Uji {n}",
                min_depth=4,
            )
            raised[bucket].append(event.pk)

    def wait_for_all_visible():
        page.wait_for_function(
            "n => new Set(window.arrived).size >= n", arg=len(raised["visible"]), timeout=30_000
        )

    page.wait_for_selector(LIVE)
    raise_alerts(15)
    wait_for_all_visible()
    live_server.drop(refuse=True)  # the network goes away ...
    page.wait_for_selector("[data-alerts-bell]:not([data-state=live])")
    raise_alerts(15)  # ... while alerts keep coming
    live_server.restore()
    page.wait_for_selector(LIVE)
    raise_alerts(15)
    live_server.drop()  # and once more, right after it came back
    raise_alerts(15)
    wait_for_all_visible()
    page.wait_for_selector(LIVE)
    # One last alert on the settled connection: whatever was repeated came before it.
    raise_alerts(2)
    wait_for_all_visible()

    arrived = page.evaluate("() => window.arrived")
    assert len(arrived) == len(set(arrived)), "an alert arrived twice"
    assert sorted(arrived) == sorted(raised["visible"])  # every one, nothing of Tebet Barat
    assert len(raised["other"]) == 21  # Tebet Barat alerts were raised all along
    assert len(sockets) >= 2  # it did reconnect, twice (the first socket opened before this) ...
    assert page.evaluate("() => window.replayed") > 0  # ... and got what it missed by replay


def test_installable_app_that_says_when_it_is_offline(
    open_flaky_page, live_server, demo_users, tmp_path
):
    page = signed_in_page(open_flaky_page, "fkdm.kebonjeruk", **PHONE)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=10_000)
    devtools = page.context.new_cdp_session(page)
    manifest = devtools.send("Page.getAppManifest")
    assert manifest["url"].endswith("/manifest.webmanifest") and manifest["errors"] == []
    # Chromium's own verdict; a test browser context is incognito, which alone forbids installing.
    errors = devtools.send("Page.getInstallabilityErrors")["installabilityErrors"]
    assert [e["errorId"] for e in errors if e["errorId"] != "in-incognito"] == [], errors

    live_server.drop(refuse=True)  # the server cannot be reached any more
    page.wait_for_selector("[data-alerts-bell][data-state=offline]")
    page.wait_for_selector("[data-alerts-connection]:not([hidden])", timeout=5000)
    assert "Offline" in page.inner_text("[data-alerts-connection]")

    page.goto("/kamera/")  # served by the service worker: the offline page, not stale data
    assert "Anda sedang offline" in page.inner_text("h1")
    assert page.locator("[data-alerts-bell]").count() == 0  # nothing of the live portal
    page.screenshot(path=tmp_path / "offline-phone.png")

    live_server.restore()
    page.goto("/kamera/")
    page.wait_for_selector(LIVE)  # back: the real page, live again
    assert page.inner_text("h1") == "Kamera"


def test_hidden_tab_gets_a_browser_notification(open_page, demo_users):
    page = signed_in_page(open_page, "piket.kebonjeruk", permissions=["notifications"], **DESKTOP)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=10_000)
    # The officer switched to another tab.
    page.evaluate(
        "() => Object.defineProperty(document, 'visibilityState',"
        " {value: 'hidden', configurable: true})"
    )
    reporter = signed_in_page(open_page, "staf.kebonjeruk", **DESKTOP)
    raise_incident(
        reporter,
        category="kebakaran",
        severity="darurat",
        title="Kebakaran gudang",
        area=KEBON_JERUK,
    )
    shown, deadline = [], time.monotonic() + 5
    while not shown and time.monotonic() < deadline:
        page.wait_for_timeout(100)
        shown = page.evaluate(
            """async () => {
                const registration = await navigator.serviceWorker.ready;
                const shown = await registration.getNotifications();
                return shown.map((n) => `${n.title} | ${n.body}`);
            }"""
        )
    assert len(shown) == 1 and shown[0].startswith("Kejadian baru: Kebakaran gudang | Kebon Jeruk")
