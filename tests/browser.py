"""Playwright driving the Chromium that `make test` provided (tests/provision.py)."""

# Without the background-networking flags Chromium keeps calling home, and this network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def sign_in(page, username, password, totp=None):
    page.goto("/accounts/login/")
    page.fill("#id_login", username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    if totp:
        page.wait_for_url("**/accounts/2fa/authenticate/")
        page.fill("#id_code", totp())
        page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/" not in url)
