"""Two identical clip saves at the same moment (a double click on two tabs, a retried request
while the first still runs), on PostgreSQL: each in its own thread and connection, both let go
together at the incident's row lock. The clip exists once, both get it, and no file is left
behind by the one that lost."""

import hashlib
from datetime import timedelta

import pytest
from django.conf import settings

from evidence.models import Clip, ClipEvent
from tests.incidents.test_incident_concurrency import _client, race

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="needs PostgreSQL's row locks between connections (SQLite runs one writer at a "
        "time and has no SELECT ... FOR UPDATE); CI runs this suite on PostgreSQL too",
    ),
]


def test_two_identical_saves_at_once_make_one_clip(recorded, demo_users, settings):
    incident, camera = recorded["incident"], recorded["camera"]
    start = recorded["now"] - timedelta(minutes=2)
    body = {"camera": camera.pk, "start": start.isoformat(), "end": recorded["now"].isoformat()}
    url = f"/api/v1/incidents/{incident.pk}/clips/"
    staff, piket = demo_users["staf.kebonjeruk"], demo_users["piket.kebonjeruk"]
    first, second = race(
        incident, [(_client(staff), "json", url, body), (_client(piket), "json", url, body)]
    )
    assert (first.status_code, second.status_code) == (201, 201), (first.content, second.content)
    assert first.json()["id"] == second.json()["id"]
    clip = Clip.objects.get()
    assert clip.events.filter(kind=ClipEvent.Kind.CREATED).count() == 1
    files = [path for path in settings.MEDIA_ROOT.rglob("*") if path.is_file()]
    assert files == [settings.MEDIA_ROOT / clip.file.name]
    assert hashlib.sha256(files[0].read_bytes()).hexdigest() == clip.sha256
