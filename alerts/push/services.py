"""Web Push services: a person's devices, and the worker's rounds.

The worker (`python manage.py send_push --every 1`) does, each round:
1. fan-out: every recent alert not yet handled becomes one delivery per device whose person it
   concerns (alerts/push/rules.py) and whose threshold it meets;
2. sending: every delivery due is checked against the person's scope again, encrypted (RFC 8291,
   aes128gcm, by pywebpush) and posted to the push service, many at once; a device the push
   service calls gone (404, 410) is removed, other failures are tried again later with back-off
   (5 s, 10 s, 20 s ... up to MAX_ATTEMPTS), then given up.
Nothing of this runs in a request: an incident's transaction only stores its alert.
"""

import asyncio
import json
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from urllib.parse import urlsplit

import aiohttp
from django.db import transaction
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
BATCH = 1000
SENDERS = 64  # pushes in flight at once
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


def push_round(*, now=None):
    """One round of the worker: fan out new alerts, then send what is due. (fanned, sent)."""
    now = now or timezone.now()
    fanned = fan_out(now=now)
    return fanned, send_due(now=now)


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
                PushDelivery(subscription_id=pk, event=event, next_attempt_at=now)
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


def send_due(*, now):
    """Send every delivery that is due; returns how many were sent."""
    due = list(
        PushDelivery.objects.filter(state=PushDelivery.State.WAITING, next_attempt_at__lte=now)
        .select_related("subscription", "event", "event__area")
        .order_by("pk")[:BATCH]
    )
    if not due:
        return 0
    allowed = _still_allowed(due)
    dropped = [d.pk for d in due if d.pk not in allowed]
    if dropped:
        PushDelivery.objects.filter(pk__in=dropped).update(state=PushDelivery.State.DROPPED)
    sending = [d for d in due if d.pk in allowed]
    outcomes = _run(_send_all(sending)) if sending else []
    return _record(sending, outcomes, now)


def _run(coroutine):
    """asyncio.run, also from a thread whose event loop is busy (a script driving a browser):
    then in a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


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


async def _send_all(deliveries):
    """Post every push, SENDERS at a time, over one HTTP client (connections kept open); returns
    each one's outcome, in order."""
    headers = {}  # VAPID signature per push service (its origin is the JWT's audience)
    for delivery in deliveries:
        audience = _origin(delivery.subscription.endpoint)
        if audience not in headers:
            headers[audience] = keys.signer().sign({**keys.claims(), "aud": audience})
    payloads = {d.event_id: json.dumps(payload_of(d.event)) for d in deliveries}
    limit = asyncio.Semaphore(SENDERS)
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession() as session:

        async def one(delivery):
            async with limit:
                vapid = headers[_origin(delivery.subscription.endpoint)]
                data = payloads[delivery.event_id]
                return await _send(session, delivery, data, vapid, timeout)

        return await asyncio.gather(*(one(d) for d in deliveries))


def _origin(endpoint):
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc}"


async def _send(session, delivery, data, vapid, timeout):
    """Post one push; returns "sent", else (HTTP status or None, message)."""
    subscription = delivery.subscription
    info = {
        "endpoint": subscription.endpoint,
        "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
    }
    urgency = "high" if delivery.event.severity in {"tinggi", "darurat"} else "normal"
    try:
        response = await WebPusher(info, aiohttp_session=session).send_async(
            data,
            headers={**vapid, "Urgency": urgency, "Topic": f"alert{delivery.event_id}"},
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
        if delivery.attempts >= MAX_ATTEMPTS or status in {400, 403, 413}:
            delivery.state = PushDelivery.State.FAILED
        else:
            wait = FIRST_RETRY_SECONDS * 2 ** (delivery.attempts - 1)
            delivery.next_attempt_at = now + timedelta(seconds=wait)
        delivery.save(update_fields=["attempts", "last_error", "state", "next_attempt_at"])
        log.warning("push %s not sent (%s): %s", delivery.pk, status, message)
    if sent:
        PushDelivery.objects.filter(pk__in=sent).update(
            state=PushDelivery.State.SENT, sent_at=timezone.now(), attempts=1
        )
        subscriptions = {d.subscription_id for d in sending if d.pk in set(sent)}
        PushSubscription.objects.filter(pk__in=subscriptions).update(last_sent_at=timezone.now())
    if gone:
        # The push service says this subscription no longer exists: forget the device.
        PushSubscription.objects.filter(pk__in=gone).delete()
    return len(sent)
