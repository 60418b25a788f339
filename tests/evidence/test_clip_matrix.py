"""The leak matrix of evidence: every persona x every way to a clip x clips in and out of scope.

The expectation is written from the personas' roles and area codes, not from the code under
test: a clip is seen by a role that may watch recordings (not FKDM volunteers) whose area code
covers the incident's area (equal, or a prefix followed by "."), once the incident has reached
that role's level (a kecamatan operator sees it from the kecamatan level up); handing it out
needs a role that exports evidence (staff and above).
"""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from cameras.models import Camera
from evidence import services
from evidence.models import AgencyLink, Clip
from incidents.models import Agency, Incident
from incidents.services import incident_escalate, incident_forward
from kelurahan.demo import DEMO_USERS
from tests.evidence.recorded import lay_out
from tests.figures import MATRIX_CASES
from tests.incident_helpers import kecamatan_operators, raise_incident

pytestmark = pytest.mark.django_db

WATCH_RECORDINGS = {"admin_provinsi", "operator", "staf_kelurahan", "petugas_piket"}
EXPORT = {"admin_provinsi", "operator", "staf_kelurahan"}
LEVEL_DEPTH = {"kelurahan": 4, "kecamatan": 3, "kota": 2, "provinsi": 1}


@dataclass
class Probe:
    name: str
    camera: str
    levels_up: int  # escalations after raising
    incident: Incident = None
    clip: Clip = None
    link: AgencyLink = None


PROBES = [
    Probe("Kebon Jeruk, escalated to the kecamatan", "kebonjeruk-simpang", 1),
    Probe("an RT in Kebon Jeruk", "kebonjeruk-gang-masjid", 0),
    Probe("Sukabumi Utara (neighbour), escalated to the kota", "sukabumiutara-arjuna", 2),
    Probe("Tebet Barat", "tebet-eco-park-utara", 0),
]


@dataclass(frozen=True)
class Persona:
    name: str
    grants: tuple  # (role, area code)


PERSONAS = [Persona(u.username, ((u.role.value, u.area_code),)) for u in DEMO_USERS] + [
    Persona("operator.kec.kebonjeruk", (("operator", "31.73.05"),)),
    Persona("operator.kec.tebet", (("operator", "31.74.01"),)),
]


def allowed(persona, probe, roles):
    area, level = probe.incident.area_id, probe.incident.level
    for role, code in persona.grants:
        covers = area == code or area.startswith(code + ".")
        reached = role == "admin_provinsi" or code.count(".") + 1 >= LEVEL_DEPTH[level]
        if role in roles and covers and reached:
            return True
    return False


def may_see_incident(persona, probe):
    return allowed(persona, probe, {*WATCH_RECORDINGS, "relawan_fkdm"})


@pytest.fixture
def probes(settings, tmp_path, segments, demo_users, demo_cameras):
    settings.RECORDINGS_ROOT = tmp_path / "rekaman"
    settings.MEDIA_ROOT = tmp_path / "media"
    admin = demo_users["admin.provinsi"]
    agency = Agency.objects.create(name="Polda Metro Jaya (uji)", kind="polisi")
    agency.areas.set(["31"])
    now = timezone.now().replace(microsecond=0)
    for probe in PROBES:
        camera = demo_cameras[probe.camera]
        Camera.objects.filter(pk=camera.pk).update(record=True)
        lay_out(camera.pk, now - timedelta(seconds=120), segments[:110], settings.RECORDINGS_ROOT)
        probe.incident = raise_incident(by=None, camera=camera, area_code=camera.area_id)
        for _ in range(probe.levels_up):
            incident_escalate(incident_id=probe.incident.pk, by=admin)
        incident_forward(incident_id=probe.incident.pk, by=admin, agencies=[agency])
        probe.incident.refresh_from_db()
        probe.clip = services.clip_create(
            incident=probe.incident,
            camera=camera,
            start=now - timedelta(seconds=100),
            end=now - timedelta(seconds=90),
            by=admin,
        )
        probe.link, _token = services.link_give(
            clip=probe.clip, agency=agency, by=admin, reason="Permintaan penyidik"
        )
    return {"agency": agency, "now": now}


def test_clips_reach_exactly_who_may_see_them(probes, signed_in, demo_users):
    kecamatan_operators()
    agency, now = probes["agency"], probes["now"]
    cases = 0
    for persona in PERSONAS:
        client = signed_in(persona.name) if persona.name in demo_users else _client(persona)
        for probe in PROBES:
            clip = probe.clip
            sees = allowed(persona, probe, WATCH_RECORDINGS)
            exports = allowed(persona, probe, EXPORT)
            hidden = 404
            label = (persona.name, probe.name)

            def get(url, client=client):
                return client.get(url).status_code

            def post(url, data, json=False, client=client):
                if json:
                    return client.post(url, data, content_type="application/json").status_code
                return client.post(url, data).status_code

            seen = 200 if sees else hidden
            handed = (200 if exports else 403) if sees else hidden
            assert get(f"/bukti/{clip.pk}/") == seen, label
            assert get(f"/bukti/{clip.pk}/video.mp4") == seen, label
            assert get(f"/api/v1/clips/{clip.pk}/") == seen, label
            assert get(f"/bukti/{clip.pk}/unduh/?reason=Permintaan+resmi") == handed, label
            assert get(f"/api/v1/clips/{clip.pk}/download/?reason=Permintaan+resmi") == handed
            link = {"agency": agency.pk, "reason": "Permintaan penyidik"}
            assert post(f"/bukti/{clip.pk}/tautan/", link) == handed, label
            given = (201 if exports else 403) if sees else hidden
            assert post(f"/api/v1/clips/{clip.pk}/links/", link, json=True) == given, label
            # A blank reason on purpose: refused as bad input only for who may lift holds.
            lift = {"cabut-reason": ""}
            assert post(f"/bukti/{clip.pk}/cabut-penahanan/", lift) == (
                (400 if exports else 403) if sees else hidden
            ), label
            # Revoking a link, lifting a hold by the API, the links: blank reasons on purpose.
            blank = {"reason": ""}
            refused_blank = (400 if exports else 403) if sees else hidden
            revoke = f"/bukti/{clip.pk}/tautan/{probe.link.pk}/cabut/"
            assert post(revoke, {"cabut-tautan-reason": ""}) == refused_blank, label
            api_revoke = f"/api/v1/clips/{clip.pk}/links/{probe.link.pk}/revoke/"
            assert post(api_revoke, blank, json=True) == refused_blank, label
            lift_api = f"/api/v1/clips/{clip.pk}/lift-hold/"
            assert post(lift_api, blank, json=True) == refused_blank, label
            assert get(f"/api/v1/clips/{clip.pk}/links/") == handed, label
            # Another clip's link through this clip: never found.
            other = PROBES[(PROBES.index(probe) + 1) % len(PROBES)].link
            foreign = (404 if exports else 403) if sees else hidden
            url = f"/api/v1/clips/{clip.pk}/links/{other.pk}/revoke/"
            assert post(url, {"reason": "Salah alamat"}, json=True) == foreign, label
            url = f"/bukti/{clip.pk}/tautan/{other.pk}/cabut/"
            assert post(url, {"cabut-tautan-reason": "Salah alamat"}) == foreign, label
            listed = client.get("/api/v1/clips/").json()["results"]
            assert (clip.pk in [row["id"] for row in listed]) == sees, label
            checked = client.get(f"/bukti/periksa/?sha256={clip.sha256}").content.decode()
            assert (f"/bukti/{clip.pk}/" in checked) == sees, label

            # Saving a clip: FKDM volunteers see the incident but may not take recordings.
            created = (201 if sees else 403) if may_see_incident(persona, probe) else hidden
            body = {
                "camera": clip.camera_id,
                "start": (now - timedelta(seconds=80)).isoformat(),
                "end": (now - timedelta(seconds=75)).isoformat(),
            }
            url = f"/api/v1/incidents/{probe.incident.pk}/clips/"
            assert post(url, body, json=True) == created, label
            form = {
                "camera": clip.camera_id,
                "start": timezone.localtime(now - timedelta(seconds=70)).strftime(
                    "%Y-%m-%dT%H:%M:%S"
                ),
                "end": timezone.localtime(now - timedelta(seconds=65)).strftime(
                    "%Y-%m-%dT%H:%M:%S"
                ),
            }
            page = f"/bukti/kejadian/{probe.incident.pk}/simpan/"
            assert post(page, form) == ((302 if sees else 403) if created != 404 else 404), label
            cases += 18
    # Nobody signed in: pages send to sign-in, the API refuses, a link token is needed.
    anonymous = Client()
    for probe in PROBES:
        for url in [f"/bukti/{probe.clip.pk}/", f"/bukti/{probe.clip.pk}/video.mp4"]:
            assert anonymous.get(url).status_code == 302
        assert anonymous.get(f"/api/v1/clips/{probe.clip.pk}/").status_code == 403
        assert anonymous.get(f"/bukti/tautan/{probe.clip.pk}/").status_code == 404
        api = f"/api/v1/clips/{probe.clip.pk}/"
        body = {"agency": agency.pk, "reason": "Permintaan resmi"}  # a reason; for a link, too
        for url in [f"{api}links/{probe.link.pk}/revoke/", f"{api}lift-hold/", f"{api}links/"]:
            assert anonymous.post(url, body, content_type="application/json").status_code == 403
        assert anonymous.get(f"{api}links/").status_code == 403
        page = f"/bukti/{probe.clip.pk}/tautan/{probe.link.pk}/cabut/"
        assert anonymous.post(page, {"cabut-tautan-reason": "Permintaan resmi"}).status_code == 302
        cases += 9
    MATRIX_CASES["evidence clips"] = cases


def _client(persona):
    from kelurahan.models import User

    client = Client()
    client.force_login(User.objects.get(username=persona.name))
    return client
