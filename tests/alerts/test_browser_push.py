"""Web Push in real Chromium: what the portal sends for a new Kebon Jeruk incident, decrypted by
the push receiver exactly as a push service hands it to the browser, is shown by the service
worker's push handler with no page of the portal open (DevTools Protocol
`ServiceWorker.deliverPushMessage`), and clicking the notification opens the incident.

Chromium's own push service (FCM) cannot be reached from the test machines, so the browser
cannot make a real subscription here: the device's subscription is the receiver's, registered
for the volunteer as the API would (tests/alerts/test_push.py covers the API)."""

import json

import pytest
from django.utils import timezone

from alerts.push.keys import generate_pair
from alerts.push.models import PushSubscription
from alerts.push.services import push_round
from tests.browser import PHONE, sign_in
from tests.incident_helpers import raise_incident
from tests.personas import PASSWORD, TEBET_BARAT
from tests.push_receiver import PushReceiver
from tests.waiting import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTIFICATIONS = """async () => (await self.registration.getNotifications()).map(
  (n) => ({title: n.title, body: n.body, url: n.data.url}))"""
CLICK = """async () => {
  const [shown] = await self.registration.getNotifications();
  self.dispatchEvent(new NotificationEvent("notificationclick", {notification: shown}));
}"""


def test_a_push_shows_with_the_portal_closed_and_a_click_opens_the_incident(
    open_page, demo_users, settings
):
    public, private = generate_pair()
    with PushReceiver() as receiver:
        settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY = public, private
        settings.PUSH_SERVICE_HOSTS = [receiver.origin]
        page = open_page("/accounts/login/", **PHONE)
        context = page.context
        context.grant_permissions(["notifications"])
        sign_in(page, "fkdm.kebonjeruk", PASSWORD)
        # The first page installs the service worker (pages opened after it are in its hands).
        page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=30_000)
        page.goto("/akun/notifikasi/")
        assert "Notifikasi di ponsel dan komputer" in page.inner_text("h1")

        phone, elsewhere = receiver.device(), receiver.device()
        for device, name in ((phone, "fkdm.kebonjeruk"), (elsewhere, "fkdm.tebetbarat")):
            sub = device.subscription()
            PushSubscription.objects.create(
                user=demo_users[name], endpoint=sub["endpoint"], **sub["keys"]
            )

        blank = context.new_page()  # DevTools needs a page; this one is not the portal's
        devtools = context.new_cdp_session(blank)
        registrations = []
        devtools.on(
            "ServiceWorker.workerRegistrationUpdated",
            lambda event: registrations.extend(event["registrations"]),
        )
        devtools.send("ServiceWorker.enable")
        # Playwright hands events over while it talks to the browser: ask it something meanwhile.
        wait_for(
            lambda: blank.evaluate("1") and registrations,
            timeout=10,
            message="the service worker's registration",
        )
        page.close()  # the portal's tab is closed

        incident = raise_incident(title="Tawuran di Jl. Kebon Jeruk Raya", severity="tinggi")
        raise_incident(title="Banjir di Tebet", area_code=TEBET_BARAT)
        push_round(now=timezone.now() + timezone.timedelta(seconds=1))
        wait_for(lambda: phone.messages, timeout=10, message="the push at the receiver")
        assert len(phone.messages) == 1 and [m["title"] for m in elsewhere.messages] == [
            "Kejadian baru: Banjir di Tebet"
        ]

        # What the push service hands the browser: the message the receiver decrypted.
        devtools.send(
            "ServiceWorker.deliverPushMessage",
            {
                "origin": registrations[0]["scopeURL"].rstrip("/"),
                "registrationId": registrations[0]["registrationId"],
                "data": json.dumps(phone.messages[0]),
            },
        )
        worker = context.service_workers[0]
        wait_for(lambda: worker.evaluate(NOTIFICATIONS), timeout=30, message="the notification")
        shown = worker.evaluate(NOTIFICATIONS)
        assert shown == [
            {
                "title": "Kejadian baru: Tawuran di Jl. Kebon Jeruk Raya",
                "body": phone.messages[0]["body"],
                "url": f"/kejadian/{incident.pk}/",
            }
        ]

        again = context.new_page()  # the volunteer picks up the phone, the browser on the home page
        again.goto("/")
        worker.evaluate(CLICK)
        again.wait_for_url(f"**/kejadian/{incident.pk}/")
        assert "Tawuran di Jl. Kebon Jeruk Raya" in again.inner_text("main")
        wait_for(lambda: worker.evaluate(NOTIFICATIONS) == [], timeout=5, message="closed")
