"""Shared fixtures: the official and demo areas, one persona per role, signed-in clients, the
browser; and the figures printed at the end of the run (tests/figures.py)."""

import io
import json
import os
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from playwright.sync_api import sync_playwright

from kelurahan.areas_import import import_areas, import_boundaries
from kelurahan.demo import DEMO_AREAS_CSV, DEMO_USERS, create_rw_rt
from kelurahan.geo import forget_boundaries
from kelurahan.roles import Role
from tests import provision
from tests.browser import CHROMIUM_ARGS
from tests.figures import FUZZ_FIGURES, MATRIX_CASES
from tests.personas import KEBON_JERUK, enrol_totp, make_user

# --- Four workers -----------------------------------------------------------------------------
# `make test` runs pytest in four workers (pytest-xdist, --dist loadscope): each test module runs
# whole in one worker (its module fixtures, such as the browser, start once), and a worker that
# finishes one takes the next. The longest go first, so that none is left running alone at the
# end: the fuzz stage, then the modules with browser tests, then the rest, each in its usual
# order. Much of a test's time is spent waiting on a browser, ffmpeg, a server or a socket; side
# by side, the workers use those waits. Each worker has its own test database (pytest-django
# names them apart) and its own Redis database (below), so none sees another's data, caches or
# channel groups. A plain `pytest` runs them all in one process, in the same order.


# Last: after pytest-django's own order (transactional tests after the others), which would put
# the fuzz stage and the browser tests at the end of the run.
@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    rank = {}
    for item in items:
        if item.path.name == "test_fuzz.py":
            rank[item.path] = 0
        elif item.get_closest_marker("browser"):
            rank[item.path] = min(rank.get(item.path, 1), 1)
        else:
            rank.setdefault(item.path, 2)
    items.sort(key=lambda item: rank[item.path])  # stable: each module's tests keep their order


def pytest_configure(config):
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.postgresql":
        # The test database is thrown away after the run: a commit need not wait for its log to
        # reach the disk (the tests commit thousands of times; what they see is the same).
        database.setdefault("OPTIONS", {})["options"] = "-c synchronous_commit=off"
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")  # gw0, gw1, ... under xdist
    if worker.startswith("gw") and settings.REDIS_URL:
        _use_redis_database(int(worker[2:]))


def _use_redis_database(offset):
    """This worker's Redis database: the configured one plus `offset` (for the daphne and
    worker processes the tests start too, through the environment)."""
    if not offset:
        return
    parts = urlsplit(settings.REDIS_URL)
    number = int(parts.path.strip("/") or 0) + offset
    url = parts._replace(path=f"/{number}").geturl()
    os.environ["REDIS_URL"] = settings.REDIS_URL = url
    settings.CACHES["default"]["LOCATION"] = url
    layer = settings.CHANNEL_LAYERS["default"]["CONFIG"]
    layer["hosts"][0]["address"] = url
    layer["prefix"] = f"jakcctv.db{number}"


def pytest_sessionfinish(session):
    # A worker hands its figures to the controller, which prints them (pytest_testnodedown).
    if hasattr(session.config, "workeroutput"):
        figures = {"matrix": MATRIX_CASES, "fuzz": FUZZ_FIGURES}
        session.config.workeroutput["figures"] = json.dumps(figures)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    figures = json.loads(getattr(node, "workeroutput", {}).get("figures", "{}"))
    # A matrix's cases may be counted by tests in several workers: they add up.
    for name, cases in figures.get("matrix", {}).items():
        MATRIX_CASES[name] = MATRIX_CASES.get(name, 0) + cases
    FUZZ_FIGURES.update(figures.get("fuzz", {}))


def pytest_terminal_summary(terminalreporter):
    if MATRIX_CASES:
        total = sum(MATRIX_CASES.values())
        terminalreporter.write_sep("-", f"leak matrix: {total} cases checked")
        for name, count in sorted(MATRIX_CASES.items()):
            terminalreporter.write_line(f"  {name}: {count}")
    if FUZZ_FIGURES:
        terminalreporter.write_sep("-", "fuzz stage (schemathesis, all checks)")
        for persona, figures in FUZZ_FIGURES.items():
            terminalreporter.write_line(
                f"  {persona}: {figures['operations']} operations, {figures['cases']} cases, "
                f"{figures['seconds']} s ({figures['phases']})"
            )


@pytest.fixture(autouse=True)
def _test_settings(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Login rate limits count per IP, and every test client is 127.0.0.1.
    cache.clear()


@pytest.fixture
def official_areas(db):
    """The whole official area list of Jakarta and its kelurahan boundaries (kelurahan/data/)."""
    import_areas(stream=io.StringIO())
    import_boundaries(stream=io.StringIO())
    forget_boundaries()  # points are looked up in these boundaries, not a cached earlier set
    yield
    forget_boundaries()


@pytest.fixture
def demo_areas(db):
    import_areas(DEMO_AREAS_CSV, stream=io.StringIO())
    create_rw_rt()


@pytest.fixture
def demo_users(demo_areas):
    """The demo personas by username (admin.provinsi, operator.jakbar, ..., fkdm.tebetbarat)."""
    return {d.username: make_user(d.username, d.role, d.area_code) for d in DEMO_USERS}


@pytest.fixture
def demo_cameras(demo_areas):
    """The demo cameras by code (Kebon Jeruk, Tebet Barat, ... see cameras/demo.py)."""
    from cameras.demo import create_cameras

    return {camera.code: camera for camera in create_cameras()}


@pytest.fixture
def signed_in(demo_users):
    """A test client signed in as one of the demo users (provincial admins enrol TOTP first)."""

    def client_for(username):
        user = demo_users[username]
        if username == "admin.provinsi":
            enrol_totp(user)
        client = Client()
        client.force_login(user)
        return client

    return client_for


@pytest.fixture
def lapsed_users(demo_areas):
    """People who held a role in Kebon Jeruk and no longer do, in each way that can happen."""
    past = timezone.now() - timezone.timedelta(days=1)
    kebon_jeruk = KEBON_JERUK
    expired = make_user("expired.kebonjeruk", Role.PETUGAS_PIKET, kebon_jeruk, valid_until=past)
    revoked = make_user("revoked.kebonjeruk", Role.STAF_KELURAHAN, kebon_jeruk, revoked_at=past)
    future = make_user(
        "future.kebonjeruk",
        Role.RELAWAN_FKDM,
        kebon_jeruk,
        valid_from=timezone.now() + timezone.timedelta(days=1),
    )
    inactive = make_user("inactive.kebonjeruk", Role.STAF_KELURAHAN, kebon_jeruk)
    inactive.is_active = False
    inactive.save()
    return {u.username: u for u in (expired, revoked, future, inactive)}


# --- Browser tests (Playwright + the Chromium that `make test` provided) ---------------------


@pytest.fixture(scope="module")
def browser():
    # Playwright's sync API keeps an event loop on this thread while the browser is open;
    # Django would then refuse the tests' own synchronous database calls (and the flushes).
    executable = provision.chromium()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()


@pytest.fixture
def open_page(browser, live_server):
    """Open pages in fresh browser contexts; fail the test on any console error or CSP report."""
    contexts, problems = [], []
    expected = ["Failed to load resource"]
    if not getattr(live_server, "speaks_websockets", False):
        # pytest-django's live server speaks WSGI only: every page's alert client is refused
        # there. Tests of live alerts run on a real daphne (tests/live_daphne.py) instead.
        expected.append("WebSocket connection to 'ws://localhost")

    def open_(path="/", **context_options):
        context = browser.new_context(base_url=live_server.url, **context_options)
        contexts.append(context)
        page = context.new_page()
        # Refusals (404s) are expected; broken assets, script errors and CSP reports are not.
        page.on(
            "console",
            lambda message: (
                message.type == "error"
                and not message.text.startswith(tuple(expected))
                and problems.append(message.text)
            ),
        )
        page.on(
            "response",
            lambda response: (
                "/static/" in response.url
                and response.status >= 400
                and problems.append(f"{response.status} {response.url}")
            ),
        )
        page.goto(path)
        return page

    yield open_
    for context in contexts:
        context.close()
    assert not problems, problems
