"""Two portal processes sharing PostgreSQL and Redis act as one portal (the compose file's
portal1 and portal2 behind the proxy, with no sticky sessions).

Real daphne processes started as the production image starts them (--proxy-headers), real
HTTP: a person signs in through one process with the login form (CSRF and all) and the other
accepts that session for pages, the API and the alerts socket; an incident raised through one
reaches sockets on the other; signing out through one ends the session and its sockets on the
other. Needs Redis: without it each process has its own channel layer (CI runs this with
PostgreSQL and Redis).
"""

import asyncio
import http.client
import json
import re
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pytest
from django.conf import settings
from websockets.exceptions import ConnectionClosed

from tests.alerts.test_alerts_daphne import alerts_within, open_socket
from tests.live_daphne import LiveDaphne
from tests.personas import PASSWORD

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (REDIS_URL) shared by both"),
]


class Browser:
    """One browser's cookies, sent to whichever process it reaches (as behind one proxy)."""

    def __init__(self):
        self.cookies = {}

    def request(self, server, method, path, *, form=None, data=None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif data is not None:
            body = json.dumps(data)
            headers["Content-Type"] = "application/json"
        if method != "GET":
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    if morsel.value and morsel["max-age"] != "0":
                        self.cookies[name] = morsel.value
                    else:
                        self.cookies.pop(name, None)  # deleted (signed out)
            return response.status, response.getheader("Location"), response.read().decode()
        finally:
            connection.close()

    def sign_in(self, server, username):
        status, _, page = self.request(server, "GET", "/accounts/login/")
        assert status == 200
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
        form = {"csrfmiddlewaretoken": token, "login": username, "password": PASSWORD}
        status, location, _ = self.request(server, "POST", "/accounts/login/", form=form)
        assert (status, location) == (302, "/"), "the login form did not sign in"
        return self.cookies["sessionid"]


def test_a_session_and_its_alerts_work_across_portal_processes(demo_users):
    staf, piket, tebet = Browser(), Browser(), Browser()
    with LiveDaphne("--proxy-headers") as first, LiveDaphne("--proxy-headers") as second:
        # Signed in through the first process; the second knows nothing but the cookie.
        session = staf.sign_in(first, "staf.kebonjeruk")
        status, _, page = staf.request(second, "GET", "/akun/")
        assert status == 200 and "staf.kebonjeruk" in page
        assert Browser().request(second, "GET", "/akun/")[:2] == (
            302,
            "/accounts/login/?next=/akun/",
        )
        piket.sign_in(second, "piket.kebonjeruk")
        tebet.sign_in(second, "piket.tebetbarat")

        async def scenario():
            staf_socket = await open_socket(second, session)
            piket_socket = await open_socket(first, piket.cookies["sessionid"])
            tebet_socket = await open_socket(first, tebet.cookies["sessionid"])
            # Raised through the first process with the same session (the API checks CSRF).
            status, _, body = await asyncio.to_thread(
                staf.request,
                first,
                "POST",
                "/api/v1/incidents/",
                data={
                    "category": "kebakaran",
                    "severity": "darurat",
                    "title": "Kebakaran di Jl. Panjang",
                    "area": "31.73.05.1001",
                },
            )
            assert status == 201, body
            link = f"/kejadian/{json.loads(body)['id']}/"
            on_second = await alerts_within(staf_socket, 5, expected=1)
            assert [(a["kind"], a["link"]) for a in on_second] == [("kejadian_baru", link)]
            on_first = await alerts_within(piket_socket, 5, expected=1)
            assert [a["id"] for a in on_first] == [on_second[0]["id"]]
            assert await alerts_within(tebet_socket, 1) == []  # another kelurahan: nothing

            # Signed out through the first process: the socket on the second closes.
            await asyncio.to_thread(staf.request, first, "POST", "/accounts/logout/", form={})
            async with asyncio.timeout(5):
                while True:
                    try:
                        await staf_socket.recv()
                    except ConnectionClosed:
                        break
            assert staf_socket.close_code == 4401
            for socket in (piket_socket, tebet_socket):
                await socket.close()

        asyncio.run(scenario())

        # ... and the session is gone for both processes.
        assert "sessionid" not in staf.cookies
        stale = Browser()
        stale.cookies["sessionid"] = session
        assert stale.request(second, "GET", "/akun/")[0] == 302
        assert stale.request(first, "GET", "/akun/")[0] == 302
