"""Web Push services: a person's devices, and the worker's rounds.

The worker (`python manage.py send_push --every 1`) does, each round:
1. fan-out: every recent alert not yet handled becomes one delivery per device whose person it
   concerns (alerts/push/rules.py) and whose threshold it meets;
2. sending: every delivery due is taken, CHUNK at a time, by one of the worker's PUSH_WORKERS
   sender processes (claim_due: none is taken by two), checked against the person's scope
   again, encrypted (RFC 8291, aes128gcm, by pywebpush) and posted to the push service, many at
   once; a device the push service calls gone (404, 410) is removed, other failures are tried
   again later with back-off (5 s, 10 s, 20 s ... up to MAX_ATTEMPTS), then given up.
Nothing of this runs in a request: an incident's transaction only stores its alert.
"""

import asyncio
import json
import logging
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from urllib.parse import urlsplit

import aiohttp
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pywebpush import WebPusher

from alerts.models import AlertEvent, Kind
from alerts.push import keys
from alerts.push.models import SEVERITY_ORDER, PushDelivery, PushFanout, PushSubscription
from alerts.push.rules import PUSHED, recipients
from common.refusals import Refused
from incidents.models import Severity

log = logging.getLogger(__name__)

FANOUT_WINDOW = timedelta(minutes=10)  # alerts older than this when first seen are not pushed
MAX_ATTEMPTS = 6
FIRST_RETRY_SECONDS = 5
TTL_SECONDS = 3600  # the push service keeps an undelivered message this long (phone off)
BATCH = 1000  # alerts fanned out per round
CHUNK = 200  # deliveries a sender takes at a time (the others take the next ones meanwhile)
LEASE = timedelta(minutes=2)  # a taken delivery not settled by then is due again
SENDERS = 64  # pushes in flight at once, per sender
GONE = {404, 410}


class PushRefused(Refused):
    pass


# --- Devices ----------------------------------------------------------------------------------


@transaction.atomic
def push_subscribe(*, user, endpoint, p256dh, auth, min_severity, label=""):
    """Register (or update) this browser's subscription for `user`. The same endpoint again (the
    browser renewed it, or another person signs in on the same phone) moves it to this person
    with these settings: a device receives one person's notifications."""
    if not keys.enabled():
        raise PushRefused(409, _("Notifikasi push belum diatur di server ini."))
    subscription, _created = PushSubscription.objects.select_for_update().update_or_create(
        endpoint=endpoint,
        defaults={
            "user": user,
            "p256dh": p256dh,
            "auth": auth,
            "min_severity": min_severity,
            "label": label[:120],
            "created_at": timezone.now(),
        },
    )
    # Whatever was queued for the previous holder of this endpoint is not sent.
    subscription.deliveries.filter(state=PushDelivery.State.WAITING).exclude(
        created_at__gte=subscription.created_at
    ).update(state=PushDelivery.State.DROPPED)
    return subscription


@transaction.atomic
def push_unsubscribe(*, user, subscription_id):
    """Remove one of the person's own devices (another's is "not found")."""
    deleted, _rows = PushSubscription.objects.of(user).filter(pk=subscription_id).delete()
    if not deleted:
        raise PushRefused(404, _("Perangkat tidak ditemukan."))


# --- The worker's rounds ----------------------------------------------------------------------


def push_round(*, now=None, client=None):
    """One round of the worker: fan out new alerts, then send what is due (over `client`, a
    PushClient the worker keeps between rounds, else one for this round). (fanned, sent)."""
    now = now or timezone.now()
    fanned = fan_out(now=now)
    return fanned, send_due(now=now, client=client)


def fan_out(*, now):
    """Turn each recent alert not handled yet into deliveries; returns how many were made."""
    pending = (
        AlertEvent.objects.filter(created_at__gte=now - FANOUT_WINDOW, kind__in=list(PUSHED))
        .exclude(pk__in=PushFanout.objects.values("event_id"))
        .order_by("pk")
    )
    made = 0
    for event in pending[:BATCH]:
        with transaction.atomic():
            if not PushFanout.objects.get_or_create(event=event)[1]:
                continue  # another worker took it
            devices = PushSubscription.objects.filter(
                min_severity__in=_thresholds_met(event.severity)
            ).values_list("pk", "user_id")
            devices = list(devices)
            told = recipients(event, {user_id for _pk, user_id in devices})
            rows = [
                PushDelivery(subscription_id=pk, event_id=event.pk, next_attempt_at=now)
                for pk, user_id in devices
                if user_id in told
            ]
            PushDelivery.objects.bulk_create(rows, ignore_conflicts=True)
            made += len(rows)
    # Alerts of kinds never pushed need no mark: the query above skips them.
    return made


def _thresholds_met(severity):
    """Device thresholds an alert of `severity` passes (a "tinggi" alert: rendah..tinggi)."""
    return [s.value for s in SEVERITY_ORDER[: SEVERITY_ORDER.index(Severity(severity)) + 1]]


def send_due(*, now, client=None):
    """Send every delivery that is due, a share (CHUNK) at a time: several senders (the worker's
    PUSH_WORKERS processes) can run this at once, each takes only what no other has taken.
    Returns how many this one sent."""
    if client is None:
        with PushClient() as client:
            return send_due(now=now, client=client)
    sent = 0
    while due := claim_due(now=now, limit=CHUNK):
        allowed = _still_allowed(due)
        dropped = [d.pk for d in due if d.pk not in allowed]
        if dropped:
            PushDelivery.objects.filter(pk__in=dropped).update(
                state=PushDelivery.State.DROPPED, claim=""
            )
        sending = [d for d in due if d.pk in allowed]
        outcomes = client.send(sending) if sending else []
        sent += _record(sending, outcomes, now)
    return sent


# What sending and recording a delivery read (the rest, dates mostly, is not loaded).
_SENDING_FIELDS = [
    "subscription__user",
    "subscription__endpoint",
    "subscription__p256dh",
    "subscription__auth",
    "event_id",
    "state",
    "attempts",
    "next_attempt_at",
    "last_error",
    "claim",
]


def claim_due(*, now, limit):
    """Take up to `limit` deliveries due at `now` for this sender alone and return them. On
    PostgreSQL the rows another sender is taking are skipped (FOR UPDATE SKIP LOCKED); the
    update only takes rows still due, so on SQLite (whose writers take turns) two senders
    never take the same row either. A taken row is due again after LEASE (its sender died)."""
    token = uuid.uuid4().hex
    with transaction.atomic():
        due = PushDelivery.objects.filter(
            state=PushDelivery.State.WAITING, next_attempt_at__lte=now
        ).order_by("pk")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("pk", flat=True)[:limit])
        if not ids:
            return []
        PushDelivery.objects.filter(
            pk__in=ids, state=PushDelivery.State.WAITING, next_attempt_at__lte=now
        ).update(claim=token, next_attempt_at=now + LEASE)
    taken = list(
        PushDelivery.objects.filter(claim=token, state=PushDelivery.State.WAITING)
        .select_related("subscription")
        .only(*_SENDING_FIELDS)
        .order_by("pk")
    )
    # A share is mostly one alert to many devices: each alert (and its area) is read once.
    events = AlertEvent.objects.select_related("area").in_bulk({d.event_id for d in taken})
    for delivery in taken:
        delivery.event = events[delivery.event_id]
    return taken


class PushClient:
    """One event loop and one HTTP client for a sender's shares, so that connections to the
    push services stay open between them (and between rounds: a worker keeps one for its life;
    every new connection costs the push service a TLS handshake too). Started on the first
    push; in a thread of its own when this thread already runs an event loop (a script driving
    a browser)."""

    def __init__(self):
        self.loop = self.thread = self.session = None

    def __enter__(self):
        return self

    def _call(self, coroutine):
        if self.thread is None:
            return self.loop.run_until_complete(coroutine)
        return self.thread.submit(self.loop.run_until_complete, coroutine).result()

    def send(self, deliveries):
        if self.loop is None:
            self.loop = asyncio.new_event_loop()
            try:
                asyncio.get_running_loop()
            except RuntimeError:
                pass
            else:
                self.thread = ThreadPoolExecutor(max_workers=1)
            self.session = self._call(_open_session())
        return self._call(_send_all(self.session, deliveries))

    def __exit__(self, *exc):
        if self.loop is None:
            return
        try:
            self._call(self.session.close())
        finally:
            self._call(self.loop.shutdown_asyncgens())
            if self.thread is not None:
                self.thread.submit(self.loop.close).result()
                self.thread.shutdown()
            else:
                self.loop.close()


async def _open_session():
    return aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))


def _still_allowed(deliveries):
    """Scope checked again right before sending: the ids of deliveries whose person may still
    be told (a revoked or deactivated person, or one moved elsewhere, gets nothing)."""
    allowed = set()
    by_event = {}
    for delivery in deliveries:
        by_event.setdefault(delivery.event_id, []).append(delivery)
    for group in by_event.values():
        told = recipients(group[0].event, {d.subscription.user_id for d in group})
        allowed.update(d.pk for d in group if d.subscription.user_id in told)
    return allowed


def payload_of(event):
    """What the notification shows, and nothing else: what the alerts page shows this person
    anyway (kind, title, area, time, link), never the alert's data or a reporter."""
    kind = Kind(event.kind).label
    when = timezone.localtime(event.created_at).strftime("%H.%M")
    return {
        "id": event.pk,
        "kind": event.kind,
        "severity": event.severity,
        "title": f"{kind}: {event.title}",
        "body": f"{event.area.name} · {when} WIB",
        "url": event.link or "/peringatan/",
        "tag": f"jakcctv-alert-{event.pk}",
    }


async def _send_all(session, deliveries):
    """Post every push, SENDERS at a time, over `session` (connections kept open); returns each
    one's outcome, in order."""
    vapid = {}  # VAPID signature per push service (its origin is the JWT's audience)
    audiences = [_origin(d.subscription.endpoint) for d in deliveries]
    for audience in set(audiences):
        vapid[audience] = keys.signer().sign({**keys.claims(), "aud": audience})
    events = {d.event_id: d.event for d in deliveries}
    payloads = {pk: json.dumps(payload_of(event)) for pk, event in events.items()}
    urgencies = {pk: _urgency(event) for pk, event in events.items()}
    limit = asyncio.Semaphore(SENDERS)
    timeout = aiohttp.ClientTimeout(total=10)

    async def one(delivery, audience):
        headers = {
            **vapid[audience],
            "Urgency": urgencies[delivery.event_id],
            "Topic": f"alert{delivery.event_id}",
        }
        async with limit:
            return await _send(session, delivery, payloads[delivery.event_id], headers, timeout)

    return await asyncio.gather(*map(one, deliveries, audiences))


def _urgency(event):
    return "high" if event.severity in {"tinggi", "darurat"} else "normal"


def _origin(endpoint):
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc}"


async def _send(session, delivery, data, headers, timeout):
    """Post one push; returns "sent", else (HTTP status or None, message)."""
    subscription = delivery.subscription
    info = {
        "endpoint": subscription.endpoint,
        "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
    }
    try:
        response = await WebPusher(info, aiohttp_session=session).send_async(
            data,
            headers=headers,
            ttl=TTL_SECONDS,
            content_encoding="aes128gcm",
            timeout=timeout,
        )
    except (aiohttp.ClientError, TimeoutError, ValueError) as error:
        return None, str(error)[:200] or type(error).__name__
    if response.status > 202:
        return response.status, f"{response.status} {response.reason}"[:200]
    return "sent"


def _record(sending, outcomes, now):
    sent, gone = [], set()
    for delivery, outcome in zip(sending, outcomes, strict=True):
        if outcome == "sent":
            sent.append(delivery.pk)
            continue
        status, message = outcome
        if status in GONE:
            gone.add(delivery.subscription_id)
            continue
        delivery.attempts += 1
        delivery.last_error = message
        delivery.claim = ""
        if delivery.attempts >= MAX_ATTEMPTS or status in {400, 403, 413}:
            delivery.state = PushDelivery.State.FAILED
        else:
            wait = FIRST_RETRY_SECONDS * 2 ** (delivery.attempts - 1)
            delivery.next_attempt_at = now + timedelta(seconds=wait)
        delivery.save(update_fields=["attempts", "last_error", "state", "next_attempt_at", "claim"])
        log.warning("push %s not sent (%s): %s", delivery.pk, status, message)
    if sent:
        PushDelivery.objects.filter(pk__in=sent).update(
            state=PushDelivery.State.SENT, sent_at=timezone.now(), attempts=1, claim=""
        )
        subscriptions = {d.subscription_id for d in sending if d.pk in set(sent)}
        PushSubscription.objects.filter(pk__in=subscriptions).update(last_sent_at=timezone.now())
    if gone:
        # The push service says this subscription no longer exists: forget the device.
        PushSubscription.objects.filter(pk__in=gone).delete()
    return len(sent)
