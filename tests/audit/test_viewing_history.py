"""Viewing history: everyone sees their own; operators and admins audit their scope and export."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest

from cameras.models import ViewingSession
from kelurahan.demo import DEMO_USERS

pytestmark = [
    pytest.mark.django_db,
    # The CSV is an asynchronous stream (for daphne); the test client reads it synchronously.
    pytest.mark.filterwarnings("ignore:StreamingHttpResponse must consume asynchronous"),
]

HISTORY = "/riwayat/menonton/"
AUDIT = "/riwayat/menonton/wilayah/"
CSV_URL = "/riwayat/menonton/wilayah/csv/"
AUDITORS = {"admin.provinsi", "operator.jakbar", "operator.tebet"}
FIELD_WORKERS = [u.username for u in DEMO_USERS if u.username not in AUDITORS]

# (viewer or None for the public page, camera code, started at in UTC)
WATCHED = [
    ("fkdm.kebonjeruk", "kebonjeruk-simpang", datetime(2026, 11, 20, 1, 0, tzinfo=UTC)),
    ("fkdm.kebonjeruk", "kebonjeruk-gang-masjid", datetime(2026, 11, 21, 2, 0, tzinfo=UTC)),
    ("piket.kebonjeruk", "kebonjeruk-pasar", datetime(2026, 11, 21, 3, 0, tzinfo=UTC)),
    ("staf.kebonjeruk", "kebonjeruk-simpang", datetime(2026, 11, 22, 4, 0, tzinfo=UTC)),
    ("operator.jakbar", "sukabumiutara-arjuna", datetime(2026, 11, 22, 5, 0, tzinfo=UTC)),
    # 17:30 UTC on the 22nd is 00:30 WIB on the 23rd.
    ("staf.tebetbarat", "tebet-eco-park-utara", datetime(2026, 11, 22, 17, 30, tzinfo=UTC)),
    ("piket.tebetbarat", "tebetbarat-pasar", datetime(2026, 11, 23, 6, 0, tzinfo=UTC)),
    ("fkdm.tebetbarat", "tebetbarat-pos-rw004", datetime(2026, 11, 23, 7, 0, tzinfo=UTC)),
    ("operator.tebet", "tebettimur-dalam-raya", datetime(2026, 11, 23, 8, 0, tzinfo=UTC)),
    ("admin.provinsi", "taman-suropati", datetime(2026, 11, 23, 9, 0, tzinfo=UTC)),
    (None, "kebonjeruk-halte", datetime(2026, 11, 23, 10, 0, tzinfo=UTC)),
    (None, "tebet-eco-park-jembatan", datetime(2026, 11, 23, 11, 0, tzinfo=UTC)),
]

# Each auditor's area, written out here rather than read from the code under test.
AUDIT_AREA = {"admin.provinsi": "31", "operator.jakbar": "31.73", "operator.tebet": "31.74.01"}


@pytest.fixture
def viewings(demo_users, demo_cameras):
    for demo in DEMO_USERS:
        user = demo_users[demo.username]
        user.first_name, user.last_name = demo.first_name, demo.last_name
        user.save()
    rows = []
    for username, code, started in WATCHED:
        rows.append(
            ViewingSession.objects.create(
                user=demo_users[username] if username else None,
                camera=demo_cameras[code],
                started_at=started,
                last_seen_at=started + timedelta(minutes=12),
                ip="10.20.30.40" if username else "203.0.113.9",
                user_agent="Mozilla/5.0 (Android 14) Chrome/131"
                if username
                else "=cmd|'/c calc'!A1",
                mode=ViewingSession.Mode.EMBEDDED if username else ViewingSession.Mode.PUBLIC,
            )
        )
    return rows


def _expected(username, viewings):
    """Ids the user may see in the audit: their own, plus their area's when they audit."""
    area = AUDIT_AREA.get(username)
    return {
        v.pk
        for v in viewings
        if (v.user and v.user.username == username)
        or (area and (v.camera.area_id == area or v.camera.area_id.startswith(area + ".")))
    }


def _shown(response):
    return {int(pk) for pk in re.findall(r'data-viewing="(\d+)"', response.content.decode())}


def _csv(response):
    body = b"".join(response).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


@pytest.mark.parametrize("username", [u.username for u in DEMO_USERS])
def test_everyone_sees_exactly_their_own_history(signed_in, viewings, username):
    response = signed_in(username).get(HISTORY)
    assert response.status_code == 200
    own = {v.pk for v in viewings if v.user and v.user.username == username}
    assert own and _shown(response) == own


@pytest.mark.parametrize("username", FIELD_WORKERS)
def test_field_workers_cannot_audit_or_export(signed_in, viewings, username):
    client = signed_in(username)
    assert client.get(AUDIT).status_code == 403
    assert client.get(CSV_URL).status_code == 403
    assert "Riwayat wilayah" not in client.get(HISTORY).content.decode()


@pytest.mark.parametrize("username", sorted(AUDITORS))
def test_auditors_see_their_scope_on_the_page_and_in_the_csv(signed_in, viewings, username):
    client = signed_in(username)
    expected = _expected(username, viewings)
    assert _shown(client.get(AUDIT)) == expected
    rows = _csv(client.get(CSV_URL))
    by_start = {v.started_at: v.pk for v in viewings}
    exported = {by_start[_aware(row[5])] for row in rows[1:]}
    assert exported == expected and len(rows) - 1 == len(expected)


def _aware(wib_text):
    return datetime.strptime(f"{wib_text} +0700", "%Y-%m-%d %H:%M:%S %z")


def test_operator_jakbar_sees_jakarta_barat_not_jakarta_selatan(signed_in, viewings):
    body = signed_in("operator.jakbar").get(AUDIT).content.decode()
    for code in ["kebonjeruk-simpang", "kebonjeruk-pasar", "sukabumiutara-arjuna"]:
        assert code in body
    assert "kebonjeruk-halte" in body  # a public (anonymous) viewing of a Jakarta Barat camera
    for code in ["tebet-eco-park-utara", "tebetbarat-pasar", "taman-suropati"]:
        assert code not in body


def test_admin_sees_every_viewing(signed_in, viewings):
    assert _shown(signed_in("admin.provinsi").get(AUDIT)) == {v.pk for v in viewings}


def test_csv_is_excel_ready_in_wib_and_defuses_formulas(signed_in, viewings):
    response = signed_in("operator.tebet").get(CSV_URL)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert re.match(
        r'attachment; filename="riwayat-menonton-\d{8}-\d{4}\.csv"', response["Content-Disposition"]
    )
    header, *rows = _csv(response)
    assert header[0] == "Pengguna" and header[5] == "Mulai (WIB)"
    staf = next(row for row in rows if row[0] == "staf.tebetbarat")
    assert staf[1:8] == [
        "Rina Marlina",
        "tebet-eco-park-utara",
        "Tebet Eco Park – Gerbang Utara",
        "31.74.01.1002",
        "2026-11-23 00:30:00",
        "2026-11-23 00:42:00",
        "",
    ]
    anonymous = next(row for row in rows if row[2] == "tebet-eco-park-jembatan")
    assert anonymous[0] == "anonim" and anonymous[-3] == "Publik"
    assert anonymous[-2:] == ["", ""]  # live viewing: no recorded range
    assert anonymous[9] == "'=cmd|'/c calc'!A1"  # shown as text in Excel, never run


@pytest.mark.parametrize(
    "query, codes",
    [
        ("person=piket", {"kebonjeruk-pasar"}),
        ("person=Hartono", {"kebonjeruk-simpang", "kebonjeruk-gang-masjid"}),  # FKDM's surname
        ("camera=simpang", {"kebonjeruk-simpang"}),
        ("camera=Jl.+Arjuna", {"sukabumiutara-arjuna"}),
        (
            "area=31.73.05.1001",
            {
                "kebonjeruk-simpang",
                "kebonjeruk-gang-masjid",
                "kebonjeruk-pasar",
                "kebonjeruk-halte",
            },
        ),
        ("date_from=2026-11-21&date_to=2026-11-21", {"kebonjeruk-gang-masjid", "kebonjeruk-pasar"}),
        (
            "date_from=2026-11-22",
            {"sukabumiutara-arjuna", "kebonjeruk-halte", "kebonjeruk-simpang"},
        ),
    ],
)
def test_filters_apply_to_page_and_csv(signed_in, viewings, query, codes):
    client = signed_in("operator.jakbar")
    body = client.get(f"{AUDIT}?{query}").content.decode()
    shown = set(re.findall(r"<code>([a-z0-9-]+)</code></td>", body))
    assert shown == codes
    assert {row[2] for row in _csv(client.get(f"{CSV_URL}?{query}"))[1:]} == codes


def test_dates_are_jakarta_days(signed_in, viewings):
    # Started 22 Nov 17:30 UTC, which is 23 Nov 00:30 WIB.
    body = (
        signed_in("operator.tebet")
        .get(f"{AUDIT}?date_from=2026-11-23&date_to=2026-11-23")
        .content.decode()
    )
    assert "tebet-eco-park-utara" in body
    body = signed_in("operator.tebet").get(f"{AUDIT}?date_to=2026-11-22").content.decode()
    assert "tebet-eco-park-utara" not in body


def test_bad_filters_are_explained_not_500(signed_in, viewings):
    client = signed_in("operator.jakbar")
    response = client.get(f"{AUDIT}?date_from=2026-11-23&date_to=2026-11-20")
    assert response.status_code == 200
    assert "Tanggal akhir sebelum tanggal awal." in response.content.decode()
    response = client.get(f"{AUDIT}?date_from=kemarin&page=abc")
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    # An area outside the operator's scope is not a choice: an error, and no rows from it.
    response = client.get(f"{AUDIT}?area=31.74.01.1002")
    body = response.content.decode()
    assert response.status_code == 200 and "errorlist" in body
    assert "tebet-eco-park-utara" not in body


def test_area_choices_are_scoped(signed_in, viewings):
    body = signed_in("operator.jakbar").get(AUDIT).content.decode()
    assert 'value="31.73.05.1001"' in body
    assert 'value="31.74.01.1002"' not in body and 'value="31"' not in body


def test_pages_are_paginated_and_keep_filters(signed_in, viewings, demo_users, demo_cameras):
    ViewingSession.objects.bulk_create(
        ViewingSession(
            user=demo_users["fkdm.kebonjeruk"],
            camera=demo_cameras["kebonjeruk-pasar"],
            started_at=datetime(2026, 11, 1, tzinfo=UTC) + timedelta(hours=n),
            mode=ViewingSession.Mode.EMBEDDED,
        )
        for n in range(60)
    )
    client = signed_in("fkdm.kebonjeruk")
    first, second = client.get(HISTORY), client.get(f"{HISTORY}?page=2")
    assert len(_shown(first)) == 50 and len(_shown(second)) == 12
    assert not _shown(first) & _shown(second)
    audit = signed_in("operator.jakbar").get(f"{AUDIT}?person=fkdm")
    assert 'href="?person=fkdm&amp;page=2"' in audit.content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(client, viewings):
    for url in [HISTORY, AUDIT, CSV_URL]:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_the_app_never_changes_viewing_rows(signed_in, viewings):
    client = signed_in("admin.provinsi")
    before = list(ViewingSession.objects.order_by("pk").values_list())
    for url in [HISTORY, AUDIT, CSV_URL]:
        assert client.post(url).status_code == 405
        assert client.delete(url).status_code == 405
    assert list(ViewingSession.objects.order_by("pk").values_list()) == before


def test_account_page_links_to_the_history(signed_in):
    body = signed_in("fkdm.kebonjeruk").get("/akun/").content.decode()
    assert f'href="{HISTORY}"' in body
    assert "Riwayat wilayah" in signed_in("operator.jakbar").get(HISTORY).content.decode()


@pytest.mark.parametrize("start", ["\uff1d", "\uff0b", "\uff0d", "\uff20", "\ufe62"])
def test_csv_defuses_full_width_and_small_formula_signs_too(signed_in, viewings, start):
    """Excel and LibreOffice fold ＝ ＋ － ＠ (and the small forms) into = + - @."""
    ViewingSession.objects.filter(user=None).update(user_agent=f"{start}cmd|'/c calc'!A1")
    rows = _csv(signed_in("admin.provinsi").get(CSV_URL))
    agents = {row[9] for row in rows[1:] if row[0] == "anonim"}
    assert agents == {f"'{start}cmd|'/c calc'!A1"}
