"""The leak matrix of recordings: the timeline API, playback tokens, VOD playlists, recorded
segments and the MediaMTX hook's `action: playback`, per persona, per camera in and out of
scope. FKDM volunteers watch live only: refused on every way in.

Expectation, independent of the code: a persona may rewind a camera when its area code equals or
lies under one of the persona's area codes and the persona is not an FKDM volunteer.
"""

from datetime import timedelta
from urllib.parse import quote, urlencode

import pytest
from django.utils import timezone

from cameras import gate
from cameras.models import Camera, RecordingHour, ViewingSession
from cameras.recordings import hour_folder, index_hour_folder, segment_name
from tests.asgi import post_hook
from tests.cameras.test_leak_matrix import (  # noqa: F401 (fixtures)
    CAMERA_CODES,
    _visible,
)
from tests.cameras.test_leak_matrix import camera_probes as camera_probes  # noqa: F401
from tests.cameras.test_leak_matrix import personas as personas  # noqa: F401
from tests.figures import MATRIX_CASES

REFUSED = {401, 403, 404}


def _may_rewind(persona, area_code):
    return _visible(persona, area_code) and not persona.name.startswith("fkdm.")


@pytest.fixture
def recorded(camera_probes, settings, tmp_path):
    """Ten seconds recorded ten minutes ago on every probe camera; the range around them."""
    settings.RECORDINGS_ROOT = tmp_path / "recordings"
    start = (timezone.now() - timedelta(minutes=10)).replace(microsecond=0)
    for probe in camera_probes:
        for second in range(10):
            moment = start + timedelta(seconds=second)
            folder = hour_folder(probe.key, moment)
            folder.mkdir(parents=True, exist_ok=True)
            (folder / segment_name(moment, 1.0)).write_bytes(b"\x47" * 188)
        index_hour_folder(int(probe.key), start)
        index_hour_folder(int(probe.key), start + timedelta(seconds=9))
    return start - timedelta(minutes=1), start + timedelta(minutes=1)


def _iso(moment):
    return moment.isoformat()


def _hook_playback(token, path, start, seconds=60):
    query = urlencode({"path": path, "start": _iso(start), "duration": f"{seconds}s"})
    if token:
        query += "&" + urlencode({"token": token})
    body = {
        "user": "",
        "password": "",
        "token": "",
        "ip": "10.0.0.1",
        "action": "playback",
        "path": path,
        "protocol": "",
        "id": None,
        "query": query,
        "userAgent": "matrix",
    }
    return post_hook(body)[0]


def _playlist_segments(text):
    return [line for line in text.splitlines() if line.startswith("/recordings/")]


@pytest.mark.django_db(transaction=True)  # the hook reads the database from worker threads
def test_leak_matrix_recordings(personas, camera_probes, recorded):
    start, end = recorded
    range_query = urlencode({"start": _iso(start), "end": _iso(end)})
    cases = 0
    for persona in personas:
        tokens, playlists = {}, {}
        for probe in camera_probes:
            where = f"{persona.name} → {probe.label}"
            may = _may_rewind(persona, probe.area)
            timeline = persona.client.get(f"/api/v1/cameras/{probe.key}/recordings/?{range_query}")
            answer = persona.client.post(
                f"/api/v1/cameras/{probe.key}/playback/",
                {"start": _iso(start), "end": _iso(end)},
                content_type="application/json",
            )
            cases += 2
            if may:
                assert timeline.status_code == 200, where
                assert len(timeline.json()["spans"]) == 1, where
                assert answer.status_code == 200, where
                tokens[probe.label] = answer.json()["token"]
                bearer = {"authorization": f"Bearer {answer.json()['token']}"}
                playlist = persona.client.get(answer.json()["url"], headers=bearer)
                assert "token=" not in playlist.content.decode(), where
                playlist = persona.client.get(
                    answer.json()["url"] + "?" + urlencode({"token": answer.json()["token"]})
                )
                assert playlist.status_code == 200, where
                playlists[probe.label] = playlist.content.decode()
                assert len(_playlist_segments(playlists[probe.label])) == 10, where
                cases += 1
            else:
                seen = _visible(persona, probe.area)
                # Visible but no recordings (FKDM): 403; out of scope: 404; signed out: 401/403.
                expected = {403} if seen else REFUSED - ({403} if persona.scope else set())
                assert timeline.status_code in expected, where
                assert answer.status_code in expected, where
                assert probe.label not in timeline.content.decode(), where
                assert "token" not in answer.content.decode(), where
            # No token, no playlist and no hook.
            no_token = persona.client.get(f"/recordings/{probe.key}/index.m3u8")
            assert no_token.status_code == 401, where
            assert _hook_playback(None, probe.label, start) == 401, where
            cases += 2
        # Every token a persona got, against every camera: only its own camera plays.
        for token_camera, token in tokens.items():
            own_segment = _playlist_segments(playlists[token_camera])[0]
            for probe in camera_probes:
                allowed = token_camera == probe.label
                where = f"{persona.name} token {token_camera} → {probe.label}"
                url = f"/recordings/{probe.key}/index.m3u8?{urlencode({'token': token})}"
                assert persona.client.get(url).status_code == (200 if allowed else 403), where
                relative = own_segment.split("/", 3)[3]  # <date>/<hour>/<file>?token=...
                segment = persona.client.get(f"/recordings/{probe.key}/{relative}")
                assert segment.status_code == (200 if allowed else 403), where
                hook = _hook_playback(token, probe.label, start + timedelta(seconds=30))
                assert hook == (200 if allowed else 401), where
                cases += 3
        # FKDM and everyone else: a live token is never a playback token.
        for probe in camera_probes:
            live = persona.client.post(f"/api/v1/cameras/{probe.key}/stream/")
            if live.status_code != 200:
                continue
            token = live.json()["token"]
            url = f"/recordings/{probe.key}/index.m3u8?{urlencode({'token': token})}"
            assert persona.client.get(url).status_code == 403, (persona.name, probe.label)
            assert _hook_playback(token, probe.label, start) == 401, (persona.name, probe.label)
            cases += 2
    MATRIX_CASES["recordings: timeline, playback, playlists, segments, hook"] = cases


@pytest.mark.django_db(transaction=True)
def test_playback_is_bound_to_its_range_and_logged(signed_in, demo_cameras, recorded, settings):
    start, end = recorded
    camera = demo_cameras["kebonjeruk-simpang"]
    client = signed_in("piket.kebonjeruk")
    narrow = (start + timedelta(minutes=1), start + timedelta(minutes=1, seconds=4))
    answer = client.post(
        f"/api/v1/cameras/{camera.pk}/playback/",
        {"start": _iso(narrow[0]), "end": _iso(narrow[1])},
        content_type="application/json",
    ).json()
    bearer = {"authorization": f"Bearer {answer['token']}"}
    playlist = client.get(answer["url"], headers=bearer).content.decode()
    assert "#EXT-X-PLAYLIST-TYPE:VOD" in playlist and playlist.rstrip().endswith("#EXT-X-ENDLIST")
    assert playlist.count("#EXT-X-PROGRAM-DATE-TIME:") == 4
    assert "+07:00" in playlist  # WIB, like the live playlist and the burnt-in clock
    # A segment of the same camera outside the token's range is refused.
    wide = client.post(
        f"/api/v1/cameras/{camera.pk}/playback/",
        {"start": _iso(start), "end": _iso(end)},
        content_type="application/json",
    ).json()
    bearer_wide = {"authorization": f"Bearer {wide['token']}"}
    last = _playlist_segments(client.get(wide["url"], headers=bearer_wide).content.decode())[-1]
    assert client.get(last, headers=bearer_wide).status_code == 200
    assert client.get(last, headers=bearer).status_code == 403
    assert _hook_playback(answer["token"], camera.code, end + timedelta(minutes=5)) == 401
    # The viewing history names the range watched.
    viewing = ViewingSession.objects.get(pk=answer["viewing"])
    assert (viewing.playback_start, viewing.playback_end) == narrow
    assert viewing.user.username == "piket.kebonjeruk"
    history = client.get("/riwayat/menonton/").content.decode()
    wib = timezone.localtime(narrow[0])
    assert f"data-playback-range>rekaman {wib:%-d}" in history and f"{wib:%H.%M.%S}" in history
    # Bad ranges are a 400 with a message, never a 500.
    for bad in [
        {"start": _iso(end), "end": _iso(start)},
        {"start": _iso(start), "end": _iso(start + timedelta(hours=2))},
        {"start": "kemarin", "end": _iso(end)},
    ]:
        response = client.post(
            f"/api/v1/cameras/{camera.pk}/playback/", bad, content_type="application/json"
        )
        assert response.status_code == 400, bad
    assert RecordingHour.objects.filter(camera=camera).exists()
    gate.forget_decisions()


@pytest.mark.django_db
def test_timeline_marks_incidents_of_the_range(signed_in, demo_users, demo_cameras, recorded):
    from incidents.models import Incident
    from tests.incident_helpers import raise_incident

    start, end = recorded
    camera = demo_cameras["kebonjeruk-simpang"]
    client = signed_in("staf.kebonjeruk")
    incident = raise_incident(
        by=demo_users["staf.kebonjeruk"], title="Tawuran di simpang", camera=camera
    )
    incident_at = start + timedelta(seconds=65)
    Incident.objects.filter(pk=incident.pk).update(created_at=incident_at)
    query = urlencode({"start": _iso(start), "end": _iso(end)})
    answer = client.get(f"/api/v1/cameras/{camera.pk}/recordings/?{query}").json()
    assert [mark["title"] for mark in answer["incidents"]] == ["Tawuran di simpang"]
    later = urlencode({"start": _iso(end), "end": _iso(end + timedelta(minutes=1))})
    assert client.get(f"/api/v1/cameras/{camera.pk}/recordings/?{later}").json()["incidents"] == []
    assert Camera.objects.filter(code__in=CAMERA_CODES).count() == len(CAMERA_CODES)


@pytest.mark.django_db
def test_incident_page_offers_lihat_rekaman_to_officers_only(signed_in, demo_users, demo_cameras):
    from tests.incident_helpers import raise_incident

    camera = demo_cameras["kebonjeruk-simpang"]
    incident = raise_incident(by=demo_users["staf.kebonjeruk"], camera=camera)
    moment = quote(timezone.localtime(incident.created_at).isoformat(), safe="")
    for username, offered in [
        ("piket.kebonjeruk", True),
        ("staf.kebonjeruk", True),
        ("fkdm.kebonjeruk", False),
    ]:
        page = signed_in(username).get(f"/kejadian/{incident.pk}/").content.decode()
        link = f'href="/kamera/{camera.pk}/?t={moment}"'
        assert (link in page) is offered, username
        if offered:  # the camera page it leads to opens the recording at that moment
            target = signed_in(username).get(f"/kamera/{camera.pk}/?t={moment}").content.decode()
            assert "recordings-config" in target and '"openAt": "' in target


@pytest.mark.django_db
def test_timeline_marks_shift_notes_for_those_who_see_them(signed_in, demo_users, demo_cameras):
    from shifts.services import ensure_slots, note_add_current
    from tests.personas import KEBON_JERUK

    camera = demo_cameras["kebonjeruk-simpang"]
    ensure_slots(KEBON_JERUK)
    note = note_add_current(
        kelurahan_code=KEBON_JERUK,
        by=demo_users["piket.kebonjeruk"],
        text="Kerumunan di simpang\nterpantau dari kamera",
        camera=camera,
    )
    long_line = "Genangan " * 30  # a first line longer than a title: cut at 120 characters
    note_add_current(
        kelurahan_code=KEBON_JERUK,
        by=demo_users["piket.kebonjeruk"],
        text=f"{long_line}\nbaris kedua",
        camera=camera,
    )
    query = urlencode(
        {
            "start": _iso(note.created_at - timedelta(minutes=5)),
            "end": _iso(note.created_at + timedelta(minutes=5)),
        }
    )
    answer = signed_in("staf.kebonjeruk").get(f"/api/v1/cameras/{camera.pk}/recordings/?{query}")
    titles = [mark["title"] for mark in answer.json()["notes"]]
    assert titles == ["Kerumunan di simpang", long_line[:120]]
    outsider = signed_in("staf.tebetbarat").get(f"/api/v1/cameras/{camera.pk}/recordings/?{query}")
    assert outsider.status_code == 404 and "Kerumunan" not in outsider.content.decode()
