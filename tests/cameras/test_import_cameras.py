"""The camera registry: `import_cameras` (per-row rejection, dry run, re-import) and the admin."""

import io
import re
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from cameras.importing import import_cameras, mask_source_url
from cameras.models import Camera, CameraStatusChange, Tag, ViewingSession
from tests.personas import enrol_totp

pytestmark = pytest.mark.django_db

HEADER = (
    "code,name,area_code,lat,lon,kind,tags,funding,sponsor,installed_on,public,status,source_url"
)
SECRET = "rahasia-sekali"
GOOD = [
    "kj-simpang-2,Simpang Kebon Jeruk 2,31.73.05.1001,-6.1937,106.7695,ptz,jalan;Rawan-Tawuran,"
    f"apbd,,2025-03-01,1,aktif,rtsp://admin:{SECRET}@10.1.2.3:554/live",
    'kj-rt-003,"Gang RT 003, RW 005",31.73.05.1001.005.003,"-6,1905",106.7745,,pasar-malam,'
    "csr,PT Contoh,05/01/2024,ya,perbaikan,",
    "tb-taman,Taman Tebet,31.74.01.1002,-6.2357,106.8462,fixed,,,,,0,nonaktif,",
]
# line number -> (row, words the rejection must contain)
BAD = {
    5: (
        f"kj-luar,Luar Jakarta,31.73.05.1001,-6.9175,107.6191,,,,,,,,rtsp://u:{SECRET}@h/x",
        "lat: Koordinat berada di luar Jakarta",
    ),
    6: (
        "kj-tak-dikenal,Kode salah,31.99.99.9999,-6.19,106.77,,,,,,,,",
        "31.99.99.9999 tidak dikenal",
    ),
    7: ("kj-ganda,Pertama,31.73.05.1001,-6.19,106.77,,,,,,,,", "juga dipakai di baris 8"),
    8: ("kj-ganda,Kedua,31.73.05.1001,-6.19,106.77,,,,,,,,", "juga dipakai di baris 7"),
    9: ("kj-tanggal,Tanggal,31.73.05.1001,-6.19,106.77,,,,,2025-02-30,,,", "installed_on:"),
    10: ("kj-jenis,Jenis,31.73.05.1001,-6.19,106.77,dome,,,,,,,", "kind: 'dome' tidak dikenal"),
    11: ("kj-status,Status,31.73.05.1001,-6.19,106.77,,,,,,,rusak,", "status: 'rusak'"),
    12: ("kj-dana,Dana,31.73.05.1001,-6.19,106.77,,,hibah,,,,,", "funding: 'hibah'"),
    13: ("kj-csr,CSR,31.73.05.1001,-6.19,106.77,,,csr,,,,,", "sponsor: Kamera CSR harus"),
    14: ("KJ_Besar,Kode,31.73.05.1001,-6.19,106.77,,,,,,,,", "code: Kode kamera: huruf kecil"),
    15: (
        "kj-kota,Kota,31.73,-6.19,106.77,,,,,,,,",
        "Kamera hanya dapat dipasang di kelurahan, RW atau RT",
    ),
    16: (
        f"kj-http,HTTP,31.73.05.1001,-6.19,106.77,,,,,,,,http://admin:{SECRET}@10.1.2.4/x",
        "source_url: URL sumber harus rtsp://",
    ),
    17: ("kj-angka,Angka,31.73.05.1001,utara,106.77,,,,,,,,", "lat: 'utara' bukan angka"),
    18: ("kj-publik,Publik,31.73.05.1001,-6.19,106.77,,,,,,mungkin,,", "public:"),
    19: ("kj-label,Label,31.73.05.1001,-6.19,106.77,,taman 24 jam,,,,,,", "tags: 'taman 24 jam'"),
    20: ("kj-kosong,,31.73.05.1001,-6.19,106.77,,,,,,,,", "name: wajib diisi"),
    21: ("kj-pendek,Kurang kolom,31.73.05.1001,-6.19", "Jumlah kolom tidak sama"),
}


def _write(tmp_path, lines, header=HEADER, name="cameras.csv"):
    path = tmp_path / name
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def _snapshot():
    return (
        sorted(Camera.objects.values_list()),
        sorted(Tag.objects.values_list()),
        sorted(Camera.tags.through.objects.values_list("camera__code", "tag__slug")),
    )


def _run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_cameras", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def mixed_file(tmp_path, demo_areas):
    return _write(tmp_path, GOOD + [row for row, _reason in BAD.values()])


def test_good_rows_are_imported_and_bad_rows_rejected_with_their_lines(mixed_file):
    out, err = _run(mixed_file)
    assert "Kamera: 3 baru, 0 diperbarui, 0 tidak berubah, 17 ditolak." in out
    rejected = {int(n): text for n, text in re.findall(r"^Baris (\d+)[^:]*: (.*)$", err, re.M)}
    assert sorted(rejected) == sorted(BAD)
    for line, (_row, reason) in BAD.items():
        assert reason in rejected[line], (line, rejected[line])
    assert sorted(Camera.objects.values_list("code", flat=True)) == [
        "kj-rt-003",
        "kj-simpang-2",
        "tb-taman",
    ]

    simpang = Camera.objects.get(code="kj-simpang-2")
    assert (simpang.kind, simpang.is_public, simpang.status) == ("ptz", True, "aktif")
    assert simpang.installed_on == date(2025, 3, 1) and simpang.area_id == "31.73.05.1001"
    assert simpang.source_url == f"rtsp://admin:{SECRET}@10.1.2.3:554/live"
    assert sorted(t.slug for t in simpang.tags.all()) == ["jalan", "rawan-tawuran"]
    rt = Camera.objects.get(code="kj-rt-003")
    assert (rt.name, rt.lat, rt.funding, rt.sponsor) == (
        "Gang RT 003, RW 005",
        -6.1905,
        "csr",
        "PT Contoh",
    )
    assert (rt.installed_on, rt.status, rt.kind) == (date(2024, 1, 5), "perbaikan", "fixed")
    assert Tag.objects.get(slug="pasar-malam").name == "Pasar malam"  # unknown slugs are created
    taman = Camera.objects.get(code="tb-taman")
    assert (taman.is_public, taman.status, taman.source_url) == (False, "nonaktif", "")
    assert "kamera: 20/20" in err  # the progress bar


def test_source_urls_are_never_printed(mixed_file):
    for args in [(mixed_file, "--dry-run"), (mixed_file, "-v", "2"), (mixed_file,)]:
        out, err = _run(*args)
        assert SECRET not in out + err
        assert "admin:" not in out + err
    assert mask_source_url(f"rtsp://admin:{SECRET}@10.1.2.3:554/live?pw=x") == (
        "rtsp://***@10.1.2.3:554/…"
    )
    assert mask_source_url("rtsp://10.1.2.3/live") == "rtsp://10.1.2.3/…"
    assert mask_source_url(f"admin:{SECRET}@10.1.2.3") == "***"


def test_dry_run_reports_exactly_and_writes_nothing(mixed_file, demo_cameras):
    before = _snapshot()
    dry_out, dry_err = _run(mixed_file, "--dry-run")
    assert _snapshot() == before
    assert "Baris 2: kj-simpang-2 baru." in dry_out
    assert "Label baru: pasar-malam." in dry_out  # the demo has the other two already
    assert "tidak ada yang disimpan" in dry_out

    real_out, real_err = _run(mixed_file)
    summary = re.compile(r"Kamera: .*")
    assert summary.search(dry_out).group() == summary.search(real_out).group()
    assert dry_err.replace("\n", "").count("Baris") == real_err.replace("\n", "").count("Baris")


def test_reimport_changes_nothing_and_reports_unchanged(mixed_file):
    _run(mixed_file)
    before = _snapshot()
    out, _err = _run(mixed_file)
    assert "Kamera: 0 baru, 0 diperbarui, 3 tidak berubah, 17 ditolak." in out
    assert _snapshot() == before


def test_an_existing_code_is_updated_and_left_out_columns_are_kept(tmp_path, demo_cameras):
    simpang = demo_cameras["kebonjeruk-simpang"]
    simpang.source_url = f"rtsp://admin:{SECRET}@10.9.9.9/live"
    simpang.save()
    path = _write(
        tmp_path,
        ["kebonjeruk-simpang,Simpang Baru,31.73.05.1001.001,-6.1937,106.7695,pasar"],
        header="code,name,area_code,lat,lon,tags",
    )
    out, _err = _run(path, "--dry-run")
    assert "Baris 2: kebonjeruk-simpang diperbarui (name, area_code, tags)." in out
    result = import_cameras(path, stream=io.StringIO())
    assert [change.columns for change in result.updated] == [["name", "area_code", "tags"]]
    simpang.refresh_from_db()
    assert (simpang.name, simpang.area_id) == ("Simpang Baru", "31.73.05.1001.001")
    assert [t.slug for t in simpang.tags.all()] == ["pasar"]
    # Not in the file, so untouched: kind, source URL, status.
    assert simpang.kind == "ptz" and simpang.source_url.endswith("@10.9.9.9/live")
    assert Camera.objects.count() == len(demo_cameras)


def test_an_update_is_validated_against_the_whole_camera(tmp_path, demo_cameras):
    # A CSR camera stays CSR when the file leaves funding out: emptying its sponsor is refused.
    jembatan = demo_cameras["tebet-eco-park-jembatan"]
    path = _write(
        tmp_path,
        ["tebet-eco-park-jembatan,Jembatan,31.74.01.1002,-6.2378,106.8449,"],
        header="code,name,area_code,lat,lon,sponsor",
    )
    result = import_cameras(path, stream=io.StringIO())
    assert "sponsor: Kamera CSR harus" in str(result.rejected[0])
    jembatan.refresh_from_db()
    assert jembatan.sponsor and jembatan.name == "Tebet Eco Park – Jembatan"


def test_file_level_problems_reject_the_file(tmp_path, demo_areas):
    semicolons = _write(tmp_path, [], header=HEADER.replace(",", ";"), name="semi.csv")
    out_err = io.StringIO()
    with pytest.raises(CommandError, match="tidak ada kamera yang diimpor"):
        call_command("import_cameras", str(semicolons), stderr=out_err)
    assert "koma (,), bukan titik koma" in out_err.getvalue()

    unknown = _write(tmp_path, [], header=HEADER + ",sumber", name="unknown.csv")
    with pytest.raises(CommandError):
        call_command("import_cameras", str(unknown), stderr=out_err)
    assert "Kolom tidak dikenal: sumber." in out_err.getvalue()

    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes((HEADER + "\nkj-x,Caf\xe9,31.73.05.1001,-6.19,106.77\n").encode("latin-1"))
    with pytest.raises(CommandError):
        call_command("import_cameras", str(latin1), stderr=out_err)
    assert "UTF-8" in out_err.getvalue()

    with pytest.raises(CommandError, match="tidak ditemukan"):
        call_command("import_cameras", str(tmp_path / "tidak-ada.csv"))
    assert not Camera.objects.exists()


def test_help_documents_the_columns(capsys):
    with pytest.raises(SystemExit):
        call_command("import_cameras", "--help")
    help_text = capsys.readouterr().out
    for column in HEADER.split(","):
        assert re.search(rf"^  (\w+, )?{column}[ ,]", help_text, re.M), column


# --- Admin pages -------------------------------------------------------------------------------


@pytest.fixture
def admin_client(demo_users):
    enrol_totp(demo_users["admin.provinsi"])
    client = Client()
    client.force_login(demo_users["admin.provinsi"])
    return client


@pytest.fixture
def audit_rows(demo_users, demo_cameras):
    camera = demo_cameras["kebonjeruk-simpang"]
    viewing = ViewingSession.objects.create(
        user=demo_users["fkdm.kebonjeruk"], camera=camera, mode=ViewingSession.Mode.EMBEDDED
    )
    change = CameraStatusChange.objects.create(camera=camera, online=True)
    return viewing, change


def _camera_form(**overrides):
    data = {
        "code": "kj-admin-baru",
        "name": "Kamera dari admin",
        "area": "31.73.05.1001",
        "lat": "-6.1937",
        "lon": "106.7695",
        "kind": "fixed",
        "funding": "apbd",
        "sponsor": "",
        "installed_on": "",
        "status": "aktif",
        "source_url": f"rtsp://admin:{SECRET}@10.1.2.3/live",
        "purpose": "",
        "signage": "belum_diperiksa",  # the select's first choice, as a browser sends it
    }
    return {**data, **overrides}


def test_admin_pages_open_for_the_provincial_admin(admin_client, demo_cameras, audit_rows):
    camera = demo_cameras["kebonjeruk-simpang"]
    viewing, change = audit_rows
    for url in [
        "/django-admin/cameras/camera/",
        "/django-admin/cameras/camera/?status__exact=aktif&q=kebon",
        "/django-admin/cameras/camera/add/",
        f"/django-admin/cameras/camera/{camera.pk}/change/",
        "/django-admin/cameras/tag/",
        "/django-admin/cameras/tag/add/",
        "/django-admin/cameras/viewingsession/",
        f"/django-admin/cameras/viewingsession/{viewing.pk}/change/",
        "/django-admin/cameras/camerastatuschange/",
        f"/django-admin/cameras/camerastatuschange/{change.pk}/change/",
        "/django-admin/autocomplete/?app_label=cameras&model_name=camera&field_name=area&term=kebon",
    ]:
        assert admin_client.get(url).status_code == 200, url


def test_admin_creates_a_camera_and_sees_its_source(admin_client, demo_areas):
    response = admin_client.post("/django-admin/cameras/camera/add/", _camera_form())
    assert response.status_code == 302
    camera = Camera.objects.get(code="kj-admin-baru")
    assert camera.source_url == f"rtsp://admin:{SECRET}@10.1.2.3/live"
    page = admin_client.get(f"/django-admin/cameras/camera/{camera.pk}/change/")
    assert SECRET in page.content.decode()  # the one place an admin edits it


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"lat": "-6.9175", "lon": "107.6191"}, "Koordinat berada di luar Jakarta."),
        ({"funding": "csr"}, "Kamera CSR harus menyebut sponsornya."),
        # The area field offers only kelurahan, RW and RT (Camera.area's limit_choices_to).
        ({"area": "31.73"}, "Masukkan pilihan yang valid."),
        ({"source_url": "http://10.1.2.3/live"}, "URL sumber harus rtsp:// atau rtsps://."),
        ({"code": "Bukan Kode"}, "Kode kamera: huruf kecil"),
    ],
)
def test_the_admin_form_runs_the_model_rules(admin_client, demo_areas, overrides, message):
    response = admin_client.post("/django-admin/cameras/camera/add/", _camera_form(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Camera.objects.exists()


def test_audit_rows_cannot_be_added_changed_or_deleted_in_the_admin(admin_client, audit_rows):
    viewing, change = audit_rows
    before = (
        ViewingSession.objects.values_list().get(),
        CameraStatusChange.objects.values_list().get(),
    )
    for model, row in [("viewingsession", viewing), ("camerastatuschange", change)]:
        base = f"/django-admin/cameras/{model}/"
        assert admin_client.get(f"{base}add/").status_code == 403
        assert admin_client.get(f"{base}{row.pk}/delete/").status_code == 403
        assert admin_client.post(f"{base}{row.pk}/change/", {"mode": "public"}).status_code == 403
        bulk = {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"}
        admin_client.post(base, bulk)
        page = admin_client.get(f"{base}{row.pk}/change/").content.decode()
        assert 'name="_save"' not in page
    assert (
        ViewingSession.objects.values_list().get(),
        CameraStatusChange.objects.values_list().get(),
    ) == before


@pytest.mark.parametrize("username", ["operator.jakbar", "staf.kebonjeruk", "fkdm.kebonjeruk"])
def test_admin_pages_refuse_everyone_else(demo_users, demo_cameras, username):
    client = Client()
    client.force_login(demo_users[username])
    camera = demo_cameras["kebonjeruk-simpang"]
    camera.source_url = f"rtsp://admin:{SECRET}@10.1.2.3/live"
    camera.save()
    for url in [
        "/django-admin/cameras/camera/",
        "/django-admin/cameras/camera/add/",
        f"/django-admin/cameras/camera/{camera.pk}/change/",
        "/django-admin/cameras/viewingsession/",
    ]:
        response = client.get(url)
        assert response.status_code in {302, 403}, url
        assert SECRET not in response.content.decode()
    response = client.post("/django-admin/cameras/camera/add/", _camera_form())
    assert response.status_code in {302, 403}
    assert not Camera.objects.filter(code="kj-admin-baru").exists()


def test_anonymous_visitors_are_sent_to_sign_in_from_the_admin(client, demo_cameras):
    response = client.get("/django-admin/cameras/camera/add/")
    assert response.status_code == 302
