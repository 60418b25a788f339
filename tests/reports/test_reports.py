"""Reports (/laporan/ and its CSVs) and the public statistics (/statistik/, /api/v1/public/stats/):
the numbers on a known set of incidents and cameras, the SLA and uptime arithmetic, CSV equal to
the page, the export signal, bad input, the leak matrix, and a phone in real Chromium."""

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from cameras import health
from cameras.models import Camera, CameraStatusChange
from incidents.services import incident_acknowledge, incident_escalate, incident_transition
from kelurahan.models import RoleAssignment
from kelurahan.signals import exported
from reports.stats import Breakdown, Period, camera_figures
from tests.browser import PHONE, sign_in
from tests.figures import MATRIX_CASES
from tests.incident_helpers import kecamatan_operators, raise_incident
from tests.personas import (
    KEBON_JERUK,
    KEBON_JERUK_RT,
    PASSWORD,
    SUKABUMI_UTARA,
    TEBET_BARAT,
    enrol_totp,
    make_user,
)

MENTENG = "31.71.06.1001"
KELAPA_DUA = "31.73.05.1004"
TABLES = ["kejadian-bulan", "kejadian-kategori", "kejadian-wilayah", "sla", "kamera"]


# --- Helpers ----------------------------------------------------------------------------------


def in_month(months_ago, now):
    """A moment inside the WIB month `months_ago` months before now's, never in the future."""
    start = Period.last_months(months_ago + 1, now).start
    return start + (now - start) / 2 if months_ago == 0 else start + timedelta(days=10, hours=3)


def month_param(months_ago, now):
    return f"{Period.last_months(months_ago + 1, now).first:%Y-%m}"


def read_csv(client, table, **query):
    response = client.get(f"/laporan/{table}.csv", query)
    assert response.status_code == 200, response.content.decode()
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")  # Excel reads UTF-8 only with the BOM
    return list(csv.reader(io.StringIO(text[1:])))


def by_first(rows, column=0):
    return {row[column]: row for row in rows[1:]}


class _Tables(HTMLParser):
    """Every <table data-table> of a page as rows of cell texts (header, body, total)."""

    def __init__(self):
        super().__init__()
        self.tables, self.current, self.row, self.cell = {}, None, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "data-table" in attrs:
            self.current = self.tables.setdefault(attrs["data-table"], [])
        elif tag == "tr" and self.current is not None:
            self.row = []
        elif tag in {"td", "th"} and self.row is not None:
            self.cell = ""

    def handle_endtag(self, tag):
        if tag in {"td", "th"} and self.cell is not None:
            self.row.append(self.cell.strip())
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.current.append(self.row)
            self.row = None
        elif tag == "table":
            self.current = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def page_tables(body):
    parser = _Tables()
    parser.feed(body)
    return parser.tables


def as_csv_cell(text):
    """What a page cell is in the CSV: no "—", percentages as 61.5 rather than 61,5%."""
    if text == "—":
        return ""
    if re.fullmatch(r"\d+,\d%", text):
        return text[:-1].replace(",", ".")
    return text


# --- Numbers on a known set -------------------------------------------------------------------


@pytest.fixture
def known_incidents(demo_users, demo_cameras):
    """Incidents over several months, categories and areas (all at kelurahan level)."""
    now = timezone.now()
    specs = [
        (KEBON_JERUK, "tawuran", 0),
        (KEBON_JERUK, "tawuran", 0),
        (KEBON_JERUK, "banjir", 1),
        (KEBON_JERUK_RT, "kebakaran", 2),
        (SUKABUMI_UTARA, "banjir", 0),
        (TEBET_BARAT, "banjir", 0),
        (TEBET_BARAT, "tawuran", 1),
        (MENTENG, "kriminalitas", 4),
        (KEBON_JERUK, "tawuran", 8),  # before the default six months
    ]
    for area, category, months_ago in specs:
        raise_incident(area_code=area, category=category, now=in_month(months_ago, now))
    return now


@pytest.mark.django_db
def test_numbers_by_month_category_and_area(signed_in, known_incidents):
    now = known_incidents
    admin = signed_in("admin.provinsi")
    months = read_csv(admin, "kejadian-bulan")
    assert months[0] == ["Bulan", "Banjir", "Tawuran", "Kebakaran", "Kriminalitas", "Jumlah"]
    assert [row[1:] for row in months[1:7]] == [
        ["0", "0", "0", "0", "0"],
        ["0", "0", "0", "1", "1"],
        ["0", "0", "0", "0", "0"],
        ["0", "0", "1", "0", "1"],
        ["1", "1", "0", "0", "2"],
        ["2", "2", "0", "0", "4"],
    ]  # oldest month first, this month last
    assert months[7] == ["Jumlah", "3", "3", "1", "1", "8"]

    categories = by_first(read_csv(admin, "kejadian-kategori"))
    assert categories["Banjir"] == ["Banjir", "3", "37.5"]
    assert categories["Kebakaran"][1:] == ["1", "12.5"] and categories["Lainnya"][1:] == [
        "0",
        "0.0",
    ]

    # The province breaks down by kota; Jakarta Barat by kecamatan, Kebon Jeruk by kelurahan.
    kota = by_first(read_csv(admin, "kejadian-wilayah"))
    assert kota["31.73"][1:] == ["Kota Administrasi Jakarta Barat", "2", "2", "1", "0", "5"]
    assert kota["31.74"][-1] == "2" and kota["31.71"][-1] == "1" and kota["31.75"][-1] == "0"
    kecamatan = by_first(read_csv(admin, "kejadian-wilayah", area="31.73.05"))
    assert {code: row[-1] for code, row in kecamatan.items()} == {
        KEBON_JERUK: "4",
        SUKABUMI_UTARA: "1",
        KELAPA_DUA: "0",
        "": "5",
    }
    # Filters: a category, a longer period.
    assert read_csv(admin, "kejadian-kategori", category="banjir")[1:] == [
        ["Banjir", "3", "100.0"],
        ["Jumlah", "3", "100.0"],
    ]
    longer = read_csv(
        admin, "kejadian-bulan", month_from=month_param(8, now), month_to=month_param(0, now)
    )
    assert len(longer) == 1 + 9 + 1 and longer[-1][-1] == "9"

    # A kelurahan officer's report is their kelurahan (RT included), nothing else.
    staf = read_csv(signed_in("staf.kebonjeruk"), "kejadian-wilayah")
    assert [row[0] for row in staf[1:]] == [KEBON_JERUK, ""] and staf[1][-1] == "4"

    # Staff of two kelurahan: one row for each, side by side.
    both = make_user("staf.dua", "staf_kelurahan", KEBON_JERUK)
    RoleAssignment.objects.create(user=both, role="staf_kelurahan", area_id=TEBET_BARAT)
    client = Client()
    client.force_login(both)
    rows = read_csv(client, "kejadian-wilayah")
    assert {row[0]: row[-1] for row in rows[1:]} == {KEBON_JERUK: "4", TEBET_BARAT: "2", "": "6"}
    assert "Semua wilayah saya" in client.get("/laporan/").content.decode()


@pytest.mark.django_db
def test_the_page_shows_the_tables_and_charts(signed_in, known_incidents):
    _camera_history(known_incidents)
    admin = signed_in("admin.provinsi")
    response = admin.get("/laporan/")
    assert response.status_code == 200
    body = response.content.decode()
    tables = page_tables(body)
    assert set(tables) == set(TABLES)
    assert body.count('<svg class="chart"') == 5
    assert "<title>Kota Administrasi Jakarta Barat · Kejadian: 5</title>" in body
    assert " style=" not in body.split("<main", 1)[1]  # the CSP admits no inline style
    # Drilling down: each kota row links to its own report.
    assert 'href="?area=31.73"' in body
    summary = re.search(r"<dt>Kejadian</dt><dd>(\d+)</dd>", body)
    assert summary and summary[1] == "8"
    drilled = admin.get("/laporan/", {"area": "31.73"}).content.decode()
    assert '<option value="31.73" selected>' in drilled and "Laporan · Kota" in drilled


@pytest.mark.django_db
def test_csv_equals_the_table_on_the_page(signed_in, known_incidents, settings):
    client = signed_in("admin.provinsi")
    now = timezone.now()
    _camera_history(now)
    # Up to last month: uptime figures that no longer move with the clock.
    period = {"month_from": month_param(5, now), "month_to": month_param(1, now)}
    for extra in [{}, {"area": "31.74.01"}, {"category": "tawuran", "area": "31.73"}]:
        query = {**period, **extra}
        tables = page_tables(client.get("/laporan/", query).content.decode())
        for table in TABLES:
            shown = [[as_csv_cell(cell) for cell in row] for row in tables[table]]
            assert shown == read_csv(client, table, **query), (table, query)


@pytest.mark.django_db
def test_each_csv_download_is_announced_for_the_trail(signed_in, known_incidents):
    heard = []

    def listener(sender, **kwargs):
        heard.append(kwargs)

    exported.connect(listener)
    try:
        client = signed_in("operator.tebet")
        client.get("/laporan/")  # looking is not exporting
        assert heard == []
        rows = read_csv(client, "sla", area="31.74.01.1002")
        read_csv(client, "kamera")
    finally:
        exported.disconnect(listener)
    first, second = heard
    assert first["by"].username == "operator.tebet"
    assert first["what"] == "laporan_sla" and first["area_code"] == "31.74.01.1002"
    assert first["rows"] == len(rows) - 2  # header and total row excluded
    assert first["request"].path == "/laporan/sla.csv"
    assert second["what"] == "laporan_kamera" and second["area_code"] == ""
    assert second["rows"] == 3  # Tebet's three kelurahan


# --- SLA compliance ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_sla_compliance_math(signed_in, demo_users, settings):
    """Tinggi: acknowledge within 15 minutes of the report; follow up within 6 days."""
    settings.INCIDENT_ACK_SECONDS = {**settings.INCIDENT_ACK_SECONDS, "tinggi": 900}
    settings.INCIDENT_FOLLOW_UP_DAYS = 6
    now = timezone.now()
    t0 = now - timedelta(days=10)
    minutes = lambda n: t0 + timedelta(minutes=n)  # noqa: E731

    def new(**fields):
        return raise_incident(area_code=TEBET_BARAT, severity="tinggi", now=t0, **fields).pk

    # A: acknowledged and finished in time.
    a = new()
    incident_acknowledge(incident_id=a, by=None, now=minutes(10))
    incident_transition(incident_id=a, by=None, to="selesai", now=t0 + timedelta(days=2))
    # B: acknowledged late, finished late.
    b = new()
    incident_acknowledge(incident_id=b, by=None, now=minutes(30))
    incident_transition(incident_id=b, by=None, to="selesai", now=t0 + timedelta(days=7))
    # C: never answered: late for both, overdue now.
    new()
    # D: just reported (rendah: 4 hours to acknowledge): neither deadline has come yet.
    raise_incident(area_code=TEBET_BARAT, severity="rendah", now=now - timedelta(minutes=1))
    # E: closed as a false alarm within 5 minutes: answered and finished in time.
    e = new()
    incident_transition(incident_id=e, by=None, to="ditutup", reason="keliru", now=minutes(5))
    # F: three days old, acknowledged in time, being handled: its follow-up clock still runs.
    f = raise_incident(area_code=TEBET_BARAT, severity="tinggi", now=now - timedelta(days=3))
    incident_acknowledge(incident_id=f.pk, by=None, now=f.created_at + timedelta(minutes=3))
    # G: escalated unacknowledged, then acknowledged in the next level's time: still late
    # against its first deadline; open past its follow-up deadline.
    g = new()
    incident_escalate(incident_id=g, by=None, now=minutes(20))
    incident_acknowledge(incident_id=g, by=None, now=minutes(25))

    rows = read_csv(signed_in("staf.tebetbarat"), "sla")
    header, row, total = rows
    assert dict(zip(header[2:], row[2:], strict=True)) == {
        "Kejadian": "7",
        "Diterima tepat waktu": "3",  # A, E, F
        "Sudah dinilai (terima)": "6",  # all but D
        "Diterima tepat waktu (%)": "50.0",
        "Selesai tepat waktu": "2",  # A, E
        "Sudah dinilai (tindak lanjut)": "5",  # A, B, C, E, G
        "Selesai tepat waktu (%)": "40.0",
        "Masih terbuka": "4",  # C, D, F, G
        "Terlambat sekarang": "2",  # C, G
    }
    assert total[2:] == row[2:]


# --- Camera uptime ----------------------------------------------------------------------------


def _camera_history(now):
    """Status histories of Tebet Barat's cameras over last month (L = its length):
    utara online all along; jembatan offline, online from L/4 to L/2; dalam-raya first seen at
    L/2 (online); pos-rw004 first seen offline at L/4, online from 3L/4; pasar retired (its
    history does not count). Uptime: (L + L/4 + L/2 + L/4) / (L + L + L/2 + 3L/4) = 2 / 3.25."""
    period = Period.last_months(2, now)
    start, length = period.start, Period(period.first, period.first).end - period.start
    at = lambda share: start + length * share  # noqa: E731
    cameras = {c.code: c for c in Camera.objects.filter(area__code__startswith=TEBET_BARAT)}
    history = {
        "tebet-eco-park-utara": [(True, -0.5)],
        "tebet-eco-park-jembatan": [(False, -0.5), (True, 0.25), (False, 0.5)],
        "tebetbarat-dalam-raya": [(True, 0.5)],
        "tebetbarat-pos-rw004": [(False, 0.25), (True, 0.75)],
        "tebetbarat-pasar": [(True, -0.5)],
    }
    for code, changes in history.items():
        for online, share in changes:
            CameraStatusChange.objects.create(camera=cameras[code], online=online, at=at(share))
    Camera.objects.filter(code="tebetbarat-pasar").update(status=Camera.Status.RETIRED)
    Camera.objects.filter(code__in=["tebet-eco-park-utara", "tebetbarat-dalam-raya"]).update(
        online=True
    )
    return period.first, cameras


@pytest.mark.django_db
def test_camera_uptime_by_kelurahan(signed_in, demo_cameras):
    now = timezone.now()
    month, _cameras = _camera_history(now)
    rows = read_csv(
        signed_in("operator.tebet"),
        "kamera",
        month_from=f"{month:%Y-%m}",
        month_to=f"{month:%Y-%m}",
    )
    assert rows[0][2:] == [
        "Kamera",
        "Beroperasi",
        "Daring sekarang",
        "Daring sekarang (%)",
        "Uptime periode (%)",
    ]
    found = by_first(rows)
    assert found[TEBET_BARAT][2:] == ["5", "4", "2", "50.0", f"{100 * 2 / 3.25:.1f}"]
    assert found["31.74.01.1001"][2:] == ["3", "3", "0", "0.0", ""]  # no history: no uptime
    assert found[""][2:] == ["9", "8", "2", "25.0", f"{100 * 2 / 3.25:.1f}"]


@pytest.mark.django_db
def test_uptime_agrees_with_the_camera_page_helper(demo_cameras):
    """Camera by camera, the grouped SQL gives what cameras.health.uptime computes in Python."""
    now = timezone.now()
    month, cameras = _camera_history(now)
    period = Period(month, month)
    for camera in cameras.values():
        if camera.code == "tebetbarat-pasar":
            continue
        alone = Camera.objects.filter(pk=camera.pk)
        figures = camera_figures(
            alone,
            breakdown=Breakdown([camera.area], None),
            start=period.start,
            end=period.end,
        )
        tally = figures[camera.area_id]
        expected = health.uptime([camera], period.start, period.end)[camera.pk]
        assert tally.uptime == pytest.approx(100 * expected), camera.code


# --- Bad input --------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"month_from": "2026-13"}, "Bulan tidak valid"),
        ({"month_from": "kemarin"}, "Bulan tidak valid"),
        ({"month_from": "2026-05", "month_to": "2026-02"}, "Bulan akhir sebelum bulan awal"),
        ({"month_from": "2020-01", "month_to": "2026-01"}, "Periode paling panjang 36 bulan"),
        ({"area": "31.74"}, "di luar wilayah Anda"),  # outside Jakarta Barat
        ({"area": "' OR 1=1"}, "Wilayah tidak dikenal"),
        ({"category": "gempa"}, "Kategori tidak dikenal"),
    ],
)
def test_bad_filters_get_a_message_not_a_500(signed_in, demo_users, query, message):
    client = signed_in("operator.jakbar")
    page = client.get("/laporan/", query)
    assert page.status_code == 400 and message in page.content.decode()
    assert 'data-table="' not in page.content.decode()
    download = client.get("/laporan/sla.csv", query)
    assert download.status_code == 400 and message in download.content.decode()


@pytest.mark.django_db
def test_months_still_to_come_give_an_empty_report(signed_in, known_incidents):
    client = signed_in("operator.tebet")
    _camera_history(known_incidents)
    coming = f"{Period.last_months(1, known_incidents).end:%Y-%m}"
    assert client.get("/laporan/", {"month_from": coming, "month_to": coming}).status_code == 200
    rows = read_csv(client, "kamera", month_from=coming, month_to=coming)
    assert rows[-1][2:] == ["9", "8", "2", "25.0", ""]  # no uptime yet
    assert read_csv(client, "kejadian-bulan", month_from=coming, month_to=coming)[-1] == [
        "Jumlah",
        "0",
    ]


@pytest.mark.django_db
def test_the_filter_shows_the_months_the_report_covers(signed_in, known_incidents):
    body = signed_in("staf.kebonjeruk").get("/laporan/").content.decode()
    assert f'value="{month_param(5, known_incidents)}"' in body
    assert f'value="{month_param(0, known_incidents)}"' in body


@pytest.mark.django_db
def test_unknown_tables_and_writes_are_refused(signed_in, demo_users):
    client = signed_in("staf.kebonjeruk")
    assert client.get("/laporan/rahasia.csv").status_code == 404
    assert client.post("/laporan/").status_code == 405
    assert client.post("/laporan/sla.csv").status_code == 405


@pytest.mark.django_db
def test_laporan_is_in_the_navigation_of_those_allowed(signed_in, demo_users):
    for username in demo_users:
        body = signed_in(username).get("/").content.decode()
        allowed = username.split(".")[0] in {"admin", "operator", "staf"}
        assert ('href="/laporan/"' in body) is allowed, username


@pytest.mark.django_db
def test_the_report_takes_as_many_queries_whatever_the_data(signed_in, known_incidents):
    """Grouped in the database: more incidents, areas, months and camera history add rows to
    the same few queries, never queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = signed_in("admin.provinsi")
    client.get("/laporan/")  # warm the grants cache

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/laporan/").status_code == 200
        return len(captured)

    before = queries()
    _camera_history(known_incidents)
    for months_ago in range(6):
        for area in [TEBET_BARAT, MENTENG, SUKABUMI_UTARA]:
            raise_incident(
                area_code=area, category="lainnya", now=in_month(months_ago, known_incidents)
            )
    assert queries() == before


# --- The leak matrix --------------------------------------------------------------------------

# An incident's level as a depth, written out here rather than taken from the code under test.
_DEPTH = {"kelurahan": 4, "kecamatan": 3, "kota": 2, "provinsi": 1}
_REPORTERS = {"admin_provinsi", "operator", "staf_kelurahan"}  # the roles that may export


@dataclass(frozen=True)
class Probe:
    name: str
    area: str
    level: str
    category: str


@dataclass(frozen=True)
class Persona:
    name: str
    client: Client
    scope: tuple = ()
    role: str = ""

    @property
    def reports(self):
        return self.role in _REPORTERS

    def covers(self, code):
        return any(code == s or code.startswith(s + ".") for s in self.scope)

    def counts(self, probe):
        """Counted in this persona's report: in their area, at their level (admins: always)."""
        depth = max((s.count(".") + 1 for s in self.scope if self.covers(probe.area)), default=0)
        in_reach = self.role == "admin_provinsi" or _DEPTH[probe.level] <= depth
        return self.reports and self.covers(probe.area) and in_reach


@pytest.fixture
def report_probes(demo_users, demo_cameras):
    """One incident per category, in and out of each persona's area, at several levels."""
    specs = [
        ("kebonjeruk", KEBON_JERUK, 0, "tawuran"),
        ("kebonjeruk-kec", KEBON_JERUK, 1, "kebakaran"),
        ("kebonjeruk-kota", KEBON_JERUK, 2, "banjir"),
        ("kebonjeruk-rt", KEBON_JERUK_RT, 0, "kriminalitas"),
        ("sukabumiutara-kota", SUKABUMI_UTARA, 2, "kecelakaan"),
        ("tebetbarat", TEBET_BARAT, 0, "kerumunan"),
        ("tebetbarat-kec", TEBET_BARAT, 1, "pohon_tumbang"),
        ("menteng-provinsi", MENTENG, 3, "gangguan_ketertiban"),
    ]
    probes = []
    for name, area, escalations, category in specs:
        incident = raise_incident(area_code=area, category=category, title=f"Probe {name}")
        for _ in range(escalations):
            incident = incident_escalate(incident_id=incident.pk, by=None)
        probes.append(Probe(name, area, incident.level, category))
    return probes


@pytest.fixture
def report_personas(demo_users, lapsed_users):
    from kelurahan.demo import DEMO_USERS

    people = []
    for demo in DEMO_USERS:
        user = demo_users[demo.username]
        if demo.username == "admin.provinsi":
            enrol_totp(user)
        client = Client()
        client.force_login(user)
        people.append(Persona(demo.username, client, (demo.area_code,), demo.role))
    for username, user in {**kecamatan_operators(), **lapsed_users}.items():
        client = Client()
        client.force_login(user)
        scope = {"operator.kec.kebonjeruk": ("31.73.05",), "operator.kec.tebet": ("31.74.01",)}
        if username in scope:
            people.append(Persona(username, client, scope[username], "operator"))
        else:
            people.append(Persona(username, client))
    people.append(Persona("anonymous", Client()))
    return people


def _refusal(persona):
    return {302} if not persona.scope else {403}


def _kelurahan_of(code):
    return ".".join(code.split(".")[:4])


@pytest.mark.django_db
def test_leak_matrix_reports(report_personas, report_probes):
    """Every persona × the page and each CSV × incidents and cameras in and out of their area:
    an incident is counted exactly when the persona may see it; a camera exactly when it lies
    in their area; nobody gets a row of an area outside theirs; piket, FKDM, lapsed and
    anonymous users get nothing."""
    cameras = list(Camera.objects.values_list("code", "area_id"))
    cases = 0
    for persona in report_personas:
        client = persona.client
        for probe in report_probes:
            where = f"{persona.name} → {probe.name}"
            query = {"category": probe.category}
            urls = ["/laporan/", *[f"/laporan/{t}.csv" for t in TABLES if t != "kamera"]]
            for url in urls:
                response = client.get(url, query)
                cases += 1
                if not persona.reports:
                    assert response.status_code in _refusal(persona), (where, url)
                    assert b"Probe" not in response.content
                    continue
                assert response.status_code == 200, (where, url)
                expected = "1" if persona.counts(probe) else "0"
                assert _incident_total(url, response) == expected, (where, url)
                assert all(persona.covers(c) for c in _area_codes(url, response) if c), where
            # Drilling into the probe's kelurahan: allowed inside the persona's area only.
            kelurahan = _kelurahan_of(probe.area)
            query["area"] = kelurahan
            response = client.get("/laporan/kejadian-wilayah.csv", query)
            cases += 1
            if not persona.reports:
                assert response.status_code in _refusal(persona), where
            elif not persona.covers(kelurahan):
                assert response.status_code == 400 and b"Probe" not in response.content, where
            else:
                rows = list(csv.reader(io.StringIO(response.content.decode()[1:])))
                assert rows[-1][-1] == ("1" if persona.counts(probe) else "0"), where
        # Cameras: the whole report, and each demo kelurahan's.
        response = client.get("/laporan/kamera.csv")
        cases += 1
        if not persona.reports:
            assert response.status_code in _refusal(persona), persona.name
            continue
        rows = list(csv.reader(io.StringIO(response.content.decode()[1:])))
        mine = sum(persona.covers(area) for _code, area in cameras)
        assert rows[-1][2] == str(mine), persona.name
        assert all(persona.covers(row[0]) for row in rows[1:-1]), persona.name
        for kelurahan in sorted({_kelurahan_of(area) for _code, area in cameras}):
            response = client.get("/laporan/kamera.csv", {"area": kelurahan})
            cases += 1
            if not persona.covers(kelurahan):
                assert response.status_code == 400, (persona.name, kelurahan)
                continue
            rows = list(csv.reader(io.StringIO(response.content.decode()[1:])))
            there = sum(area.startswith(kelurahan) for _code, area in cameras)
            assert rows[-1][2] == str(there), (persona.name, kelurahan)
    MATRIX_CASES["reports"] = cases


def _incident_total(url, response):
    body = response.content.decode()
    if url == "/laporan/":
        return re.search(r"<dt>Kejadian</dt><dd>(\d+)</dd>", body)[1]
    rows = list(csv.reader(io.StringIO(body[1:])))
    column = rows[0].index("Kejadian") if "Kejadian" in rows[0] else -1
    return rows[-1][1] if url.endswith("kategori.csv") else rows[-1][column]


def _area_codes(url, response):
    body = response.content.decode()
    if url == "/laporan/":
        return re.findall(r'data-area="([^"]*)"', body)
    rows = list(csv.reader(io.StringIO(body[1:])))
    return [row[0] for row in rows[1:]] if rows[0][0] == "Kode" else []


# --- Public statistics ------------------------------------------------------------------------


@pytest.fixture
def public_data(demo_users, demo_cameras):
    """Incidents with titles, descriptions, reporters and GPS points, and cameras public and
    not, online and not."""
    now = timezone.now()
    specs = [
        (KEBON_JERUK, "tawuran", 0, "selesai"),
        (KEBON_JERUK_RT, "tawuran", 1, ""),
        (SUKABUMI_UTARA, "banjir", 0, ""),
        (TEBET_BARAT, "banjir", 2, ""),
        (TEBET_BARAT, "kebakaran", 0, "ditutup"),  # a false alarm: not counted
        (MENTENG, "kriminalitas", 13, ""),  # older than twelve months
    ]
    for n, (area, category, months_ago, end) in enumerate(specs):
        incident = raise_incident(
            area_code=area,
            category=category,
            title=f"Judul rahasia {n}",
            description=f"Uraian rahasia {n}",
            reporter_name=f"Pelapor Rahasia {n}",
            reporter_contact=f"08123{n:05d}",
            lat=-6.1937123,
            lon=106.7695123,
            now=in_month(months_ago, now),
        )
        if end:
            if end == "selesai":
                incident_acknowledge(incident_id=incident.pk, by=None)
            incident_transition(incident_id=incident.pk, by=None, to=end, reason="keliru")
    Camera.objects.filter(
        code__in=["tebet-eco-park-utara", "taman-suropati", "selong-senopati"]
    ).update(online=True)
    return now


KELURAHAN_ONLY_NAMES = [
    "Sukabumi Utara",
    "Kelapa Dua",
    "Tebet Barat",
    "Tebet Timur",
    "Menteng Dalam",
    "Gunung",
    "Kramat Pela",
    "Selong",
]


def _assert_nothing_below_kecamatan(text):
    assert not re.search(r"31\.\d\d\.\d\d\.\d{4}", text)  # no kelurahan, RW or RT code
    assert "rahasia" not in text.lower() and "08123" not in text  # titles, reporters
    assert "6.1937" not in text and "106.7695" not in text  # points
    for camera in Camera.objects.filter(is_public=False):
        assert camera.code not in text and camera.name not in text
    for name in KELURAHAN_ONLY_NAMES:
        assert name not in text, name


@pytest.mark.django_db
def test_public_statistics_count_at_kecamatan_level_and_no_finer(public_data):
    anonymous = Client()
    page = anonymous.get("/statistik/")
    assert page.status_code == 200
    body = page.content.decode()
    # The statistics stop at kecamatan; the transparency section below them counts non-public
    # cameras per kelurahan on purpose (tests/reports/test_transparency.py).
    statistics = body.split("<main", 1)[1].split("</main>")[0].split("data-transparency")[0]
    _assert_nothing_below_kecamatan(statistics)
    tables = page_tables(body)
    cameras = {row[0]: row for row in tables["kamera-publik"][1:]}
    # Public cameras in service only: 6 (Taman Menteng is public but retired); 2 online.
    assert cameras[""][2:] == ["6", "2", "33,3%"]
    assert cameras["31.74"][2:] == ["4", "1", "25,0%"]
    months = tables["kejadian-bulan"]
    assert months[0] == ["Bulan", "Banjir", "Tawuran", "Jumlah"]
    assert months[-1] == ["Jumlah", "2", "2", "4"]
    areas = {row[0]: row for row in tables["kejadian-wilayah"][1:]}
    assert areas["31.73"][-1] == "3" and areas["31.74"][-1] == "1" and areas["31.71"][-1] == "0"
    assert body.count('<svg class="chart"') == 3

    # A kota breaks down by kecamatan, a kecamatan stands alone; a kelurahan is not offered.
    kota = page_tables(anonymous.get("/statistik/", {"area": "31.73"}).content.decode())
    assert [row[0] for row in kota["kejadian-wilayah"][1:]] == ["31.73.05", ""]
    refused = anonymous.get("/statistik/", {"area": KEBON_JERUK})
    assert refused.status_code == 400 and "kota dan kecamatan saja" in refused.content.decode()


@pytest.mark.django_db
def test_public_stats_json(public_data):
    response = Client().get("/api/v1/public/stats/")
    assert response.status_code == 200
    assert "public" in response["Cache-Control"] and "max-age=300" in response["Cache-Control"]
    text = response.content.decode()
    _assert_nothing_below_kecamatan(text)
    data = json.loads(text)
    assert {a["level"] for a in data["areas"]} == {"kota", "kecamatan"}
    assert set(data) == {"generated_at", "months", "areas", "cameras", "incidents"}
    assert len(data["months"]) == 12
    assert sum(row["public_cameras"] for row in data["cameras"]) == 6
    incidents = {}
    for row in data["incidents"]:
        key = (row["area"], row["category"])
        incidents[key] = incidents.get(key, 0) + row["count"]
    assert incidents == {
        ("31.73.05", "tawuran"): 2,
        ("31.73.05", "banjir"): 1,
        ("31.74.01", "banjir"): 1,
    }
    for row in data["incidents"]:
        assert set(row) == {"area", "month", "category", "count"}


@pytest.mark.django_db
def test_public_figures_are_cached_for_a_few_minutes(public_data, settings):
    settings.PUBLIC_STATS_CACHE_SECONDS = 300
    first = Client().get("/api/v1/public/stats/").json()
    raise_incident(area_code=TEBET_BARAT, category="banjir")
    assert Client().get("/api/v1/public/stats/").json() == first  # from the cache
    cache.clear()
    again = Client().get("/api/v1/public/stats/").json()
    assert sum(r["count"] for r in again["incidents"]) == 5


@pytest.mark.django_db
def test_public_statistics_are_linked_from_the_public_page_and_the_login_page(demo_users):
    for url in ["/publik/", "/accounts/login/"]:
        assert 'href="/statistik/"' in Client().get(url).content.decode(), url


# --- In Chromium, on a phone ------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_report_page_draws_its_charts_on_a_phone_without_sideways_scroll(
    open_page, demo_users, demo_cameras
):
    now = timezone.now()
    for months_ago, category in [(0, "tawuran"), (1, "banjir"), (3, "kebakaran")]:
        raise_incident(area_code=KEBON_JERUK, category=category, now=in_month(months_ago, now))
    simpang = demo_cameras["kebonjeruk-simpang"]
    CameraStatusChange.objects.create(camera=simpang, online=True, at=now - timedelta(days=40))
    page = open_page("/accounts/login/", **PHONE)
    sign_in(page, "staf.kebonjeruk", PASSWORD)
    page.goto("/laporan/")
    charts = page.locator("svg.chart")
    assert charts.count() == 5
    width = page.evaluate("window.innerWidth")
    for box in charts.evaluate_all("svgs => svgs.map(svg => svg.getBoundingClientRect())"):
        assert 0 < box["width"] <= width and box["height"] > 0
    bars = page.locator("svg.chart rect.c-tawuran")
    assert bars.count() >= 1 and "Tawuran" in bars.first.locator("title").text_content()
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1]
    # The phone's bottom bar is full: reports are in the sidebar and on the home page.
    assert page.locator(".bottom-nav a").count() == 8
    page.goto("/")
    page.locator("main a", has_text="Laporan").click()
    page.wait_for_url("**/laporan/")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_public_statistics_on_a_phone(open_page, demo_users, demo_cameras):
    raise_incident(area_code=TEBET_BARAT, category="banjir")
    page = open_page("/publik/", **PHONE)
    page.locator("main a", has_text="Statistik").click()
    page.wait_for_url("**/statistik/")
    assert page.locator("svg.chart").count() == 3
    page.select_option("#id_area", "31.74")
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/statistik/?area=31.74")
    rows = page.locator("[data-table=kejadian-wilayah] tbody tr").evaluate_all(
        "rows => rows.map(row => row.dataset.area)"
    )
    assert rows == ["31.74.01", "31.74.07"]
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1]


@pytest.mark.parametrize("text", ["\uff1dSUM(A1)", "\uff0b1", "\uff0d1", "\uff20A1", "=1", "-1"])
def test_report_csv_cells_never_run_as_formulas(text):
    from reports.views import csv_cell

    assert csv_cell(text) == "'" + text
    assert csv_cell("Kebon Jeruk") == "Kebon Jeruk" and csv_cell(61.54) == "61.5"
