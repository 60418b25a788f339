"""Phone benchmark: a volunteer's phone on a slow network, in Chromium with Playwright.

Network throttled to 1.6 Mbit/s down, 750 kbit/s up, 150 ms round trip (DevTools Protocol
Network.emulateNetworkConditions) and the CPU slowed 4x (Emulation.setCPUThrottlingRate), a
390x844 touch screen. The portal runs as in production (DEBUG=0, collected static files served
compressed by whitenoise, daphne) on a throwaway SQLite database, with `run_streams` making the
demo streams of two cameras (main and low rendition, a still every SNAPSHOT_SECONDS).

Figures (issue 14, section 5), with their targets:
  (a) bytes transferred (compressed, as on the wire; cold cache) and LCP of the home page, the
      camera page and the incident report form, video excluded: <= 200 KB and LCP <= 2.5 s;
  (b) time to the first video frame on the low rendition, opening the camera page and tapping a
      still on the wall in snapshot mode: <= 3 s;
  (c) bytes per minute of one camera on the main rendition, on the low one and in snapshot mode:
      snapshot mode <= 1/10 of the low rendition.
Prints figures; asserts nothing. BENCH_SECONDS (default 60) is the length of each (c) run.
"""

import os
import signal
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.scratch import scratch_env  # noqa: E402

ENV = scratch_env("jakcctv-bench-phone-", roots=("static",), STREAM_MODE="embedded").env

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from bench.load import Daphne  # noqa: E402
from cameras.models import Camera  # noqa: E402

SECONDS = int(os.environ.get("BENCH_SECONDS", "60"))
SAMPLES = int(os.environ.get("BENCH_SAMPLES", "3"))
PASSWORD = "bench-password"  # noqa: S105 (a throwaway database's demo people)
CAMERAS = ["kebonjeruk-simpang", "kebonjeruk-sekolah"]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
SLOW = {
    "offline": False,
    "latency": 150,
    "downloadThroughput": 1_600_000 / 8,
    "uploadThroughput": 750_000 / 8,
}
LCP = """() => new Promise((resolve) => {
    new PerformanceObserver((list) => {
        const entries = list.getEntries();
        resolve(entries[entries.length - 1].startTime);
    }).observe({ type: "largest-contentful-paint", buffered: true });
    setTimeout(() => resolve(null), 3000);
})"""
TRANSFERRED = """() => performance.getEntriesByType("navigation")
    .concat(performance.getEntriesByType("resource"))
    .map((entry) => [entry.name, entry.transferSize])"""
FIRST_FRAME = """() => {
    const video = document.querySelector("video");
    return video && video.currentTime > 0 && video.readyState >= 2 ? performance.now() : false;
}"""
SAVER = """on => localStorage.setItem("jakcctv.hematData", on ? "1" : "0")"""


def prepare():
    from cameras.demo import create_cameras
    from incidents.demo import create_agencies
    from kelurahan.areas_import import import_areas
    from kelurahan.demo import DEMO_AREAS_CSV, create_rw_rt, create_users

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    with open(os.devnull, "w") as quiet:
        import_areas(DEMO_AREAS_CSV, stream=quiet)
    create_rw_rt()
    create_users(PASSWORD)
    create_cameras()
    create_agencies()
    # Two cameras stream (the machine is shared); the rest is under maintenance.
    Camera.objects.exclude(code__in=CAMERAS).update(status=Camera.Status.MAINTENANCE)
    return {code: Camera.objects.get(code=code).pk for code in CAMERAS}


class Wire:
    """Bytes on the wire per finished request: headers and body as received (compressed)."""

    def __init__(self, page):
        self.finished = []
        page.on("requestfinished", lambda request: self.finished.append(request))

    def reset(self):
        self.finished.clear()

    def sizes(self, keep=lambda url: True):
        for request in list(self.finished):
            if keep(request.url):
                sizes = request.sizes()
                yield request.url, sizes["responseBodySize"] + sizes["responseHeadersSize"]

    def total(self, keep=lambda url: True):
        return sum(size for _url, size in self.sizes(keep))


def not_video(url):
    return "/streams/" not in url and not url.endswith("/snapshot/")


def throttled(context, page):
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
    return cdp


def phone_page(browser, base_url):
    context = browser.new_context(base_url=base_url, **PHONE)
    page = context.new_page()
    cdp = throttled(context, page)
    page.goto("/accounts/login/")
    page.fill("#id_login", "fkdm.kebonjeruk")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/" not in url)
    return context, page, cdp, Wire(page)


def page_weight(browser, base_url, signed_in, path):
    """(KB on the wire without video, LCP in s) of a first visit of `path`: a fresh browser
    context (empty caches) holding the signed-in session."""
    context = browser.new_context(base_url=base_url, storage_state=signed_in, **PHONE)
    page = context.new_page()
    throttled(context, page)
    page.goto(path, wait_until="load")
    page.wait_for_timeout(1500)  # late requests (hls.js, a map's libraries) are counted
    lcp = page.evaluate(LCP)
    # The page's own account (Resource Timing): compressed bytes with headers, per file.
    sizes = page.evaluate(TRANSFERRED)
    context.close()
    if os.environ.get("BENCH_VERBOSE"):
        for url, size in sorted(sizes, key=lambda item: -item[1]):
            print(f"    {size:>8,} {url}")
    kilobytes = sum(size for url, size in sizes if not_video(url)) / 1000
    return kilobytes, (lcp / 1000 if lcp is not None else float("nan"))


def median(values):
    values = sorted(values)
    return values[len(values) // 2]


def time_to_first_frame(page, cdp, path, *, tap=None):
    """Seconds from navigation (or from the tap on a still) to the first frame on screen."""
    cdp.send("Network.clearBrowserCache")
    page.goto(path, wait_until="load")
    start = 0.0
    if tap:
        page.wait_for_selector(f"{tap} img.player-still[src^='blob:']", timeout=60_000)
        start = page.evaluate("() => performance.now()")
        page.locator(f"{tap} [data-action=live]").tap()
    shown = page.wait_for_function(FIRST_FRAME, polling="raf", timeout=60_000).json_value()
    rendition = page.get_attribute("[data-player]:has(video)", "data-rendition")
    return (shown - start) / 1000, rendition


def bytes_per_minute(page, wire, path, seconds, keep):
    page.goto(path, wait_until="load")
    page.wait_for_timeout(3000)  # past the start
    wire.reset()
    page.wait_for_timeout(seconds * 1000)
    return wire.total(keep) * 60 / seconds / 1000


def main():
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM_ARGS
    from tests.provision import chromium

    ids = prepare()
    camera = ids[CAMERAS[0]]
    streams = subprocess.Popen(
        [sys.executable, "manage.py", "run_streams"],
        cwd=settings.BASE_DIR,
        env={**os.environ, **ENV},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    executable = chromium()
    print(
        "phone: 390x844, 1.6 Mbit/s down, 750 kbit/s up, 150 ms RTT, CPU 4x slower; "
        f"SNAPSHOT_SECONDS={settings.SNAPSHOT_SECONDS}"
    )
    try:
        with Daphne(ENV) as server, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            base_url = f"http://127.0.0.1:{server.port}"
            context, page, cdp, wire = phone_page(browser, base_url)
            signed_in = context.storage_state()
            for name, path in [
                ("home page", "/"),
                ("camera page", f"/kamera/{camera}/"),
                ("report form", "/kejadian/baru/"),
            ]:
                runs = [page_weight(browser, base_url, signed_in, path) for _ in range(SAMPLES)]
                kilobytes, lcp = median([r[0] for r in runs]), median([r[1] for r in runs])
                print(
                    f"(a) {name} {path}: {kilobytes:.1f} KB on the wire without video, "
                    f"LCP {lcp:.2f} s (median of {SAMPLES}; target <= 200 KB, <= 2.5 s)"
                )
            # (b) Hemat data is on by default on a phone: the camera page plays the low one.
            page.evaluate(SAVER, True)
            wall = f"/dinding/?n=4&k={camera},{ids[CAMERAS[1]]}"
            for name, path, tap in [
                ("camera page, from navigation", f"/kamera/{camera}/", None),
                ("wall in snapshot mode, from the tap", wall, f'[data-code="{CAMERAS[0]}"]'),
            ]:
                runs = [time_to_first_frame(page, cdp, path, tap=tap) for _ in range(SAMPLES)]
                times = sorted(seconds for seconds, _ in runs)
                renditions = sorted({rendition or "?" for _, rendition in runs})
                print(
                    f"(b) first frame, {name}: median {median(times):.2f} s, max "
                    f"{times[-1]:.2f} s, rendition {'/'.join(renditions)} (target <= 3 s)"
                )
            video = lambda url: "/streams/" in url  # noqa: E731
            page.evaluate(SAVER, True)
            low = bytes_per_minute(page, wire, f"/kamera/{camera}/", SECONDS, video)
            page.evaluate(SAVER, False)
            main_rate = bytes_per_minute(page, wire, f"/kamera/{camera}/", SECONDS, video)
            page.evaluate(SAVER, True)
            one_still = f"/dinding/?n=1&k={camera}"
            still = bytes_per_minute(
                page, wire, one_still, SECONDS, lambda url: url.endswith("/snapshot/")
            )
            print(f"(c) main rendition: {main_rate:,.0f} KB/min ({main_rate * 8 / 60:.0f} kbit/s)")
            print(f"(c) low rendition: {low:,.0f} KB/min ({low * 8 / 60:.0f} kbit/s)")
            print(
                f"(c) snapshot mode: {still:,.1f} KB/min = 1/{low / max(still, 0.001):.0f} of "
                "the low rendition (target <= 1/10)"
            )
            context.close()
            browser.close()
    finally:
        os.killpg(streams.pid, signal.SIGTERM)
        streams.wait(timeout=30)


if __name__ == "__main__":
    main()
