"""In real Chromium: the provincial admin invites a new FKDM volunteer for Tebet Barat, the
volunteer sets a password on their phone and watches a Tebet Barat camera live; the admin revokes
the role and the volunteer's open camera page stops playing. And the CSV import page on a phone,
with its dry run before anything is saved."""

import re

import pytest
from django.core import mail

from cameras import gate
from kelurahan.models import RoleAssignment, User
from tests.browser import PHONE, sign_in
from tests.cameras.test_browser_video import STATE_IS, wait_until_playing
from tests.personas import PASSWORD, TEBET_BARAT, enrol_totp, totp_code

pytest_plugins = ["tests.streams"]
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CAMERA = "tebet-eco-park-utara"  # a Tebet Barat camera
DESKTOP = {"viewport": {"width": 1280, "height": 800}}


@pytest.fixture(autouse=True)
def _fresh_gate():
    gate.forget_decisions()
    yield
    gate.forget_decisions()


def _admin_page(open_page, demo_users, **options):
    secret = enrol_totp(demo_users["admin.provinsi"])
    page = open_page("/accounts/login/", **options)
    sign_in(page, "admin.provinsi", PASSWORD, lambda: totp_code(secret))
    return page


def test_admin_invites_a_volunteer_who_watches_until_the_role_is_revoked(
    open_page, demo_users, demo_cameras, live_streams
):
    live_streams(CAMERA)
    admin = _admin_page(open_page, demo_users, **DESKTOP)
    admin.on("dialog", lambda dialog: dialog.accept())  # "Cabut peran ...?"
    admin.click(".sidebar >> text=Kelola orang")
    admin.wait_for_url("**/kelola/orang/")
    admin.click("main >> text=Undang orang")
    admin.fill("#id_email", "sri.wahyuni@relawan.test")
    admin.fill("#id_first_name", "Sri")
    admin.fill("#id_last_name", "Wahyuni")
    admin.select_option("#id_role", "relawan_fkdm")
    admin.fill("#id_area", "Tebet Barat")  # by name, as the suggestions list shows it
    admin.click("main button[type=submit]")
    admin.wait_for_url(re.compile(r"/kelola/orang/\d+/$"))
    assert "Undangan dikirim ke sri.wahyuni@relawan.test" in admin.inner_text(".messages")
    assert admin.get_attribute("[data-person-status]", "data-person-status") == "diundang"

    # The volunteer opens the email on their phone and sets a password.
    (email,) = mail.outbox
    link = re.search(r"https?://[^/\s]+(/undangan/\S+/)", email.body).group(1)
    phone = open_page(link, **PHONE)
    assert "Selamat datang, Sri" in phone.inner_text("main")
    phone.fill("#id_new_password1", "Relawan-Tebet-2026")
    phone.fill("#id_new_password2", "Relawan-Tebet-2026")
    phone.click("main button[type=submit]")
    phone.wait_for_url(lambda url: url.endswith("/"))
    assert phone.locator(".assignments [data-area]").evaluate_all(
        "items => items.map(item => item.dataset.area)"
    ) == [TEBET_BARAT]
    phone.goto("/kamera/")
    listed = phone.locator("[data-camera]").evaluate_all(
        "rows => rows.map(row => row.dataset.camera)"
    )
    assert CAMERA in listed and not any(code.startswith("kebonjeruk") for code in listed)
    phone.goto(f"/kamera/{demo_cameras[CAMERA].pk}/")
    wait_until_playing(phone, CAMERA, seconds=2)

    # The admin revokes the role; the open player stops on its own (no reload).
    person = User.objects.get(email="sri.wahyuni@relawan.test")
    assignment = RoleAssignment.objects.get(user=person)
    admin.reload()
    admin.click(f"[data-assignment='{assignment.pk}'] button")
    admin.wait_for_selector(f"[data-assignment='{assignment.pk}'][data-state='dicabut']")
    phone.wait_for_function(STATE_IS, arg=[CAMERA, "message"], timeout=60_000)
    assert "Sesi Anda sudah berakhir" in phone.inner_text("[data-player-state]")
    assert "/accounts/login/" in phone.goto("/kamera/").url  # signed out


def test_import_page_previews_then_applies_on_a_phone(open_page, demo_users, tmp_path):
    roster = tmp_path / "fkdm-tebet-barat.csv"
    roster.write_text(
        "username,email,first_name,last_name,role,area_code,valid_until\n"
        f"ani.fkdm,ani@relawan.test,Ani,,relawan_fkdm,{TEBET_BARAT},\n"
        f"bayu.fkdm,bayu@relawan.test,Bayu,,relawan_fkdm,{TEBET_BARAT}.001,31/12/2099\n"
        "cici.fkdm,cici@relawan.test,Cici,,relawan_fkdm,31.73.05.1001,\n",
        encoding="utf-8",
    )
    page = open_page("/accounts/login/", **PHONE)
    sign_in(page, "staf.tebetbarat", PASSWORD)
    page.goto("/akun/")
    page.click("main >> text=Kelola orang")  # the phone's way in: no room in the bottom bar
    page.click("main >> text=Impor CSV")
    page.set_input_files("#id_file", str(roster))
    page.click("main button[type=submit]")
    page.wait_for_selector("[data-import-report='dry-run']")
    assert page.inner_text("[data-count=new_people]") == "2"
    assert "Baris 4 (cici.fkdm): area_code: Wilayah ini di luar wilayah kelolaan Anda." in (
        page.inner_text(".import-rejected")
    )
    assert not User.objects.filter(username="ani.fkdm").exists()
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1]  # no sideways scrolling

    page.click("main >> text=Terapkan impor")
    page.wait_for_selector("[data-import-report='applied']")
    assert page.inner_text("[data-count=invited]") == "2"
    assert page.locator(".bottom-nav >> text=Kelola orang").count() == 0  # no room there

    # The list and a person's page fit the phone too.
    page.goto("/kelola/orang/?q=ani")
    page.click("[data-person='ani.fkdm'] a")
    page.wait_for_selector("[data-person-status='diundang']")
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1]
    assert set(
        User.objects.filter(username__endswith=".fkdm").values_list("username", flat=True)
    ) == {
        "ani.fkdm",
        "bayu.fkdm",
    }
