"""The programs the tests need from the machine: a Chromium for Playwright, Caddy for the proxy.

`python -m tests.provision` (run by `make test` before pytest) finds each one and installs what is
missing; the tests then call `chromium()` and `caddy()`, which find the same programs the same
way but never install anything. Order for Chromium: `CHROMIUM` when set, a Chromium or Chrome on
the machine, Playwright's own download (`playwright install chromium`), Debian's package (as root
with apt-get); Caddy: `CADDY` when set, `caddy` on PATH, Debian's package. Otherwise it stops
with one line saying what to install.
"""

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field

SYSTEM_CHROMIUMS = ["/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"]


class Missing(Exception):
    """A program the tests need is not on the machine and could not be installed."""


@dataclass
class Machine:
    """What provisioning asks of the machine; tests give a made-up one to check the choices."""

    environ: dict = field(default_factory=lambda: os.environ)
    which: object = shutil.which
    is_root: bool = field(default_factory=lambda: hasattr(os, "geteuid") and os.geteuid() == 0)

    def run(self, command):
        """Run an installer, its output on stderr (stdout is for the chosen paths)."""
        print("$", " ".join(command), file=sys.stderr, flush=True)
        return subprocess.run(command, stdout=sys.stderr, check=False).returncode == 0

    def playwright_chromium(self):
        """The path of Playwright's own Chromium build, when it has been downloaded."""
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            path = playwright.chromium.executable_path
        return path if os.path.isfile(path) else None


def chromium(machine=None, *, install=False):
    """The Chromium the browser tests launch."""
    machine = machine or Machine()
    if machine.environ.get("CHROMIUM"):
        path = machine.which(machine.environ["CHROMIUM"])
        if not path:
            raise Missing(
                f"CHROMIUM={machine.environ['CHROMIUM']} is not a program on this machine"
            )
        return path
    for name in SYSTEM_CHROMIUMS:
        if path := machine.which(name):
            return path
    if path := machine.playwright_chromium():
        return path
    if install:
        if machine.run([sys.executable, "-m", "playwright", "install", "chromium"]) and (
            path := machine.playwright_chromium()
        ):
            return path
        if _apt_install(machine, "chromium") and (path := machine.which("chromium")):
            return path
    raise Missing(
        "No Chromium for the browser tests: install one (Debian: apt-get install chromium; "
        "elsewhere: .venv/bin/playwright install chromium) or set CHROMIUM=/path/to/chrome"
    )


def caddy(machine=None, *, install=False):
    """The Caddy that validates docker/Caddyfile."""
    machine = machine or Machine()
    name = machine.environ.get("CADDY") or "caddy"
    if path := machine.which(name):
        return path
    if machine.environ.get("CADDY"):
        raise Missing(f"CADDY={name} is not a program on this machine")
    if install and _apt_install(machine, "caddy") and (path := machine.which("caddy")):
        return path
    raise Missing(
        "No caddy to validate docker/Caddyfile: install it (Debian: apt-get install caddy; "
        "elsewhere: https://caddyserver.com/docs/install) or set CADDY=/path/to/caddy"
    )


def _apt_install(machine, package):
    if not (machine.is_root and machine.which("apt-get")):
        return False
    return machine.run(["apt-get", "update", "-qq"]) and machine.run(
        ["apt-get", "install", "-y", "-qq", package]
    )


def main():
    try:
        for name, find in (("chromium", chromium), ("caddy", caddy)):
            print(f"{name}: {find(install=True)}")
    except Missing as missing:
        sys.exit(str(missing))


if __name__ == "__main__":
    main()
