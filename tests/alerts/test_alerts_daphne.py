"""Several server processes: with REDIS_URL, an alert raised through one daphne process reaches
the sockets connected to another (and only those of people who may see it). Real daphne
processes, the real Redis, WebSocket clients from the `websockets` library."""

import asyncio
import json
import urllib.request

import pytest
from django.conf import settings
from django.test import Client
from django.utils.crypto import get_random_string
from websockets.asyncio.client import connect

from tests.live_daphne import LiveDaphne

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (REDIS_URL)"),
]


def session_key(user):
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def raise_incident(server, key, **fields):
    """POST /api/v1/incidents/ to `server` as the signed-in user of session `key`."""
    csrf = get_random_string(32)
    request = urllib.request.Request(  # noqa: S310 (our own server, http://127.0.0.1)
        f"{server.url}/api/v1/incidents/",
        data=json.dumps(fields).encode(),
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Cookie": f"sessionid={key}; csrftoken={csrf}",
            "X-CSRFToken": csrf,
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        assert response.status == 201
        return json.loads(response.read())["id"]


async def open_socket(server, key):
    socket = await connect(
        f"{server.ws_url}/ws/alerts/",
        origin=server.url,
        additional_headers={"Cookie": f"sessionid={key}"},
    )
    await socket.send(json.dumps({"type": "resume", "last_id": 0}))
    while json.loads(await asyncio.wait_for(socket.recv(), 10))["type"] != "ready":
        pass
    return socket


async def alerts_within(socket, seconds, expected=None):
    """The alerts a socket receives within `seconds` (or until `expected` have come)."""
    received = []
    try:
        async with asyncio.timeout(seconds):
            while len(received) != expected:
                message = json.loads(await socket.recv())
                if message["type"] == "alert":
                    received.append(message)
    except TimeoutError:
        pass
    return received


def test_alert_raised_through_one_process_reaches_sockets_on_another(demo_users):
    keys = {
        name: session_key(demo_users[name])
        for name in ("staf.kebonjeruk", "piket.kebonjeruk", "fkdm.kebonjeruk", "piket.tebetbarat")
    }
    with LiveDaphne() as first, LiveDaphne() as second:

        async def scenario():
            piket = await open_socket(second, keys["piket.kebonjeruk"])
            volunteer = await open_socket(first, keys["fkdm.kebonjeruk"])
            tebet = await open_socket(second, keys["piket.tebetbarat"])
            incident = await asyncio.to_thread(
                raise_incident,
                first,
                keys["staf.kebonjeruk"],
                category="tawuran",
                severity="tinggi",
                title="Tawuran di Jl. Panjang",
                area="31.73.05.1001",
            )
            on_second = await alerts_within(piket, 5, expected=1)
            assert [(a["kind"], a["link"]) for a in on_second] == [
                ("kejadian_baru", f"/kejadian/{incident}/")
            ]
            on_first = await alerts_within(volunteer, 5, expected=1)
            assert [a["id"] for a in on_first] == [on_second[0]["id"]]
            assert await alerts_within(tebet, 1) == []  # the other kelurahan: nothing
            for socket in (piket, volunteer, tebet):
                await socket.close()

        asyncio.run(scenario())
