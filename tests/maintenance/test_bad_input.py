"""Bad input on the ticket pages and API: a 4xx with a message, never a 500, nothing doubled."""

import pytest

from maintenance.models import Ticket
from tests.maintenance.helpers import KJ, maintainers

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/perbaikan/?area=%00", 400),
        ("/perbaikan/?maintainer=abc", 400),
        ("/perbaikan/?status=zzz", 400),
        ("/api/v1/maintenance/tickets/?area=xx", 400),
        ("/api/v1/maintenance/tickets/?camera=-1", 400),
        ("/api/v1/maintenance/tickets/?status=zzz", 400),
        ("/api/v1/maintenance/tickets/?maintainer=999999999999999999999", 400),
    ],
)
def test_bad_filters_are_refused(demo_cameras, demo_users, client, url, status):
    maintainers(demo_cameras)
    client.force_login(demo_users["staf.kebonjeruk"])
    assert client.get(url).status_code == status


def test_opening_by_hand_refuses_bad_reasons_and_a_second_ticket(demo_cameras, demo_users, client):
    maintainers(demo_cameras)
    client.force_login(demo_users["staf.kebonjeruk"])
    url = f"/kamera/{demo_cameras[KJ].pk}/tiket-baru/"
    assert client.post(url, {"reason": "offline"}).status_code == 400  # the sweep's, not a person's
    assert client.post(url, {"reason": "rusak", "description": "Lensa retak"}).status_code == 302
    again = client.post(url, {"reason": "bergeser"})
    assert again.status_code == 409 and "sudah punya tiket" in again.content.decode()
    assert Ticket.objects.filter(camera=demo_cameras[KJ]).count() == 1


def test_api_actions_refuse_bad_bodies_and_wrong_states(demo_cameras, demo_users, client):
    found = maintainers(demo_cameras)
    client.force_login(demo_users["staf.kebonjeruk"])
    client.post(f"/kamera/{demo_cameras[KJ].pk}/tiket-baru/", {"reason": "rusak"})
    ticket = Ticket.objects.get(camera=demo_cameras[KJ])
    base = f"/api/v1/maintenance/tickets/{ticket.pk}"
    assert client.post(f"{base}/note/", {}, content_type="application/json").status_code == 400
    assert client.post(f"{base}/note/", "[", content_type="application/json").status_code == 400
    client.force_login(found["teknisi.barat"])
    assert client.post(f"{base}/repaired/", {}, content_type="application/json").status_code == 200
    twice = client.post(f"{base}/repaired/", {}, content_type="application/json")
    assert twice.status_code == 409 and twice.json()["detail"]
