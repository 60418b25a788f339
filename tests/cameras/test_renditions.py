"""Light video: two renditions from one ffmpeg, the master playlist and the snapshot API."""

import base64
import os
import re
import subprocess
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.utils.http import http_date

from cameras import ffmpeg, gate
from cameras.models import Camera, ViewingSession
from cameras.renditions import LOW_PLAYLIST, MASTER_PLAYLIST, SNAPSHOT, master_playlist
from cameras.snapshots import StillMaker
from tests.mediamtx_standin import mediamtx_standin
from tests.streams import running_streams
from tests.waiting import wait_for

KJ, TB = "kebonjeruk-simpang", "tebet-eco-park-utara"


def _segments(folder, playlist, prefix):
    try:
        text = (folder / playlist).read_text()
    except FileNotFoundError:
        return []
    return re.findall(rf"^({prefix}\d+\.ts)$", text, flags=re.MULTILINE)


def _picture_size(path):
    """The video size ffmpeg reads from a file, e.g. "320x180"."""
    result = subprocess.run(  # noqa: S603 (a list, no shell)
        [ffmpeg.ffmpeg_exe(), "-hide_banner", "-i", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    return re.search(r"Video: .*?, (\d{2,5}x\d{2,5})", result.stderr).group(1)


@pytest.fixture(scope="module")
def renditions(tmp_path_factory):
    root = tmp_path_factory.mktemp("streams")
    with running_streams([KJ], root, segments=1):
        folder = root / KJ
        wait_for(
            lambda: (
                len(_segments(folder, LOW_PLAYLIST, "low")) >= 3 and (folder / SNAPSHOT).exists()
            ),
            message="three low segments and a snapshot",
        )
        yield root


def test_one_ffmpeg_writes_main_low_master_and_snapshot(renditions, settings):
    folder = renditions / KJ
    master = (folder / MASTER_PLAYLIST).read_text()
    variants = re.findall(r"#EXT-X-STREAM-INF:(.*)\n(.*)\n", master)
    assert [uri for _, uri in variants] == ["index.m3u8", "low.m3u8"]
    for attributes, _uri in variants:
        assert re.search(r"BANDWIDTH=\d+", attributes) and "RESOLUTION=" in attributes
    assert f"RESOLUTION={settings.STREAM_SIZE}" in variants[0][0]
    assert "RESOLUTION=320x180" in variants[1][0]
    low = _segments(folder, LOW_PLAYLIST, "low")
    assert _picture_size(folder / low[-1]) == "320x180"
    main = _segments(folder, "index.m3u8", "seg")  # the main rendition keeps its names
    assert main and _picture_size(folder / main[-1]) == settings.STREAM_SIZE
    # Well under 200 kbit/s over the listed segments, container included.
    text = (folder / LOW_PLAYLIST).read_text()
    listed = re.findall(r"#EXTINF:([\d.]+),\n(?:#.*\n)*(low\d+\.ts)", text)
    sizes = [(float(d), (folder / n).stat().st_size) for d, n in listed if (folder / n).exists()]
    kbits = sum(size for _, size in sizes) * 8 / 1000 / sum(d for d, _ in sizes)
    assert sizes and kbits < 160, sizes
    jpeg = (folder / SNAPSHOT).read_bytes()
    assert jpeg[:2] == b"\xff\xd8" and jpeg[-2:] == b"\xff\xd9"
    assert _picture_size(folder / SNAPSHOT) == "320x180"
    # One camera, one process: the low rendition and the still come from the same decode.
    assert len(_processes_writing(renditions / KJ)) == 1


def _processes_writing(folder):
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes().decode(errors="replace")
        except OSError:
            continue
        if str(folder / "index.m3u8") in text:
            found.append(cmdline)
    return found


@pytest.mark.django_db
def test_master_and_both_renditions_play_through_the_gate(
    renditions, settings, demo_cameras, demo_users
):
    settings.STREAMS_ROOT = renditions
    settings.STREAM_MODE = "embedded"
    gate.forget_decisions()
    client = Client()
    client.force_login(demo_users["fkdm.kebonjeruk"])
    answer = client.post(f"/api/v1/cameras/{demo_cameras[KJ].pk}/stream/").json()
    assert answer["url"] == f"/streams/{KJ}/{MASTER_PLAYLIST}"
    bearer = {"authorization": f"Bearer {answer['token']}"}
    master = client.get(answer["url"], headers=bearer)
    assert master.status_code == 200 and b"low.m3u8" in b"".join(master.streaming_content)
    low = _segments(renditions / KJ, LOW_PLAYLIST, "low")
    for name in (LOW_PLAYLIST, low[-1]):
        assert client.get(f"/streams/{KJ}/{name}", headers=bearer).status_code == 200
        assert client.get(f"/streams/{KJ}/{name}").status_code == 401
    gate.forget_decisions()


def test_master_playlist_of_a_real_camera_leaves_out_the_unknown_size():
    text = master_playlist(main_kbps=2000)
    first = text.splitlines()[3]
    assert "BANDWIDTH=2400000" in first and "RESOLUTION" not in first


# --- The snapshot API -------------------------------------------------------------------------


@pytest.fixture
def stills(settings, tmp_path, demo_cameras):
    settings.STREAMS_ROOT = tmp_path
    for code in (KJ, TB, "kelapadua-kali"):
        (tmp_path / code).mkdir()
        (tmp_path / code / SNAPSHOT).write_bytes(b"\xff\xd8" + code.encode() + b"\xff\xd9")
    return demo_cameras


def _url(camera):
    return f"/api/v1/cameras/{camera.pk}/snapshot/"


@pytest.mark.django_db
def test_snapshot_is_the_latest_jpeg_with_validators_and_304(stills, demo_users, tmp_path):
    client = Client()
    client.force_login(demo_users["fkdm.kebonjeruk"])
    first = client.get(_url(stills[KJ]), headers={"accept": "image/webp,image/*"})
    assert first.status_code == 200 and first["Content-Type"] == "image/jpeg"
    assert b"".join(first.streaming_content) == b"\xff\xd8" + KJ.encode() + b"\xff\xd9"
    etag, modified = first["ETag"], first["Last-Modified"]
    assert etag.startswith('"') and "no-cache" in first["Cache-Control"]
    again = client.get(_url(stills[KJ]), headers={"if-none-match": etag})
    assert again.status_code == 304 and not again.content and again["ETag"] == etag
    since = client.get(_url(stills[KJ]), headers={"if-modified-since": modified})
    assert since.status_code == 304
    # A new still (the next interval): a new ETag and the new picture.
    path = tmp_path / KJ / SNAPSHOT
    path.write_bytes(b"\xff\xd8new\xff\xd9")
    later = time.time() + 20
    os.utime(path, (later, later))
    fresh = client.get(_url(stills[KJ]), headers={"if-none-match": etag})
    assert fresh.status_code == 200 and fresh["ETag"] != etag
    assert fresh["Last-Modified"] == http_date(int(later))
    # Watching stills is in the viewing history: one session, continued.
    viewing = ViewingSession.objects.get(mode=ViewingSession.Mode.SNAPSHOT)
    assert viewing.user.username == "fkdm.kebonjeruk" and viewing.camera.code == KJ


@pytest.mark.django_db
def test_snapshot_refusals_in_the_users_language(stills, demo_users, tmp_path):
    client = Client()
    client.force_login(demo_users["fkdm.kebonjeruk"])
    other = client.get(_url(stills[TB]), headers={"accept": "image/*"})
    assert other.status_code == 404 and other["Content-Type"] == "application/json"
    assert client.get("/api/v1/cameras/999999/snapshot/").status_code == 404
    (tmp_path / KJ / SNAPSHOT).unlink()
    missing = client.get(_url(stills[KJ]))
    assert missing.status_code == 404 and "Belum ada gambar" in missing.json()["detail"]
    Camera.objects.filter(code=KJ).update(status=Camera.Status.MAINTENANCE)
    assert client.get(_url(stills[KJ])).status_code == 409
    assert Client().get(_url(stills[KJ])).status_code == 403
    assert not ViewingSession.objects.filter(mode=ViewingSession.Mode.SNAPSHOT).exists()


@pytest.mark.django_db
def test_public_snapshot_for_anyone_only_of_public_cameras(stills):
    anonymous = Client()
    public = anonymous.get(f"/api/v1/public/cameras/{stills[TB].pk}/snapshot/")
    assert public.status_code == 200 and public["Content-Type"] == "image/jpeg"
    again = anonymous.get(
        f"/api/v1/public/cameras/{stills[TB].pk}/snapshot/",
        headers={"if-none-match": public["ETag"]},
    )
    assert again.status_code == 304
    assert anonymous.get(f"/api/v1/public/cameras/{stills[KJ].pk}/snapshot/").status_code == 404
    viewing = ViewingSession.objects.get(mode=ViewingSession.Mode.SNAPSHOT)
    assert viewing.user is None and viewing.camera.code == TB and viewing.ip == "127.0.0.1"


@pytest.mark.django_db
def test_native_hls_follows_the_query_token_from_master_to_segments(
    renditions, settings, demo_cameras, demo_users
):
    """Safari's own HLS cannot send a header: the token in the query string is carried into
    every URI of the master and media playlists, so the low rendition plays there too."""
    settings.STREAMS_ROOT = renditions
    settings.STREAM_MODE = "embedded"
    gate.forget_decisions()
    client = Client()
    client.force_login(demo_users["fkdm.kebonjeruk"])
    answer = client.post(f"/api/v1/cameras/{demo_cameras[KJ].pk}/stream/").json()
    url = answer["url"]
    for _ in range(2):  # the master playlist, then the low rendition's playlist
        response = client.get(url, {"token": answer["token"]})
        assert response.status_code == 200
        uris = [line for line in response.content.decode().splitlines() if line[:1] != "#"]
        suffix = "?" + urlencode({"token": answer["token"]})
        assert uris and all(uri.endswith(suffix) for uri in uris), uris
        url = f"/streams/{KJ}/" + [uri for uri in uris if "low" in uri][-1].split("?")[0]
    segment = f"/streams/{KJ}/{uris[-1]}"
    assert segment.split("?")[0].endswith(".ts") and client.get(segment).status_code == 200
    gate.forget_decisions()


# --- Production (MediaMTX): the master playlist and stills from the node ---------------------


@pytest.fixture
def node(settings, tmp_path, demo_cameras):
    """Production mode, its node a stand-in serving HLS (only to the portal's credentials)."""
    settings.STREAM_MODE = "mediamtx"
    settings.MEDIAMTX_API_USER, settings.MEDIAMTX_API_PASSWORD = "jakcctv", "kunci-node"
    settings.MEDIAMTX_HLS_URL = "/hls/n1/"
    settings.STREAMS_ROOT = tmp_path / "stills"
    gate.forget_decisions()
    with mediamtx_standin() as (state, url):
        settings.MEDIAMTX_API_URL = url
        settings.MEDIAMTX_HLS_PORT = int(url.rsplit(":", 1)[1])
        state.hls_root = tmp_path / "node"
        state.hls_authorization = "Basic " + base64.b64encode(b"jakcctv:kunci-node").decode()
        yield state
    gate.forget_decisions()


def _variants(text):
    return re.findall(r"#EXT-X-STREAM-INF:(.*)\n(.*)\n", text)


@pytest.mark.django_db
def test_production_master_playlist_names_the_nodes_main_and_low_paths(node, demo_users):
    Camera.objects.filter(code=KJ).update(transcode_low=True)
    client = Client()
    client.force_login(demo_users["fkdm.kebonjeruk"])
    answer = client.post(f"/api/v1/cameras/{Camera.objects.get(code=KJ).pk}/stream/").json()
    assert answer["url"] == f"/streams/{KJ}/{MASTER_PLAYLIST}"
    assert answer["low_url"] == f"/hls/n1/{KJ}_low/index.m3u8"
    bearer = {"authorization": f"Bearer {answer['token']}"}
    master = client.get(answer["url"], headers=bearer)
    assert master.status_code == 200 and master["Cache-Control"] == "no-store"
    (main, main_uri), (low, low_uri) = _variants(master.content.decode())
    assert (main_uri, low_uri) == (f"/hls/n1/{KJ}/index.m3u8", f"/hls/n1/{KJ}_low/index.m3u8")
    assert "BANDWIDTH=" in main and "RESOLUTION=" in main  # the demo pattern's known size
    assert low == "BANDWIDTH=96000,RESOLUTION=320x180,FRAME-RATE=5.000"
    # Native HLS: the query token rides along to both paths.
    query = client.get(answer["url"], {"token": answer["token"]}).content.decode()
    suffix = "?" + urlencode({"token": answer["token"]})
    assert all(uri.endswith(suffix) for _, uri in _variants(query))
    # The gate: no token, another camera's token, a file the node serves itself.
    assert client.get(answer["url"]).status_code == 401
    other = f"/streams/{TB}/{MASTER_PLAYLIST}"
    assert client.get(other, headers=bearer).status_code in {401, 403}
    assert client.get(f"/streams/{KJ}/index.m3u8", headers=bearer).status_code == 404
    # A sub-stream: its own bit rate, a size the portal does not know.
    Camera.objects.filter(code=KJ).update(transcode_low=False, substream_url="rtsp://k/sub")
    substream = client.get(answer["url"], headers=bearer).content.decode()
    assert _variants(substream)[1][0] == "BANDWIDTH=614400"
    # No low path: the node's main path is the playlist, and no master is served.
    Camera.objects.filter(code=KJ).update(substream_url="")
    answer = client.post(f"/api/v1/cameras/{Camera.objects.get(code=KJ).pk}/stream/").json()
    assert answer["url"] == f"/hls/n1/{KJ}/index.m3u8" and answer["low_url"] is None
    bearer = {"authorization": f"Bearer {answer['token']}"}
    assert client.get(f"/streams/{KJ}/{MASTER_PLAYLIST}", headers=bearer).status_code == 404


def _node_hls(folder):
    """A short live HLS of a test pattern, as the node serves a camera's path."""
    folder.mkdir(parents=True)
    subprocess.run(  # noqa: S603 (a list, no shell)
        [
            ffmpeg.ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-f", "lavfi",
            "-i", "testsrc=size=640x360:rate=5:duration=2", "-c:v", "libx264",
            "-preset", "ultrafast", "-g", "5", "-f", "hls", "-hls_time", "1",
            "-hls_list_size", "0", str(folder / "index.m3u8"),
        ],
        check=True,
    )  # fmt: skip


@pytest.mark.django_db
def test_production_stills_are_made_once_from_the_node_and_served_with_304(node, demo_users):
    Camera.objects.filter(code=KJ).update(substream_url="rtsp://k/sub")
    _node_hls(node.hls_root / f"{KJ}_low")
    client = Client()
    client.force_login(demo_users["fkdm.kebonjeruk"])
    kebon_jeruk, tebet = Camera.objects.get(code=KJ), Camera.objects.get(code=TB)
    maker = StillMaker()
    try:
        assert maker.due() == []  # nobody asked: nothing is made
        first = client.get(_url(kebon_jeruk))
        assert first.status_code == 404 and "Belum ada gambar" in first.json()["detail"]
        assert client.get(_url(tebet)).status_code == 404  # out of scope: not even wanted
        assert maker.due() == [KJ]
        assert [future.result(timeout=60) for future in maker.round()] == [True]
    finally:
        maker.close()
    still = _url(kebon_jeruk)
    made = client.get(still)
    assert made.status_code == 200 and made["Content-Type"] == "image/jpeg"
    path = node.hls_root.parent / "stills" / KJ / SNAPSHOT
    assert b"".join(made.streaming_content) == path.read_bytes()
    assert _picture_size(path) == "320x180"
    assert client.get(still, headers={"if-none-match": made["ETag"]}).status_code == 304
    assert maker.due() == []  # made once for everyone, until SNAPSHOT_SECONDS pass
    # The node was read as the portal, the low path only; a reader without them is refused.
    read = [(path, auth) for method, path, _body, auth in node.requests if method == "GET"]
    assert read and all(p.startswith(f"/{KJ}_low/") for p, _ in read)
    assert all(auth == node.hls_authorization for _, auth in read)
    assert not (node.hls_root.parent / "stills" / TB).exists()
