"""Bulk import of people and roles from a CSV roster: the command (dry run, per-row errors with
line numbers, duplicates skipped, the importer's rights) and the upload page (preview, apply,
progress), both scoped like the management pages."""

import io
import re

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db.models.signals import post_save
from django.test import Client
from django.utils import timezone

from kelurahan.access import live_grants
from kelurahan.models import PeopleImport, RoleAssignment, User
from kelurahan.roles import Role
from kelurahan.signals import person_invited
from tests.personas import KEBON_JERUK, TEBET_BARAT, enrol_totp, make_user

pytestmark = pytest.mark.django_db
HEADER = "username,email,first_name,last_name,role,area_code,valid_until"

# Line numbers count the header as line 1.
ROSTER = f"""{HEADER}
budi.fkdm,budi@mail.test,Budi,Santoso,relawan_fkdm,{TEBET_BARAT},
sari.fkdm,sari@mail.test,Sari,,Relawan FKDM,{TEBET_BARAT}.001,2099-12-31
budi.fkdm,budi@mail.test,Budi,Santoso,petugas_piket,{TEBET_BARAT},
fkdm.tebetbarat,,,,relawan_fkdm,{TEBET_BARAT},
budi.fkdm,budi@mail.test,Budi,Santoso,relawan_fkdm,{TEBET_BARAT},
tanpa.email,,Tanpa,Email,relawan_fkdm,{TEBET_BARAT},
orang.lain,bukan-email,Orang,Lain,relawan_fkdm,{TEBET_BARAT},
staf.kebonjeruk,,,,relawan_fkdm,{TEBET_BARAT},
dobel,fkdm.tebetbarat@jakcctv.test,Dobel,,relawan_fkdm,{TEBET_BARAT},
tinggi,tinggi@mail.test,Tinggi,,staf_kelurahan,{TEBET_BARAT},
jauh,jauh@mail.test,Jauh,,relawan_fkdm,{KEBON_JERUK},
rw.piket,rw@mail.test,Rw,,petugas_piket,{TEBET_BARAT}.001,
hilang,hilang@mail.test,Hilang,,relawan_fkdm,31.74.01.9999,
aneh,aneh@mail.test,Aneh,,satpam,{TEBET_BARAT},
lewat,lewat@mail.test,Lewat,,relawan_fkdm,{TEBET_BARAT},2001-01-01
rusak,rusak@mail.test,Rusak,,relawan_fkdm,{TEBET_BARAT},besok
pendek,pendek@mail.test
budi.fkdm,,,,relawan_fkdm,{TEBET_BARAT}.002,
budi.fkdm,lain@mail.test,,,relawan_fkdm,{TEBET_BARAT}.003,
"""
EXPECTED_ERRORS = {
    7: "email: wajib untuk orang baru.",
    8: "email: 'bukan-email' bukan alamat email.",
    9: "username: staf.kebonjeruk sudah dipakai orang lain",
    10: "email: fkdm.tebetbarat@jakcctv.test sudah dipakai akun lain.",
    11: "role: Anda hanya dapat memberikan peran di bawah peran Anda sendiri.",
    12: "area_code: Wilayah ini di luar wilayah kelolaan Anda.",
    13: "area_code: Peran Petugas Piket hanya dapat diberikan di tingkat: Kelurahan.",
    14: "area_code: kode wilayah 31.74.01.9999 tidak dikenal.",
    15: "role: 'satpam' tidak dikenal",
    16: "valid_until: '2001-01-01' sudah lewat.",
    17: "valid_until: 'besok' bukan tanggal",
    18: "Jumlah kolom tidak sama dengan baris judul.",
    20: "email: baris sebelumnya memberi budi.fkdm email lain.",
}


@pytest.fixture
def roster(tmp_path):
    def write(text=ROSTER, name="fkdm.csv"):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


def run_import(path, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_people", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _errors_by_line(err):
    return {
        int(n): text for n, text in re.findall(r"^Baris (\d+)(?: \([^)]*\))?: (.*)$", err, re.M)
    }


def test_dry_run_reports_every_row_and_writes_nothing(demo_users, roster):
    before = (User.objects.count(), RoleAssignment.objects.count())
    out, err = run_import(roster(), "--by", "staf.tebetbarat", "--dry-run")
    assert (User.objects.count(), RoleAssignment.objects.count()) == before
    assert "Baris 2: orang baru budi.fkdm (budi@mail.test)." in out
    assert f"Baris 4: Petugas Piket di {TEBET_BARAT} untuk budi.fkdm." in out
    assert "Baris 5: dilewati, fkdm.tebetbarat sudah memegang peran ini di wilayah ini." in out
    assert "Baris 6: dilewati, sama dengan baris 2." in out
    assert re.search(
        r"19 baris: 2 orang baru, 4 peran baru, 2 dilewati, 13 ditolak \(\d+\.\d\d s\)", out
    )
    assert "Uji coba (--dry-run): tidak ada yang disimpan." in out
    errors = _errors_by_line(err)
    assert set(errors) == set(EXPECTED_ERRORS)
    for line, expected in EXPECTED_ERRORS.items():
        assert expected in errors[line], (line, errors[line])


def test_good_rows_are_imported_with_the_importers_name_and_a_rerun_changes_nothing(
    demo_users, roster
):
    staf = demo_users["staf.tebetbarat"]
    created = []

    def listener(sender, instance, **kwargs):
        if kwargs["created"]:
            created.append(instance)

    post_save.connect(listener, sender=RoleAssignment, weak=False, dispatch_uid="test-import")
    try:
        out, err = run_import(roster(), "--by", "staf.tebetbarat")
    finally:
        post_save.disconnect(sender=RoleAssignment, dispatch_uid="test-import")
    assert "2 orang baru, 4 peran baru" in out
    budi = User.objects.get(username="budi.fkdm")
    assert (budi.email, budi.get_full_name()) == ("budi@mail.test", "Budi Santoso")
    assert not budi.has_usable_password()
    roles = {(a.role, a.area_id) for a in budi.assignments.all()}
    assert roles == {
        (Role.RELAWAN_FKDM, TEBET_BARAT),
        (Role.PETUGAS_PIKET, TEBET_BARAT),
        (Role.RELAWAN_FKDM, f"{TEBET_BARAT}.002"),  # a later row may leave the email out
    }
    assert {
        a.granted_by for a in RoleAssignment.objects.filter(user__username__endswith=".fkdm")
    } == {staf}
    sari = RoleAssignment.objects.get(user__username="sari.fkdm")
    until = timezone.localtime(sari.valid_until).isoformat()
    assert until == "2100-01-01T00:00:00+07:00"  # through 31 Dec, WIB
    # Everyone listening to saved assignments heard of each one (grants cache, sockets, trail).
    assert len(created) == 4 and all(a.pk for a in created)
    assert live_grants(budi)  # and the grants cache knows them
    assert not mail.outbox  # no --invite: no email

    out, _err = run_import(roster(), "--by", "staf.tebetbarat")
    assert "0 orang baru, 0 peran baru, 6 dilewati, 13 ditolak" in out


def test_an_existing_account_gets_a_role_only_when_the_importer_knows_it(demo_users, roster):
    """Kebon Jeruk's volunteer is no one Tebet Barat's staff can see: their username alone is
    refused; with the account's own email as well, it is the same person and gains the role."""
    rows = f"{HEADER}\nfkdm.kebonjeruk,,,,relawan_fkdm,{TEBET_BARAT},\n"
    _out, err = run_import(roster(rows), "--by", "staf.tebetbarat")
    assert "sudah dipakai orang lain" in err
    volunteer = Client()
    volunteer.force_login(demo_users["fkdm.kebonjeruk"])
    assert volunteer.get("/api/v1/me/").json()["areas"] == [KEBON_JERUK]  # grants now cached
    rows = f"{HEADER}\nfkdm.kebonjeruk,FKDM.KebonJeruk@jakcctv.test,,,relawan_fkdm,{TEBET_BARAT},\n"
    out, err = run_import(roster(rows), "--by", "staf.tebetbarat")
    assert "0 orang baru, 1 peran baru" in out and "Baris" not in err
    assert volunteer.get("/api/v1/me/").json()["areas"] == [KEBON_JERUK, TEBET_BARAT]
    rows = f"{HEADER}\nfkdm.kebonjeruk,lain@mail.test,,,relawan_fkdm,{TEBET_BARAT}.001,\n"
    _out, err = run_import(roster(rows), "--by", "staf.tebetbarat")
    assert "email: berbeda dengan email akun fkdm.kebonjeruk" in err
    inactive = make_user("nonaktif.tebet", Role.RELAWAN_FKDM, TEBET_BARAT)
    inactive.is_active = False
    inactive.save()
    rows = f"{HEADER}\nnonaktif.tebet,,,,relawan_fkdm,{TEBET_BARAT}.001,\n"
    _out, err = run_import(roster(rows), "--by", "staf.tebetbarat")
    assert "akun nonaktif.tebet sudah dinonaktifkan" in err


def test_without_by_the_system_may_create_admins_and_invite_them(demo_areas, roster):
    rows = f"{HEADER}\nadmin.baru,admin.baru@dki.test,Admin,Baru,admin_provinsi,31,\n"
    heard = []
    person_invited.connect(lambda **kw: heard.append(kw), weak=False, dispatch_uid="test-inv")
    try:
        out, _err = run_import(roster(rows), "--invite", "https://cctv.example.id")
    finally:
        person_invited.disconnect(dispatch_uid="test-inv")
    admin = User.objects.get(username="admin.baru")
    assert RoleAssignment.objects.get(user=admin).granted_by is None
    assert "Undangan terkirim: 1." in out
    (message,) = mail.outbox
    assert "https://cctv.example.id/undangan/" in message.body
    assert "autentikasi dua faktor" in message.body
    assert heard[0]["user"] == admin and heard[0]["by"] is None

    # The invitee sets a password, then has to enrol TOTP before anything else.
    link = re.search(r"https://cctv\.example\.id(/undangan/\S+/)", message.body).group(1)
    browser = Client()
    answer = browser.post(
        link, {"new_password1": "Admin-DKI-2026!", "new_password2": "Admin-DKI-2026!"}
    )
    assert answer.status_code == 302
    assert browser.get("/").url == "/accounts/2fa/totp/activate/"
    enrol_totp(admin)
    assert browser.get("/").status_code == 200


def test_a_file_that_cannot_be_read_is_refused_whole(demo_users, roster):
    with pytest.raises(CommandError, match="tidak ada yang diimpor"):
        run_import(roster("username;email;role;area_code\nx;x@y.test;fkdm;31\n"))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_people", str(roster("nama,email\nx,y\n")), stderr=err)
    assert "Kolom wajib tidak ada: username, role, area_code." in err.getvalue()
    with pytest.raises(CommandError, match="tidak ditemukan"):
        run_import("/tidak/ada.csv")
    with pytest.raises(CommandError, match="tidak ada"):
        run_import(roster(), "--by", "siapa.saja")
    path = roster()
    path.write_bytes("username\n\xff\xfe".encode("latin-1"))
    with pytest.raises(CommandError):
        run_import(path)


# --- The upload page ----------------------------------------------------------------------------


def _signed_in(user):
    if user.assignments.filter(role=Role.ADMIN_PROVINSI).exists():
        enrol_totp(user)
    client = Client()
    client.force_login(user)
    return client


def _upload(client, text=ROSTER, **extra):
    upload = io.BytesIO(("\ufeff" + text).encode("utf-8"))  # Excel's BOM is fine
    upload.name = "fkdm-tebet-barat.csv"
    return client.post("/kelola/orang/impor/", {"file": upload, **extra})


def test_upload_shows_a_dry_run_then_applies_it(demo_users):
    staf = _signed_in(demo_users["staf.tebetbarat"])
    before = User.objects.count()
    answer = _upload(staf, invite="on", progress="0123456789abcdef")
    assert answer.status_code == 302 and User.objects.count() == before
    preview = staf.get(answer.url).content.decode()
    assert 'data-import-report="dry-run"' in preview
    assert 'data-count="new_people">2<' in preview and 'data-count="rejected">13<' in preview
    assert "Baris 12 (jauh): area_code: Wilayah ini di luar wilayah kelolaan Anda." in preview
    assert 'data-new-person="budi.fkdm"' in preview
    progress = staf.get("/kelola/orang/impor/progres/0123456789abcdef/").json()
    assert progress == {"phase": "check", "done": 19, "total": 19}

    upload = PeopleImport.objects.get()
    apply_url = f"/kelola/orang/impor/{upload.pk}/terapkan/"
    # Someone else's upload is nobody else's business, not even their operator's.
    operator = _signed_in(demo_users["operator.tebet"])
    assert operator.get(answer.url).status_code == 404
    assert operator.post(apply_url).status_code == 404

    done = staf.post(apply_url, {"progress": "fedcba9876543210"})
    assert done.status_code == 302
    result = staf.get(done.url).content.decode()
    assert 'data-import-report="applied"' in result and 'data-count="invited">2<' in result
    assert User.objects.filter(username__in=["budi.fkdm", "sari.fkdm"]).count() == 2
    assert {m.to[0] for m in mail.outbox} == {"budi@mail.test", "sari@mail.test"}
    progress = staf.get("/kelola/orang/impor/progres/fedcba9876543210/").json()
    assert progress["phase"] == "invite" and progress["done"] == 2
    again = staf.post(apply_url, follow=True)
    assert "Impor ini sudah diterapkan." in again.content.decode()
    assert RoleAssignment.objects.filter(user__username="budi.fkdm").count() == 3


def test_upload_refuses_what_it_cannot_read_with_the_reason(demo_users):
    staf = _signed_in(demo_users["staf.tebetbarat"])
    answer = _upload(staf, "nama;email\nx;y\n")
    body = answer.content.decode()
    assert answer.status_code == 400
    assert "Pisahkan kolom dengan koma (,), bukan titik koma (;)." in body
    latin = io.BytesIO("username,role,area_code\nJosé,fkdm,31\n".encode("latin-1"))
    latin.name = "roster.csv"
    answer = staf.post("/kelola/orang/impor/", {"file": latin})
    assert answer.status_code == 400 and "UTF-8" in answer.content.decode()
    assert staf.post("/kelola/orang/impor/", {}).status_code == 400
    assert not PeopleImport.objects.exists()


def test_an_operator_cannot_import_outside_their_area_or_at_their_rank(demo_users):
    operator = _signed_in(demo_users["operator.jakbar"])
    rows = (
        f"{HEADER}\n"
        f"a,a@mail.test,A,,staf_kelurahan,{KEBON_JERUK},\n"
        f"b,b@mail.test,B,,staf_kelurahan,{TEBET_BARAT},\n"
        f"c,c@mail.test,C,,operator,31.73.05,\n"
    )
    preview = operator.get(_upload(operator, rows).url).content.decode()
    assert 'data-count="new_assignments">1<' in preview
    assert "Baris 3 (b): area_code: Wilayah ini di luar wilayah kelolaan Anda." in preview
    assert "Baris 4 (c): role: Anda hanya dapat memberikan peran di bawah peran Anda" in preview
