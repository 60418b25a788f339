"""Giving an agency a download link by the API (POST /api/v1/clips/<id>/links/): the same act as
the clip page's form, through the same service, with the same custody log and trail."""

import hashlib
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from audit.models import Kind, TrailEntry
from evidence import services
from evidence.models import AgencyLink, Clip, ClipEvent
from incidents.models import Agency
from incidents.services import incident_forward

pytestmark = pytest.mark.django_db

REASON = "Permintaan penyidik, surat no. 7"


@pytest.fixture
def agency(agency, recorded, demo_users):
    """The serving agency, the incident forwarded to it (only then may it get a link)."""
    incident = recorded["incident"]
    incident_forward(incident_id=incident.pk, by=demo_users["staf.kebonjeruk"], agencies=[agency])
    return agency


def _token(url):
    """The token of a link's address (signed with the moment it was made: read, not rebuilt)."""
    return re.fullmatch(r"http://testserver/bukti/tautan/([^/]+)/", url)[1]


def _give(client, clip, body):
    return client.post(f"/api/v1/clips/{clip.pk}/links/", body, content_type="application/json")


def test_staff_give_a_link_that_downloads_the_clip_and_is_logged(
    clip, agency, demo_users, signed_in, settings
):
    staff = demo_users["staf.kebonjeruk"]
    before = timezone.now().replace(microsecond=0)
    answer = _give(signed_in("staf.kebonjeruk"), clip, {"agency": agency.pk, "reason": REASON})
    assert answer.status_code == 201, answer.content
    given = answer.json()
    link = AgencyLink.objects.get(clip=clip)
    assert (given["id"], given["agency"], given["agency_name"]) == (link.pk, agency.pk, agency.name)
    assert (given["reason"], given["state"], given["uses"]) == (REASON, "berlaku", 0)
    assert link.created_by == staff and link.reason == REASON
    # As long as the page's links last.
    hours = timedelta(hours=settings.EVIDENCE_LINK_HOURS)
    assert before + hours <= link.expires_at <= timezone.now() + hours
    # The secret address, the same as the page would show: shown once, never listed.
    url = urlsplit(given["url"])
    assert (url.scheme, url.netloc) == ("http", "testserver")
    assert services.link_for_token(_token(given["url"])) == link
    listed = signed_in("staf.kebonjeruk").get(f"/api/v1/clips/{clip.pk}/links/").json()
    assert [row["id"] for row in listed] == [link.pk] and "url" not in listed[0]

    # On the custody log and the accountability trail, like the page's.
    event = clip.events.get(kind=ClipEvent.Kind.LINK_GIVEN)
    assert (event.actor, event.agency, event.reason) == (staff, agency, REASON)
    trail = TrailEntry.objects.get(kind=Kind.EVIDENCE, detail__act="tautan_dibuat")
    assert (trail.actor, trail.area_id, trail.detail["reason"]) == (
        staff,
        clip.incident.area_id,
        REASON,
    )

    # The agency downloads the clip through it, without signing in.
    agency_client = Client()
    assert clip.sha256 in agency_client.get(url.path).content.decode()
    download = agency_client.get(f"{url.path}?unduh=1")
    assert download.status_code == 200
    assert hashlib.sha256(b"".join(download.streaming_content)).hexdigest() == clip.sha256
    link.refresh_from_db()
    assert link.uses == 1 and clip.events.filter(kind=ClipEvent.Kind.LINK_USED).count() == 1


def test_the_page_and_the_api_give_the_same_link(clip, agency, signed_in):
    staff = signed_in("staf.kebonjeruk")
    page = staff.post(f"/bukti/{clip.pk}/tautan/", {"agency": agency.pk, "reason": REASON})
    assert page.status_code == 200 and "data-new-link" in page.content.decode()
    api = _give(staff, clip, {"agency": agency.pk, "reason": REASON}).json()
    by_page, by_api = AgencyLink.objects.filter(clip=clip).order_by("pk")
    shown = re.search(r'value="([^"]+)" data-link-url', page.content.decode())[1]
    assert services.link_for_token(_token(shown)) == by_page
    assert services.link_for_token(_token(api["url"])) == by_api
    for field in ["agency_id", "created_by_id", "reason"]:
        assert getattr(by_page, field) == getattr(by_api, field), field
    assert by_page.expires_at - by_page.created_at == by_api.expires_at - by_api.created_at
    given = clip.events.filter(kind=ClipEvent.Kind.LINK_GIVEN)
    assert given.count() == 2
    assert TrailEntry.objects.filter(kind=Kind.EVIDENCE, detail__act="tautan_dibuat").count() == 2


@pytest.mark.parametrize(
    "username, status",
    [
        ("piket.kebonjeruk", 403),  # sees the clip, may not hand it out
        ("fkdm.kebonjeruk", 404),  # sees the incident, not its recordings
        ("staf.tebetbarat", 404),  # another kecamatan
        ("operator.tebet", 404),
    ],
)
def test_who_may_not_hand_the_clip_out_gives_nothing(clip, agency, signed_in, username, status):
    answer = _give(signed_in(username), clip, {"agency": agency.pk, "reason": REASON})
    assert answer.status_code == status and answer.json()["detail"]
    assert not AgencyLink.objects.exists()
    assert not ClipEvent.objects.filter(kind=ClipEvent.Kind.LINK_GIVEN).exists()
    assert not TrailEntry.objects.filter(detail__act="tautan_dibuat").exists()


def test_nobody_signed_in_gives_nothing(clip, agency):
    answer = Client().post(
        f"/api/v1/clips/{clip.pk}/links/",
        {"agency": agency.pk, "reason": REASON},
        content_type="application/json",
    )
    assert answer.status_code == 403 and not AgencyLink.objects.exists()


def test_bad_input_is_refused_with_a_message_and_gives_nothing(
    clip, agency, recorded, demo_users, signed_in
):
    staff = signed_in("staf.kebonjeruk")
    # Serving the area, but the incident was never forwarded to it.
    unforwarded = Agency.objects.serving(recorded["incident"].area_id).exclude(pk=agency.pk)[0]
    not_forwarded = ["Kejadian ini belum diteruskan ke instansi tersebut."]
    cases = [
        ({"agency": agency.pk}, "reason", None),
        ({"agency": agency.pk, "reason": "ok"}, "reason", None),
        ({"agency": agency.pk, "reason": "x" * 301}, "reason", None),
        ({"agency": agency.pk, "reason": 12345}, "reason", ["Isian ini harus berupa teks."]),
        ({"reason": REASON}, "agency", None),
        ({"agency": unforwarded.pk, "reason": REASON}, "agency", not_forwarded),
        ({"agency": 999999999, "reason": REASON}, "agency", not_forwarded),
        ({"agency": 10**30, "reason": REASON}, "agency", not_forwarded),
        ({"agency": "satu", "reason": REASON}, "agency", ["Isian ini harus berupa angka."]),
        ({"agency": None, "reason": REASON}, "agency", None),
    ]
    for body, field, message in cases:
        answer = _give(staff, clip, body)
        assert answer.status_code == 400, (body, answer.content)
        errors = answer.json()
        assert list(errors) == [field], (body, errors)
        assert errors[field][0], body
        if message:
            assert errors[field] == message, body
    broken = staff.post(
        f"/api/v1/clips/{clip.pk}/links/", "{agency", content_type="application/json"
    )
    assert broken.status_code == 400 and broken.json()["detail"]
    assert not AgencyLink.objects.exists()
    assert not ClipEvent.objects.filter(kind=ClipEvent.Kind.LINK_GIVEN).exists()


def test_a_clip_whose_file_is_gone_gets_no_link(clip, agency, signed_in):
    Clip.objects.filter(pk=clip.pk).update(removed_at=timezone.now())
    answer = _give(signed_in("staf.kebonjeruk"), clip, {"agency": agency.pk, "reason": REASON})
    assert answer.status_code == 410 and "sudah dihapus" in answer.json()["detail"]
    assert not AgencyLink.objects.exists()
