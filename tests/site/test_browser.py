"""In real Chromium: every demo role signs in and sees only its area; phones get a bottom bar."""

import pytest

from tests.browser import PHONE, sign_in
from tests.personas import PASSWORD, enrol_totp, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# username → (the area codes shown as theirs, an area they must not reach)
EXPECTED = {
    "admin.provinsi": (["31"], None),
    "operator.jakbar": (["31.73"], "31.74.01.1002"),
    "staf.kebonjeruk": (["31.73.05.1001"], "31.74.01.1002"),
    "piket.kebonjeruk": (["31.73.05.1001"], "31.74.01.1002"),
    "fkdm.kebonjeruk": (["31.73.05.1001"], "31.73.05.1002"),
    "fkdm.tebetbarat": (["31.74.01.1002"], "31.73.05.1001"),
}


@pytest.mark.parametrize("username", EXPECTED)
def test_each_demo_user_signs_in_and_sees_only_their_area(open_page, demo_users, username):
    own, forbidden = EXPECTED[username]
    totp = None
    if username == "admin.provinsi":
        secret = enrol_totp(demo_users[username])
        totp = lambda: totp_code(secret)  # noqa: E731
    page = open_page("/accounts/login/")
    sign_in(page, username, PASSWORD, totp)

    shown = page.locator(".assignments [data-area]").evaluate_all(
        "items => items.map(item => item.dataset.area)"
    )
    assert shown == own
    page.goto("/wilayah/")
    listed = page.locator(".area-list a").evaluate_all(
        "links => links.map(link => link.getAttribute('href'))"
    )
    assert listed == [f"/wilayah/{code}/" for code in own]
    page.goto(f"/wilayah/{own[0]}/")
    children = page.locator(".area-list a").evaluate_all(
        "links => links.map(link => link.getAttribute('href').split('/')[2])"
    )
    assert children and all(child.startswith(own[0] + ".") for child in children)
    if forbidden:
        assert page.goto(f"/wilayah/{forbidden}/").status == 404
        assert page.goto(f"/api/v1/areas/{forbidden}/").status == 404


def test_phone_gets_bottom_navigation_and_no_sideways_scroll(open_page, demo_users):
    page = open_page("/accounts/login/", **PHONE)
    sign_in(page, "fkdm.kebonjeruk", PASSWORD)
    assert page.locator(".bottom-nav").is_visible()
    assert not page.locator(".sidebar").is_visible()
    for box in page.locator(".bottom-nav a").evaluate_all(
        "links => links.map(link => link.getBoundingClientRect().height)"
    ):
        assert box >= 44  # a thumb-sized target
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1]
    page.locator(".bottom-nav a", has_text="Wilayah").click()
    page.wait_for_url("**/wilayah/")
    assert page.locator(".bottom-nav a[aria-current=page]").inner_text().strip() == "Wilayah"


def test_desktop_gets_the_sidebar_and_the_language_switch_works(open_page, demo_users):
    page = open_page("/accounts/login/", viewport={"width": 1366, "height": 768})
    sign_in(page, "staf.kebonjeruk", PASSWORD)
    assert page.locator(".sidebar").is_visible()
    assert not page.locator(".bottom-nav").is_visible()
    assert page.locator("[data-clock]").inner_text().endswith("WIB")
    page.select_option("#language-select", "en")
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert "Welcome on duty" in page.locator("h1").inner_text()
