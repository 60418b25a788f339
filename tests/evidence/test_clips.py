"""Evidence clips end to end with real ffmpeg: saved from the incident page, played by the
kecamatan operator once escalated, downloaded with a reason, held while the incident is open and
after, checked by hash, given to an agency; every act on the custody log and the trail."""

import hashlib
import re
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from audit.models import Kind, TrailEntry
from cameras import ffmpeg
from cameras.models import Camera, RecordingHour
from cameras.recordings import floor_hour, hour_folder
from evidence import services
from evidence.models import OPEN_HOLD, Clip, ClipEvent
from incidents.services import incident_escalate, incident_forward, incident_transition
from tests.evidence.conftest import TB, save_clip
from tests.evidence.recorded import lay_out
from tests.incident_helpers import kecamatan_operators

pytestmark = pytest.mark.django_db


def _wib_input(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M:%S")


def _duration(path):
    probe = subprocess.run(
        [ffmpeg.ffmpeg_exe(), "-hide_banner", "-i", str(path)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    hours, minutes, seconds = re.search(r"Duration: (\d+):(\d+):([\d.]+)", probe.stderr).groups()
    assert "Video: h264" in probe.stderr
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def _save_default_clip(client, incident):
    page = client.get(f"/kejadian/{incident.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Simpan rekaman" in html
    start = incident.created_at - timedelta(minutes=2)
    end = incident.created_at + timedelta(minutes=3)
    assert f'value="{_wib_input(start)}"' in html and f'value="{_wib_input(end)}"' in html
    answer = client.post(
        f"/bukti/kejadian/{incident.pk}/simpan/",
        {"camera": incident.camera_id, "start": _wib_input(start), "end": _wib_input(end)},
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    return Clip.objects.get(pk=int(answer.url.strip("/").split("/")[-1]))


def test_piket_saves_the_default_clip_and_its_hash_matches_its_bytes(recorded, signed_in):
    incident = recorded["incident"]
    client = signed_in("piket.kebonjeruk")
    clip = _save_default_clip(client, incident)

    data = clip.file.read()
    assert hashlib.sha256(data).hexdigest() == clip.sha256 and len(data) == clip.bytes
    assert 299 <= _duration(clip.file.path) <= 301  # five minutes, by stream copy
    assert (clip.end - clip.start) == timedelta(minutes=5)

    page = client.get(clip.get_absolute_url())
    assert page.status_code == 200
    assert clip.sha256 in page.content.decode()
    assert "selama kejadian terbuka" in page.content.decode()
    # Piket may keep and watch evidence, not hand it out: no download for them.
    assert 'data-action-form="unduh"' not in page.content.decode()
    assert client.get(f"/bukti/{clip.pk}/unduh/?reason=surat+polisi").status_code == 403

    # Held while the incident is open, with the hours it came from.
    assert clip.held_until == OPEN_HOLD
    # The hours the clip spans (an hour recorded after its end, near o'clock, is not held).
    hours = RecordingHour.objects.filter(
        camera=clip.camera, hour__gte=floor_hour(clip.start), hour__lt=clip.end
    )
    assert hours.exists() and all(h.held_until == OPEN_HOLD for h in hours)

    kinds = list(clip.events.values_list("kind", "actor__username", "sha256"))
    assert kinds[0] == ("dibuat", "piket.kebonjeruk", clip.sha256)
    assert ("dilihat", "piket.kebonjeruk", clip.sha256) in kinds
    trail = TrailEntry.objects.filter(kind=Kind.EVIDENCE, object_id=str(clip.pk))
    assert {row.detail["act"] for row in trail} >= {"dibuat", "dilihat"}
    assert all(row.detail["sha256"] == clip.sha256 for row in trail)
    assert {row.area_id for row in trail} == {incident.area_id}


def test_the_escalated_kecamatan_operator_plays_the_clip_and_sees_its_hash(
    recorded, signed_in, demo_users, client
):
    incident = recorded["incident"]
    clip = _save_default_clip(signed_in("piket.kebonjeruk"), incident)
    operators = kecamatan_operators()
    operator = client
    operator.force_login(operators["operator.kec.kebonjeruk"])
    assert operator.get(clip.get_absolute_url()).status_code == 404  # not escalated yet

    incident_escalate(incident_id=incident.pk, by=demo_users["piket.kebonjeruk"], note="Tolong")
    page = operator.get(clip.get_absolute_url())
    assert page.status_code == 200 and clip.sha256 in page.content.decode()
    video = operator.get(f"/bukti/{clip.pk}/video.mp4")
    assert video.status_code == 200 and video["Content-Type"] == "video/mp4"
    assert hashlib.sha256(b"".join(video.streaming_content)).hexdigest() == clip.sha256
    incident_page = operator.get(f"/kejadian/{incident.pk}/").content.decode()
    assert f'data-clip="{clip.pk}"' in incident_page and clip.sha256 in incident_page
    # The operator exports: the reason is asked, then the file is sent and logged with it.
    assert "Alasan" in operator.get(f"/bukti/{clip.pk}/unduh/").content.decode()
    assert operator.get(f"/bukti/{clip.pk}/unduh/?reason=ok").status_code == 400
    download = operator.get(f"/bukti/{clip.pk}/unduh/?reason=Permintaan+Polsek+Kebon+Jeruk")
    assert download.status_code == 200
    assert hashlib.sha256(b"".join(download.streaming_content)).hexdigest() == clip.sha256
    assert "attachment" in download["Content-Disposition"]
    event = clip.events.get(kind=ClipEvent.Kind.DOWNLOADED)
    assert (event.actor.username, event.reason) == (
        "operator.kec.kebonjeruk",
        "Permintaan Polsek Kebon Jeruk",
    )

    # The Kebon Jeruk volunteer sees the incident, not its recordings.
    volunteer = signed_in("fkdm.kebonjeruk").get(f"/kejadian/{incident.pk}/").content.decode()
    assert "data-evidence-panel" not in volunteer and clip.sha256 not in volunteer

    # Tebet Barat gets nothing of it, by any page.
    for username in ["staf.tebetbarat", "piket.tebetbarat", "fkdm.tebetbarat"]:
        outsider = signed_in(username)
        for url in [
            clip.get_absolute_url(),
            f"/bukti/{clip.pk}/video.mp4",
            f"/bukti/{clip.pk}/unduh/?reason=ingin+tahu+saja",
            f"/kejadian/{incident.pk}/",
        ]:
            assert outsider.get(url).status_code == 404, (username, url)
        found = outsider.get(f"/bukti/periksa/?sha256={clip.sha256}").content.decode()
        assert "data-verify-none" in found and f"klip #{clip.pk}" not in found


def test_clip_api(recorded, signed_in):
    incident, camera = recorded["incident"], recorded["camera"]
    staff = signed_in("staf.kebonjeruk")
    start = recorded["now"] - timedelta(minutes=5)
    body = {"camera": camera.pk, "start": start.isoformat(), "end": recorded["now"].isoformat()}
    url = f"/api/v1/incidents/{incident.pk}/clips/"
    answer = staff.post(url, body, content_type="application/json")
    assert answer.status_code == 201, answer.content
    made = answer.json()
    assert set(made) >= {"id", "sha256", "bytes", "start", "end", "download_url"}
    clip = Clip.objects.get(pk=made["id"])
    assert made["sha256"] == hashlib.sha256(clip.file.read()).hexdigest()
    assert staff.get(f"/api/v1/clips/{clip.pk}/").json()["sha256"] == clip.sha256
    again = staff.post(url, body, content_type="application/json")  # retried: the same clip
    assert again.json()["id"] == clip.pk and Clip.objects.count() == 1

    download = staff.get(made["download_url"])
    assert download.status_code == 400 and "reason" in download.json()
    download = staff.get(made["download_url"] + "?reason=Permintaan+Damkar")
    assert download.status_code == 200 and download["X-Content-SHA256"] == clip.sha256
    found = staff.get(f"/api/v1/clips/?sha256={clip.sha256.upper()}").json()["results"]
    assert [row["id"] for row in found] == [clip.pk]

    def refused(**changes):
        return staff.post(url, {**body, **changes}, content_type="application/json")

    assert refused(end=start.isoformat()).status_code == 400
    too_long = (start + timedelta(minutes=31)).isoformat()
    assert refused(end=too_long).json() == {"end": ["Klip paling panjang 30 menit."]}
    long_ago = recorded["now"] - timedelta(days=2)
    nothing = refused(start=long_ago.isoformat(), end=(long_ago + timedelta(minutes=1)).isoformat())
    assert nothing.status_code == 409
    tebet = Camera.objects.get(code=TB).pk
    assert refused(camera=tebet).json() == {"camera": ["Kamera tidak ditemukan di wilayah Anda."]}
    assert refused(camera="satu").status_code == 400
    assert refused(start="kemarin").status_code == 400


def test_holds_last_beyond_the_incident_and_held_hours_survive_retention(
    recorded, settings, segments, demo_users, django_capture_on_commit_callbacks
):
    """Recorded 3 days ago, kept 1 day: retention removes the unheld hour, keeps the held one,
    and the clip's own file is kept EVIDENCE_HOLD_DAYS after the incident is finished."""
    settings.RECORDING_DAYS, settings.EVIDENCE_HOLD_DAYS = 1, 30
    camera, incident = recorded["camera"], recorded["incident"]
    staff = demo_users["staf.kebonjeruk"]
    held_hour = floor_hour(timezone.now() - timedelta(days=3))
    unheld_hour = held_hour - timedelta(hours=2)
    lay_out(camera.pk, held_hour + timedelta(minutes=10), segments[:60], settings.RECORDINGS_ROOT)
    lay_out(camera.pk, unheld_hour + timedelta(minutes=10), segments[:60], settings.RECORDINGS_ROOT)
    clip = services.clip_create(
        incident=incident,
        camera=camera,
        start=held_hour + timedelta(minutes=10, seconds=5),
        end=held_hour + timedelta(minutes=10, seconds=50),
        by=staff,
    )
    _apply_retention(django_capture_on_commit_callbacks)
    assert RecordingHour.objects.filter(camera=camera, hour=held_hour).exists()
    assert hour_folder(camera.pk, held_hour, settings.RECORDINGS_ROOT).is_dir()
    assert not RecordingHour.objects.filter(camera=camera, hour=unheld_hour).exists()
    assert not hour_folder(camera.pk, unheld_hour, settings.RECORDINGS_ROOT).exists()

    incident_transition(incident_id=incident.pk, by=staff, to="diterima")
    incident_transition(incident_id=incident.pk, by=staff, to="selesai")
    clip.refresh_from_db()
    incident.refresh_from_db()
    assert clip.held_until == incident.resolved_at + timedelta(days=30)
    assert RecordingHour.objects.get(camera=camera, hour=held_hour).held_until == clip.held_until
    _apply_retention(django_capture_on_commit_callbacks)
    clip.refresh_from_db()
    assert clip.has_file and RecordingHour.objects.filter(hour=held_hour).exists()

    # Lifting the hold is an audited act; the next retention pass removes file and hour.
    with pytest.raises(services.EvidenceRefused) as refused:
        services.hold_lift(clip=clip, by=demo_users["piket.kebonjeruk"], reason="tidak perlu")
    assert refused.value.status == 403
    services.hold_lift(clip=clip, by=staff, reason="Kasus dihentikan, surat no. 12")
    lifted = TrailEntry.objects.get(kind=Kind.EVIDENCE, detail__act="penahanan_dicabut")
    assert (lifted.actor, lifted.detail["reason"]) == (staff, "Kasus dihentikan, surat no. 12")
    path = clip.file.path
    _apply_retention(django_capture_on_commit_callbacks)
    clip.refresh_from_db()
    assert clip.removed_at and not clip.has_file
    assert not Path(path).exists()
    assert not RecordingHour.objects.filter(camera=camera, hour=held_hour).exists()
    assert clip.sha256 and clip.events.filter(kind="dihapus").exists()  # the hash stays


def _apply_retention(on_commit):
    with on_commit(execute=True):  # files are deleted once the rows' deletion is committed
        call_command("apply_retention")


def test_agency_link_is_signed_expiring_and_logged_on_use(
    recorded, clip, agency, demo_users, client, settings
):
    incident = recorded["incident"]
    staff = demo_users["staf.kebonjeruk"]
    from evidence.services import forwarded_agencies

    with pytest.raises(services.EvidenceRefused):  # not forwarded to it yet
        services.link_give(clip=clip, agency=agency, by=staff, reason="Permintaan penyidik")
    incident_forward(incident_id=incident.pk, by=staff, agencies=[agency])
    assert list(forwarded_agencies(incident)) == [agency]
    link, token = services.link_give(
        clip=clip, agency=agency, by=staff, reason="Permintaan penyidik"
    )

    page = client.get(f"/bukti/tautan/{token}/")
    assert page.status_code == 200 and clip.sha256 in page.content.decode()
    download = client.get(f"/bukti/tautan/{token}/?unduh=1")
    assert hashlib.sha256(b"".join(download.streaming_content)).hexdigest() == clip.sha256
    used = clip.events.get(kind=ClipEvent.Kind.LINK_USED)
    assert (used.agency, used.actor, used.reason) == (agency, None, "Permintaan penyidik")
    assert TrailEntry.objects.filter(kind=Kind.EVIDENCE, detail__act="tautan_dipakai").exists()

    assert client.get(f"/bukti/tautan/{token}x/").status_code == 404  # tampered
    link.expires_at = timezone.now() - timedelta(seconds=1)
    link.save()
    assert client.get(f"/bukti/tautan/{token}/?unduh=1").status_code == 410


def test_agency_links_are_revoked_on_the_page_and_by_the_api(
    recorded, clip, agency, demo_users, signed_in, client
):
    incident, staff = recorded["incident"], demo_users["staf.kebonjeruk"]
    incident_forward(incident_id=incident.pk, by=staff, agencies=[agency])
    first, first_token = services.link_give(
        clip=clip, agency=agency, by=staff, reason="Permintaan penyidik"
    )
    second, second_token = services.link_give(
        clip=clip, agency=agency, by=staff, reason="Permintaan kedua"
    )
    assert client.get(f"/bukti/tautan/{first_token}/?unduh=1").status_code == 200

    # The page lists the links to those who may give them, each with its revoke form.
    staff_client = signed_in("staf.kebonjeruk")
    html = staff_client.get(clip.get_absolute_url()).content.decode()
    assert f'data-link="{first.pk}" data-link-state="berlaku"' in html
    assert f'action="/bukti/{clip.pk}/tautan/{first.pk}/cabut/"' in html
    piket = signed_in("piket.kebonjeruk").get(clip.get_absolute_url()).content.decode()
    assert "data-agency-links" not in piket  # sees the clip, may not hand it out
    url = f"/bukti/{clip.pk}/tautan/{first.pk}/cabut/"
    assert staff_client.post(url, {"cabut-tautan-reason": "ok"}).status_code == 400
    answer = staff_client.post(url, {"cabut-tautan-reason": "Salah alamat instansi"})
    assert answer.status_code == 302
    first.refresh_from_db()
    assert first.revoked_at is not None and not first.usable()
    html = staff_client.get(clip.get_absolute_url()).content.decode()
    assert f'data-link="{first.pk}" data-link-state="dicabut"' in html
    assert "Salah alamat instansi" in html  # on the custody log
    # The agency's link now says so, on its page and its download.
    for path in [f"/bukti/tautan/{first_token}/", f"/bukti/tautan/{first_token}/?unduh=1"]:
        gone = client.get(path)
        assert gone.status_code == 410 and "sudah dicabut" in gone.content.decode()
    assert staff_client.post(url, {"cabut-tautan-reason": "Sekali lagi"}).status_code == 400

    # The API: the clip's links, and revoking one (a reason is needed and logged).
    api = f"/api/v1/clips/{clip.pk}/links/"
    listed = staff_client.get(api).json()
    assert [(row["id"], row["state"]) for row in listed] == [
        (second.pk, "berlaku"),
        (first.pk, "dicabut"),
    ]
    assert "token" not in listed[0]
    revoke = f"{api}{second.pk}/revoke/"
    assert staff_client.post(revoke, {}, content_type="application/json").status_code == 400
    body = {"reason": "Penyidik sudah menerima salinan"}
    done = staff_client.post(revoke, body, content_type="application/json")
    assert done.status_code == 200 and done.json()["state"] == "dicabut"
    again = staff_client.post(revoke, body, content_type="application/json")
    assert again.status_code == 409 and again.json()["detail"] == "Tautan ini sudah dicabut."
    assert client.get(f"/bukti/tautan/{second_token}/?unduh=1").status_code == 410
    assert staff_client.post(f"{api}999999/revoke/", body).status_code == 404
    revoked = clip.events.filter(kind=ClipEvent.Kind.LINK_REVOKED).order_by("at", "pk")
    assert [(e.actor, e.agency, e.reason) for e in revoked] == [
        (staff, agency, "Salah alamat instansi"),
        (staff, agency, "Penyidik sudah menerima salinan"),
    ]
    trail = TrailEntry.objects.filter(kind=Kind.EVIDENCE, detail__act="tautan_dicabut")
    assert trail.count() == 2 and {row.area_id for row in trail} == {incident.area_id}
    # Used once before it was revoked, never after.
    assert clip.events.filter(kind=ClipEvent.Kind.LINK_USED).count() == 1


def test_lifting_a_hold_by_the_api(clip, demo_users, signed_in):
    staff = demo_users["staf.kebonjeruk"]
    url = f"/api/v1/clips/{clip.pk}/lift-hold/"
    body = {"reason": "Kasus dihentikan, surat no. 12"}
    piket = signed_in("piket.kebonjeruk").post(url, body, content_type="application/json")
    assert piket.status_code == 403
    staff_client = signed_in("staf.kebonjeruk")
    short = staff_client.post(url, {"reason": "ok"}, content_type="application/json")
    assert short.status_code == 400 and "reason" in short.json()
    lifted = staff_client.post(url, body, content_type="application/json")
    assert lifted.status_code == 200, lifted.content
    assert lifted.json()["held_until"] is None
    clip.refresh_from_db()
    assert clip.held_until is None and clip.hold_lifted_at is not None
    assert not RecordingHour.objects.filter(camera=clip.camera, held_until__isnull=False).exists()
    event = clip.events.get(kind=ClipEvent.Kind.HOLD_LIFTED)
    assert (event.actor, event.reason) == (staff, "Kasus dihentikan, surat no. 12")
    again = staff_client.post(url, body, content_type="application/json")
    assert again.status_code == 409


def test_fmp4_segments_are_cut_at_the_range_by_the_concat_demuxer(tmp_path):
    """MediaMTX records fMP4 segments, each with its own header: the range is cut inside them."""
    from datetime import UTC, datetime

    from evidence.clipping import cut, whole_segments

    pattern = [a for a in ffmpeg.demo_pattern_args("uji", size="320x180", fps=10, font=None)]
    pattern = [a for a in pattern if a != "-re"]
    command = [
        ffmpeg.ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", *pattern,
        "-t", "30", "-f", "segment", "-segment_time", "10", "-segment_format", "mp4",
        "-segment_format_options", "movflags=+frag_keyframe+empty_moov+default_base_moof",
        str(tmp_path / "seg%02d.mp4"),
    ]  # fmt: skip
    subprocess.run(command, check=True, timeout=120, capture_output=True)
    start = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
    segments = [
        (path, start + timedelta(seconds=10 * n), 10.0)
        for n, path in enumerate(sorted(tmp_path.glob("seg*.mp4")))
    ]
    assert len(segments) == 3 and not whole_segments(segments)
    target = tmp_path / "klip.mp4"
    digest, size = cut(
        segments, start + timedelta(seconds=5), start + timedelta(seconds=25), target
    )
    assert (
        hashlib.sha256(target.read_bytes()).hexdigest() == digest and size == target.stat().st_size
    )
    assert 19 <= _duration(target) <= 21


def test_clips_are_served_in_pieces_and_each_playback_is_logged_once(
    recorded, agency, demo_users, signed_in, client
):
    """Phones seek with HTTP Range: 206 with the piece, 416 past the end, the whole file
    otherwise; a viewing or download is logged when it starts, not for every piece."""
    incident, staff = recorded["incident"], demo_users["staf.kebonjeruk"]
    clip = save_clip(recorded, staff, minutes=2)
    data, size = clip.file.read(), clip.bytes
    staff_client = signed_in("staf.kebonjeruk")
    video = f"/bukti/{clip.pk}/video.mp4"

    def get(url, byte_range=None, who=staff_client, **headers):
        if byte_range:
            headers["Range"] = byte_range
        answer = who.get(url, headers=headers)
        body = b"".join(answer.streaming_content) if answer.streaming else answer.content
        return answer, body

    def views():
        return clip.events.filter(kind=ClipEvent.Kind.VIEWED).count()

    whole, body = get(video)
    assert whole.status_code == 200 and body == data
    assert whole["Accept-Ranges"] == "bytes" and whole["Content-Length"] == str(size)
    assert views() == 1
    ClipEvent.objects.filter(clip=clip).update(at=timezone.now() - timedelta(hours=1))

    first, body = get(video, "bytes=0-999")
    assert first.status_code == 206 and body == data[:1000]
    assert first["Content-Range"] == f"bytes 0-999/{size}" and first["Content-Length"] == "1000"
    assert first["Content-Type"] == "video/mp4" and "inline" in first["Content-Disposition"]
    assert views() == 2  # a playback started (from byte 0)
    ClipEvent.objects.filter(clip=clip).update(at=timezone.now() - timedelta(hours=1))
    middle, body = get(video, "bytes=1000-")  # the player seeks on: the same viewing
    assert middle.status_code == 206 and body == data[1000:]
    assert middle["Content-Range"] == f"bytes 1000-{size - 1}/{size}"
    tail, body = get(video, "bytes=-500")  # the last 500 bytes (the moov box, say)
    assert tail.status_code == 206 and body == data[-500:]
    past, body = get(video, "bytes=0-99999999999")  # beyond the end: up to the end
    assert past.status_code == 206 and body == data
    assert views() == 3  # the last one started at byte 0 again
    ClipEvent.objects.filter(clip=clip).update(at=timezone.now() - timedelta(hours=1))
    for wrong in [f"bytes={size}-", f"bytes={size + 10}-{size + 20}", "bytes=-0"]:
        refused, body = get(video, wrong)
        assert refused.status_code == 416, wrong
        assert refused["Content-Range"] == f"bytes */{size}"
        assert f"{size} byte" in body.decode()
    assert views() == 3  # nothing was sent: nothing logged
    for ignored in ["bytes=0-9,20-29", "items=0-9", "bytes=9-0", "bytes=abc"]:
        answer, body = get(video, ignored)  # not a single byte range: the whole file
        assert answer.status_code == 200 and body == data, ignored
    stale, body = get(video, "bytes=100-199", **{"If-Range": '"lain"'})
    assert stale.status_code == 200 and body == data
    fresh, body = get(video, "bytes=100-199", **{"If-Range": f'"{clip.sha256}"'})
    assert fresh.status_code == 206 and body == data[100:200]

    # The API download: pieces too, logged once with its reason.
    api = f"/api/v1/clips/{clip.pk}/download/?reason=Permintaan+Polsek"
    downloads = clip.events.filter(kind=ClipEvent.Kind.DOWNLOADED)
    pieces = []
    for byte_range in ["bytes=0-4095", "bytes=4096-"]:
        answer, body = get(api, byte_range)
        assert answer.status_code == 206 and answer["X-Content-SHA256"] == clip.sha256
        pieces.append(body)
    assert hashlib.sha256(b"".join(pieces)).hexdigest() == clip.sha256
    assert downloads.count() == 1 and downloads.get().reason == "Permintaan Polsek"
    refused, body = get(api, f"bytes={size}-")
    assert refused.status_code == 416 and "detail" in refused.json()
    assert downloads.count() == 1
    piket = signed_in("piket.kebonjeruk")  # a piece is still a download: checked every time
    assert get(api, "bytes=4096-", who=piket)[0].status_code == 403
    assert (
        get(f"/bukti/{clip.pk}/unduh/?reason=surat+polisi", "bytes=10-", who=piket)[0].status_code
        == 403
    )

    # An agency's link: counted once per download, each piece checked against revocation.
    incident_forward(incident_id=incident.pk, by=staff, agencies=[agency])
    link, token = services.link_give(clip=clip, agency=agency, by=staff, reason="Penyidik")
    url = f"/bukti/tautan/{token}/?unduh=1"
    assert get(url, "bytes=0-99", who=client)[0].status_code == 206
    assert get(url, "bytes=100-", who=client)[0].status_code == 206
    link.refresh_from_db()
    assert link.uses == 1 and clip.events.filter(kind=ClipEvent.Kind.LINK_USED).count() == 1
    services.link_revoke(clip=clip, link_id=link.pk, by=staff, reason="Salah instansi")
    assert get(url, "bytes=100-", who=client)[0].status_code == 410
