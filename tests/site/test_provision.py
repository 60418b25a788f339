"""Which Chromium and Caddy `make test` chooses, and what it installs, on different machines."""

import subprocess
import sys

import pytest

from tests import provision
from tests.provision import Missing


class MadeUpMachine(provision.Machine):
    """A machine with the given programs; installers succeed (adding programs) or fail."""

    def __init__(self, programs=(), environ=None, root=False, installs=None, playwright=None):
        super().__init__(environ=environ or {}, which=self._which, is_root=root)
        self.programs = set(programs)
        self.installs = installs or {}  # command word -> programs that command adds, or None
        self.playwright = playwright
        self.ran = []

    def _which(self, name):
        path = name if name.startswith("/") else f"/usr/bin/{name}"
        return path if path in self.programs or name in self.programs else None

    def run(self, command):
        self.ran.append(" ".join(command[:2]) if command[0] == "apt-get" else "playwright")
        key = command[-1] if command[0] == "apt-get" else "playwright"
        if command[:2] == ["apt-get", "update"]:
            return True
        added = self.installs.get(key)
        if added is None:
            return False
        if key == "playwright":
            self.playwright = added
        else:
            self.programs |= set(added)
        return True

    def playwright_chromium(self):
        return self.playwright


def test_chromium_named_by_the_environment_wins():
    machine = MadeUpMachine(
        {"/opt/chrome/chrome", "/usr/bin/chromium"}, {"CHROMIUM": "/opt/chrome/chrome"}
    )
    assert provision.chromium(machine, install=True) == "/opt/chrome/chrome"
    assert machine.ran == []


def test_a_chromium_named_but_absent_stops_rather_than_picking_another():
    machine = MadeUpMachine({"/usr/bin/chromium"}, {"CHROMIUM": "/opt/none/chrome"})
    with pytest.raises(Missing, match="CHROMIUM=/opt/none/chrome is not a program"):
        provision.chromium(machine, install=True)


@pytest.mark.parametrize(
    ("programs", "chosen"),
    [
        ({"/usr/bin/chromium", "/usr/bin/google-chrome"}, "/usr/bin/chromium"),
        ({"/usr/bin/chromium-browser"}, "/usr/bin/chromium-browser"),
        ({"/usr/bin/google-chrome"}, "/usr/bin/google-chrome"),
    ],
)
def test_a_browser_on_the_machine_is_used_as_it_is(programs, chosen):
    machine = MadeUpMachine(programs, installs={"playwright": "/never"})
    assert provision.chromium(machine, install=True) == chosen
    assert machine.ran == []


def test_playwrights_own_download_is_used_when_present():
    machine = MadeUpMachine(playwright="/home/piket/.cache/ms-playwright/chromium/chrome")
    assert provision.chromium(machine) == "/home/piket/.cache/ms-playwright/chromium/chrome"


def test_without_a_browser_playwright_downloads_one_first():
    machine = MadeUpMachine(root=True, installs={"playwright": "/cache/chrome", "chromium": []})
    assert provision.chromium(machine, install=True) == "/cache/chrome"
    assert machine.ran == ["playwright"]


def test_when_the_download_fails_root_gets_debians_chromium():
    machine = MadeUpMachine(
        {"apt-get"}, root=True, installs={"playwright": None, "chromium": ["/usr/bin/chromium"]}
    )
    assert provision.chromium(machine, install=True) == "/usr/bin/chromium"
    assert machine.ran == ["playwright", "apt-get update", "apt-get install"]


@pytest.mark.parametrize("root", [False, True])
def test_with_no_way_to_install_it_stops_with_one_line_saying_what_to_do(root):
    machine = MadeUpMachine(root=root, installs={"playwright": None})  # no apt-get either
    with pytest.raises(Missing) as missing:
        provision.chromium(machine, install=True)
    assert "\n" not in str(missing.value)
    assert "apt-get install chromium" in str(missing.value)
    assert "playwright install chromium" in str(missing.value)
    assert machine.ran == ["playwright"]


def test_the_tests_find_but_never_install():
    machine = MadeUpMachine({"apt-get"}, root=True, installs={"playwright": "/x", "chromium": []})
    with pytest.raises(Missing):
        provision.chromium(machine)
    assert machine.ran == []


def test_caddy_from_the_environment_the_path_or_debian():
    assert provision.caddy(MadeUpMachine({"/srv/caddy"}, {"CADDY": "/srv/caddy"})) == "/srv/caddy"
    assert provision.caddy(MadeUpMachine({"/usr/bin/caddy"})) == "/usr/bin/caddy"
    machine = MadeUpMachine({"apt-get"}, root=True, installs={"caddy": ["/usr/bin/caddy"]})
    assert provision.caddy(machine, install=True) == "/usr/bin/caddy"
    assert machine.ran == ["apt-get update", "apt-get install"]
    with pytest.raises(Missing, match="apt-get install caddy"):
        provision.caddy(MadeUpMachine({"apt-get"}, root=False), install=True)


def test_make_test_step_prints_what_it_chose():
    """`python -m tests.provision` on this machine: each program found (or installed) by path."""
    result = subprocess.run(
        [sys.executable, "-m", "tests.provision"], capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr
    lines = dict(line.split(": ", 1) for line in result.stdout.splitlines())
    assert lines == {"chromium": provision.chromium(), "caddy": provision.caddy()}
