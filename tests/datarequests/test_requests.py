"""Citizens' footage and data requests: filing without an account, the secret status link, the
staff's workflow with its deadline, the trail, the alerts, retention and the leak matrix."""

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from PIL import Image

from alerts.models import AlertEvent
from audit.models import Kind as TrailKind
from audit.models import TrailEntry
from audit.retention import apply_retention
from datarequests.demo import sample_document
from datarequests.models import DataRequest, RefusalReason, Status
from datarequests.services import request_file, request_grant, request_sweep, request_verify
from kelurahan.demo import DEMO_USERS
from tests.answers import shows
from tests.figures import MATRIX_CASES
from tests.personas import KEBON_JERUK, SUKABUMI_UTARA, TEBET_BARAT, TEBET_TIMUR, enrol_totp

MANAGERS = {"admin_provinsi", "operator", "staf_kelurahan"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _photo():
    out = io.BytesIO()
    Image.new("RGB", (320, 200), "#88aacc").save(out, "JPEG")
    out.seek(0)
    out.name = "ktp.jpg"
    return out


def _file(area, *, now=None, name="Siti Aminah", camera_id=None):
    now = now or timezone.now()
    return request_file(
        name=name,
        contact="siti@contoh.test",
        area_code=area,
        camera_id=camera_id,
        period_start=now - timedelta(hours=3),
        period_end=now - timedelta(hours=2),
        reason="Motor saya diserempet di depan pasar.",
        document=sample_document(),
        now=now,
    )


def _public_body(area=KEBON_JERUK, **extra):
    now = timezone.now()
    return {
        "name": "Siti Aminah",
        "contact": "0812-1111-2222",
        "area": area,
        "period_start": (now - timedelta(hours=5)).isoformat(),
        "period_end": (now - timedelta(hours=4)).isoformat(),
        "reason": "Rekaman saya saat kehilangan dompet.",
        "id_document": _photo(),
        **extra,
    }


def test_a_citizen_files_by_api_and_reads_the_status_by_its_secret_link_only(demo_users):
    answer = Client().post("/api/v1/public/requests/", _public_body())
    assert answer.status_code == 201, answer.content
    number, link = answer.json()["number"], answer.json()["status_url"]
    year = timezone.localtime().year
    assert number == f"PD-{year}-000001"
    path = link.split("testserver", 1)[1]
    page = Client().get(path)
    assert page.status_code == 200
    assert 'data-request-status="diterima"' in page.content.decode()
    assert page["Cache-Control"] == "private, no-store"
    secret = path.rstrip("/").rsplit("/", 1)[1]
    assert len(secret) >= 40
    # A wrong secret, another number with the right secret, a made-up number: the same 404.
    wrong = Client().get(path.replace(secret, secret[:-1] + ("A" if secret[-1] != "A" else "B")))
    other = Client().get(path.replace(number, f"PD-{year}-000002"))
    made_up = Client().get(f"/permohonan-data/status/PD-{year}-000001/tebakan/")
    assert wrong.status_code == other.status_code == made_up.status_code == 404
    # The document is kept, its secret is not.
    data_request = DataRequest.objects.get(number=number)
    assert secret not in data_request.secret_digest
    assert data_request.id_document and data_request.due_at == data_request.created_at + timedelta(
        hours=72
    )
    filed = TrailEntry.objects.filter(kind=TrailKind.DATA_REQUEST, object_id=str(data_request.pk))
    assert filed.filter(detail__event="diajukan").count() == 1
    assert AlertEvent.objects.filter(kind="permohonan_baru", area_id=KEBON_JERUK).count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"area": "31.73.05"}, "detail"),  # a kecamatan is not a kelurahan
        ({"area": "31.99.99.9999"}, "detail"),
        ({"camera": 999999}, "detail"),
        ({"reason": ""}, "reason"),
        ({"id_document": io.BytesIO(b"not an image")}, "id_document"),
    ],
)
def test_bad_requests_are_refused_with_a_message_and_nothing_is_kept(demo_users, change, field):
    answer = Client().post("/api/v1/public/requests/", _public_body(**change))
    assert answer.status_code == 400, answer.content
    assert field in answer.json()
    assert not DataRequest.objects.exists()


def test_a_camera_must_be_a_public_one_of_that_kelurahan(demo_users, demo_cameras):
    tebet_public = demo_cameras["tebet-eco-park-utara"]
    assert tebet_public.is_public
    refused = Client().post("/api/v1/public/requests/", _public_body(camera=tebet_public.pk))
    assert refused.status_code == 400
    taken = Client().post(
        "/api/v1/public/requests/", _public_body(area=TEBET_BARAT, camera=tebet_public.pk)
    )
    assert taken.status_code == 201
    assert DataRequest.objects.get().camera == tebet_public


def test_new_requests_are_throttled_per_visitor(demo_users, settings):
    settings.DATAREQUEST_RATE = "2/hour"
    codes = [Client().post("/api/v1/public/requests/", _public_body()).status_code for _ in "abc"]
    assert codes == [201, 201, 429]
    page = Client().post("/permohonan-data/", {})
    assert page.status_code == 429


def test_staff_verify_and_grant_within_the_deadline_by_api(signed_in):
    data_request, _secret = _file(KEBON_JERUK)
    staff = signed_in("staf.kebonjeruk")
    base = f"/api/v1/requests/{data_request.pk}"
    early = staff.post(f"{base}/grant/", {}, content_type="application/json")
    assert early.status_code == 409  # not verified yet
    assert staff.post(f"{base}/verify/").json()["status"] == "diverifikasi"
    granted = staff.post(f"{base}/grant/", {"note": "Silakan unduh."}, "application/json").json()
    assert granted["status"] == "dikabulkan" and granted["overdue"] is False
    assert granted["download_until"]
    events = TrailEntry.objects.filter(kind=TrailKind.DATA_REQUEST, object_id=str(data_request.pk))
    assert [e.detail["event"] for e in events.order_by("at", "pk")] == [
        "diajukan",
        "diverifikasi",
        "dikabulkan",
    ]
    again = staff.post(f"{base}/refuse/", {"reason": "lainnya", "note": "x"}, "application/json")
    assert again.status_code == 409


def test_refusing_needs_a_reason_and_revealing_others_is_one(signed_in):
    data_request, _secret = _file(KEBON_JERUK)
    staff = signed_in("staf.kebonjeruk")
    url = f"/api/v1/requests/{data_request.pk}/refuse/"
    assert staff.post(url, {}, "application/json").status_code == 400
    assert staff.post(url, {"reason": "bosan"}, "application/json").status_code == 400
    assert staff.post(url, {"reason": "lainnya"}, "application/json").status_code == 400
    refused = staff.post(url, {"reason": RefusalReason.REVEALS_OTHERS}, "application/json")
    assert refused.status_code == 200
    assert refused.json()["refusal_reason"] == "mengungkap_orang_lain"
    data_request.refresh_from_db()
    assert data_request.status == Status.REFUSED


def test_the_sweep_warns_before_the_deadline_and_when_it_lapses_once_each(demo_users):
    filed_at = timezone.now() - timedelta(hours=61)
    data_request, _secret = _file(KEBON_JERUK, now=filed_at)
    assert request_sweep(now=filed_at + timedelta(hours=59)) == (0, 0)
    assert request_sweep(now=filed_at + timedelta(hours=61)) == (1, 0)
    assert request_sweep(now=filed_at + timedelta(hours=62)) == (0, 0)
    call_command(
        "request_sweep", now=(filed_at + timedelta(hours=73)).isoformat(), stdout=io.StringIO()
    )
    assert request_sweep(now=filed_at + timedelta(hours=74)) == (0, 0)
    kinds = list(AlertEvent.objects.filter(area_id=KEBON_JERUK).values_list("kind", flat=True))
    assert sorted(kinds) == ["permohonan_baru", "permohonan_batas_dekat", "permohonan_terlambat"]
    answered, _secret = _file(KEBON_JERUK, now=filed_at, name="Sudah Dijawab")
    request_verify(request_id=answered.pk, by=demo_users["staf.kebonjeruk"], now=filed_at)
    request_grant(request_id=answered.pk, by=demo_users["staf.kebonjeruk"], now=filed_at)
    assert request_sweep(now=filed_at + timedelta(hours=80)) == (0, 0)


def test_request_alerts_reach_only_those_who_handle_requests_in_its_area(demo_users):
    """Filed, due soon, overdue: told to the staff (and operators, the admin) of the request's
    area, who may act on it; never to its piket officers or FKDM volunteers, nor to another
    kelurahan's staff: on the alerts page, in the replay and on the live socket alike."""
    from alerts.models import alert_scope

    enrol_totp(demo_users["admin.provinsi"])
    filed_at = timezone.now() - timedelta(hours=80)
    _file(KEBON_JERUK, now=filed_at)
    request_sweep(now=filed_at + timedelta(hours=61))
    request_sweep(now=filed_at + timedelta(hours=73))
    alerts = list(AlertEvent.objects.filter(kind__startswith="permohonan_"))
    assert len(alerts) == 3
    told = set()
    for username, user in demo_users.items():
        page = Client()
        page.force_login(user)
        body = page.get("/peringatan/").content.decode()
        scope = alert_scope(user, fresh=True)
        visible = set(AlertEvent.objects.visible_to(user).values_list("pk", flat=True))
        for alert in alerts:
            live = scope.reaches(alert.as_message())
            assert live is (alert.pk in visible) is (f'data-alert="{alert.pk}"' in body), username
            if live:
                told.add(username)
    assert told == {"admin.provinsi", "operator.jakbar", "staf.kebonjeruk"}


def test_answered_requests_and_their_documents_go_after_the_retention_period(
    demo_users, settings, django_capture_on_commit_callbacks
):
    settings.DATAREQUEST_DAYS = 30
    long_ago = timezone.now() - timedelta(days=40)
    old, _ = _file(KEBON_JERUK, now=long_ago)
    request_verify(request_id=old.pk, by=demo_users["staf.kebonjeruk"], now=long_ago)
    request_grant(request_id=old.pk, by=demo_users["staf.kebonjeruk"], now=long_ago)
    unanswered, _ = _file(KEBON_JERUK, now=long_ago, name="Belum Dijawab")
    document = Path(old.id_document.path)
    assert document.exists()
    with django_capture_on_commit_callbacks(execute=True):
        apply_retention()
    assert not DataRequest.objects.filter(pk=old.pk).exists()
    assert DataRequest.objects.filter(pk=unanswered.pk).exists()
    assert not document.exists()


def test_the_staff_page_workflow_and_the_document_is_logged(signed_in):
    data_request, secret = _file(KEBON_JERUK)
    staff = signed_in("staf.kebonjeruk")
    listed = staff.get("/permohonan/").content.decode()
    assert f'data-request="{data_request.number}"' in listed
    document = staff.get(f"/permohonan/{data_request.pk}/dokumen/")
    assert document.status_code == 200 and document["Content-Type"] == "image/png"
    assert document["Cache-Control"] == "private, no-store"
    looked = TrailEntry.objects.filter(detail__event="dokumen_dilihat")
    assert looked.get().actor.username == "staf.kebonjeruk"
    staff.get(f"/permohonan/{data_request.pk}/")
    staff.get(f"/api/v1/requests/{data_request.pk}/")
    opened = TrailEntry.objects.filter(detail__event="dibuka", object_id=str(data_request.pk))
    assert [e.actor.username for e in opened] == ["staf.kebonjeruk"] * 2
    assert staff.post(f"/permohonan/{data_request.pk}/verifikasi/").status_code == 302
    assert staff.post(f"/permohonan/{data_request.pk}/kabulkan/", {"note": ""}).status_code == 302
    page = Client().get(f"/permohonan-data/status/{data_request.number}/{secret}/")
    assert 'data-request-status="dikabulkan"' in page.content.decode()


# --- Leak matrix -------------------------------------------------------------------------------


def _personas(demo_users, lapsed_users):
    people = []
    for demo in DEMO_USERS:
        user = demo_users[demo.username]
        if demo.username == "admin.provinsi":
            enrol_totp(user)
        client = Client()
        client.force_login(user)
        people.append((demo.username, client, demo.area_code, demo.role))
    for username, user in lapsed_users.items():
        client = Client()
        client.force_login(user)
        people.append((username, client, None, ""))
    people.append(("anonymous", Client(), None, ""))
    return people


def _covers(code, area):
    return area == code or area.startswith(code + ".")


def test_leak_matrix_requests_pages_and_api(demo_users, lapsed_users):
    """Every persona × every request endpoint × requests in and out of their area. Expected:
    managers in scope 200; managers out of scope 404; piket, FKDM 403; people whose role lapsed
    and anonymous visitors: the sign-in page (pages) or 403 (API). ID photos included."""
    probes = {
        area: _file(area, name=f"Pemohon {area}")[0]
        for area in (KEBON_JERUK, SUKABUMI_UTARA, TEBET_BARAT, TEBET_TIMUR)
    }
    cases = 0
    for username, client, code, role in _personas(demo_users, lapsed_users):
        for area, probe in probes.items():
            where = f"{username} → {area}"
            manages = role in MANAGERS
            in_scope = manages and _covers(code, area)
            for url, is_api in [
                (f"/permohonan/{probe.pk}/", False),
                (f"/permohonan/{probe.pk}/dokumen/", False),
                (f"/api/v1/requests/{probe.pk}/", True),
                (f"/api/v1/requests/{probe.pk}/document/", True),
            ]:
                response = client.get(url)
                expected = _expected(username, role, in_scope, is_api)
                assert response.status_code == expected, (where, url, response.status_code)
                if not response.streaming:
                    assert (probe.requester_name in response.content.decode()) is in_scope, where
                cases += 1
            for url, is_api in [("/permohonan/", False), ("/api/v1/requests/", True)]:
                response = client.get(url)
                expected = _expected(username, role, manages, is_api)
                assert response.status_code == expected, (where, url, response.status_code)
                body = response.content.decode()
                listed = shows(body, f'data-request="{probe.number}"') or shows(
                    body, {"number": probe.number}
                )
                assert listed is in_scope, (where, url)
                cases += 1
            # Actions from outside change nothing.
            for url, is_api in [
                (f"/permohonan/{probe.pk}/verifikasi/", False),
                (f"/permohonan/{probe.pk}/tolak/", False),
                (f"/api/v1/requests/{probe.pk}/verify/", True),
                (f"/api/v1/requests/{probe.pk}/refuse/", True),
            ]:
                if in_scope:
                    continue
                response = client.post(url, {"reason": "lainnya", "note": "x"})
                expected = _expected(username, role, False, is_api)
                assert response.status_code == expected, (where, url, response.status_code)
                cases += 1
            probe.refresh_from_db()
            assert probe.status == Status.RECEIVED, where
            # The status page and its footage answer the secret only, whoever asks.
            for url in [
                f"/permohonan-data/status/{probe.number}/x/",
                f"/permohonan-data/status/{probe.number}/x/rekaman/",
            ]:
                response = client.get(url)
                assert response.status_code == 404, (where, url)
                assert probe.requester_name not in response.content.decode(), (where, url)
                cases += 1
    MATRIX_CASES["data requests pages and API"] = cases


def _expected(username, role, allowed, is_api):
    if not role:  # anonymous, or a role that lapsed: signed out
        return 403 if is_api else 302
    if role not in MANAGERS:
        return 403
    return 200 if allowed else 404


def test_the_public_form_refuses_bad_input_with_a_message_and_keeps_nothing(demo_users):
    now = timezone.localtime()
    form = {
        "name": "Siti Aminah",
        "contact": "siti@contoh.test",
        "area": KEBON_JERUK,
        "period_start": (now - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "period_end": (now - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),  # before the start
        "reason": "Rekaman saya.",
        "id_document": _photo(),
        "consent": "on",
    }
    page = Client().post("/permohonan-data/", form)
    assert page.status_code == 400
    assert "Waktu akhir harus sesudah waktu mulai." in page.content.decode()
    no_photo = {**form, "id_document": io.BytesIO(b"%PDF-1.4"), "period_end": form["period_start"]}
    no_photo["id_document"].name = "ktp.pdf"
    page = Client().post("/permohonan-data/", no_photo)
    assert page.status_code == 400
    assert "Hanya gambar JPEG, PNG, atau WebP" in page.content.decode()
    assert not DataRequest.objects.exists()


def test_demo_requests_are_filed_once(demo_users, demo_cameras):
    from datarequests.demo import create_requests

    assert len(create_requests()) == 2
    assert create_requests() == []
    assert set(DataRequest.objects.values_list("area_id", flat=True)) == {KEBON_JERUK, TEBET_BARAT}
