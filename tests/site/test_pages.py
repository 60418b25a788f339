"""What each role sees on its pages, in which language and time zone, under which CSP."""

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "username, path",
    [
        ("staf.kebonjeruk", ["Kota Administrasi Jakarta Barat", "Kebon Jeruk", "Kebon Jeruk"]),
        ("fkdm.tebetbarat", ["Kota Administrasi Jakarta Selatan", "Tebet", "Tebet Barat"]),
        ("operator.jakbar", ["Kota Administrasi Jakarta Barat"]),
        ("admin.provinsi", ["Daerah Khusus Ibukota Jakarta"]),
    ],
)
def test_home_shows_the_area_path_and_counts(signed_in, username, path):
    body = signed_in(username).get("/").content.decode()
    shown = re.search(r'class="path">(.*?)</a>', body, re.S).group(1)
    assert re.findall(r"<span>(.*?)</span>", shown) == path
    assert "Kelurahan" in body and "RT" in body


def test_admin_sees_all_of_jakarta(signed_in):
    counts = dict(
        re.findall(
            r"<dt>(.*?)</dt><dd>(\d+)</dd>", signed_in("admin.provinsi").get("/").content.decode()
        )
    )
    assert counts["Kota/Kabupaten Administrasi"] == "6"
    assert int(counts["Kelurahan"]) >= 10


def test_kelurahan_home_counts_only_its_rw_and_rt(signed_in):
    body = signed_in("piket.kebonjeruk").get("/").content.decode()
    counts = dict(re.findall(r"<dt>(.*?)</dt><dd>(\d+)</dd>", body))
    assert counts == {"Kelurahan": "1", "RW": "5", "RT": "20"}


def test_area_page_lists_children_and_refuses_outsiders(signed_in):
    client = signed_in("staf.kebonjeruk")
    page = client.get("/wilayah/31.73.05.1001/").content.decode()
    assert page.count('href="/wilayah/31.73.05.1001.') == 5  # its five RW
    assert client.get("/wilayah/31.74.01.1002/").status_code == 404
    assert client.get("/wilayah/bukan-kode/").status_code == 404


def test_pages_speak_indonesian_by_default_and_english_on_request(signed_in):
    client = signed_in("fkdm.kebonjeruk")
    assert "Selamat bertugas" in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/").content.decode()
    assert '<html lang="en">' in page
    assert "Welcome on duty" in page


def test_times_are_shown_in_wib(signed_in):
    page = signed_in("fkdm.kebonjeruk").get("/").content.decode()
    assert re.search(r"data-clock>[^<]*\d{2}\.\d{2} WIB<", page)


def test_phone_navigation_is_in_the_page(signed_in):
    page = signed_in("fkdm.kebonjeruk").get("/").content.decode()
    assert 'class="bottom-nav"' in page and 'class="sidebar"' in page


PAGES = ["/", "/wilayah/", "/wilayah/31.73.05.1001/", "/akun/", "/accounts/sessions/"]


def test_csp_is_strict_and_pages_carry_no_inline_script(signed_in):
    client = signed_in("staf.kebonjeruk")
    for path in [*PAGES, "/accounts/password/change/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        policy = response.headers["Content-Security-Policy"]
        assert "script-src 'self';" in policy and "unsafe-inline" not in policy, path
        # No third-party origins, except map tiles (images only).
        outside = set(re.findall(r"https?://[^\s;]+", policy))
        assert outside <= {"https://tile.openstreetmap.org"}, path
        assert "https://tile.openstreetmap.org" in policy.split("img-src")[1].split(";")[0]
        for tag in re.findall(r"<script\b[^>]*>", response.content.decode()):
            assert "src=" in tag or 'type="application/json"' in tag, (path, tag)
        assert not re.search(r"<[^>]+\son[a-z]+=", response.content.decode()), path
    anonymous = Client().get("/accounts/login/")
    assert "Content-Security-Policy" in anonymous.headers


def test_an_english_browser_still_gets_indonesian_until_the_user_switches(signed_in):
    client = signed_in("fkdm.kebonjeruk")
    page = client.get("/", headers={"accept-language": "en-US,en;q=0.9"}).content.decode()
    assert "Selamat bertugas" in page
