"""The way to raise alerts: store each with the change it reports, push it after commit. One at a
time (`publish_alert`), or a sweep's many in one statement (`publish_selected`)."""

import asyncio
import logging
import threading

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import IntegrityError, transaction
from django.db.models import DateTimeField, Value
from django.db.models.functions import Left
from django.utils import timezone

from alerts.groups import ALERT_EVENT, groups_for_alert, user_group
from alerts.models import ALERT_ACTIONS, AlertEvent
from common.sql import insert_select
from kelurahan.models import Area

log = logging.getLogger(__name__)


def publish_alert(
    *,
    kind,
    area_code,
    severity,
    title,
    link="",
    payload=None,
    min_depth=1,
    key="",
    maintainer_id=None,
    action="",
):
    """Store an alert in the current transaction and push it to open sockets once committed.

    Call it inside the transaction that made the change, so that the alert exists exactly when
    the change does. `key` makes it idempotent (a second alert with the same key is not stored;
    returns None). Sockets that are offline at push time get it on their next resume.
    `action` (one of alerts.models.ALERT_ACTIONS): only those whose grant allows it are told;
    `maintainer_id`: that organisation's technicians are told too.
    """
    if action and action not in ALERT_ACTIONS:
        raise ValueError(f"alerts cannot ask for {action!r}")
    area_name = Area.objects.filter(code=area_code).values_list("name", flat=True).first()
    if area_name is None:
        raise ValueError(f"unknown area {area_code!r}")
    event = AlertEvent(
        kind=kind,
        area_id=area_code,
        severity=severity,
        title=title[:200],
        link=link,
        payload=payload or {},
        min_depth=min_depth,
        key=key,
        maintainer_id=maintainer_id,
        action=str(action),
    )
    if key:
        if AlertEvent.objects.filter(key=key).exists():
            return None
        try:
            with transaction.atomic():  # a savepoint: a concurrent twin must not spoil the caller
                event.save()
        except IntegrityError:
            return None
    else:
        event.save()
    message = event.as_message(area_name)
    transaction.on_commit(lambda: push(message), robust=True)
    return event


def publish_selected(parts):
    """Store the alerts `parts` select, in one INSERT ... SELECT that is atomic on its own, and
    push each once committed: for a sweep that raises many at once (tickets opened or overdue),
    however many. Returns their messages (AlertEvent.as_message()), read back by the same
    statement.

    `parts`: (queryset, {AlertEvent field: expression over the queryset's model}) pairs, as
    common.sql.insert_select takes them, giving every field but `id` and `created_at`. An alert
    whose key another already holds is skipped, as publish_alert skips it."""
    created_at = Value(timezone.now(), output_field=DateTimeField())
    chosen = []
    for queryset, columns in parts:
        action = columns.get("action")
        if isinstance(action, Value) and action.value and action.value not in ALERT_ACTIONS:
            raise ValueError(f"alerts cannot ask for {action.value!r}")
        columns = {**columns, "title": Left(columns["title"], 200), "created_at": created_at}
        chosen.append((queryset, columns))
    fields = AlertEvent._meta.concrete_fields
    rows = insert_select(AlertEvent, chosen, returning=[*(f.name for f in fields), "area__name"])
    messages = []
    for *values, area_name in sorted(rows):  # by id: in the order they were stored
        event = AlertEvent(**{f.attname: value for f, value in zip(fields, values, strict=True)})
        messages.append(event.as_message(area_name))
    if messages:
        transaction.on_commit(lambda: push_all(messages), robust=True)
    return messages


def push_all(messages):
    """`push` for many stored alerts at once: every send in one trip to the event loop."""
    sends = [
        (group, {"type": ALERT_EVENT, "event": message})
        for message in messages
        for group in groups_for_alert(message["area"], message["min_depth"], message["maintainer"])
    ]
    try:
        _blocking(_send_each, sends)
    except Exception:
        log.exception("%d alerts not pushed (clients get them on resume)", len(messages))


def push(message):
    """Send a stored alert (AlertEvent.as_message()) to the groups that may see it.

    Failure is logged, never raised: the change is committed and the alert stored; sockets that
    missed it get it when they resume.
    """
    groups = groups_for_alert(message["area"], message["min_depth"], message.get("maintainer"))
    try:
        _blocking(_send, groups, {"type": ALERT_EVENT, "event": message})
    except Exception:
        log.exception("alert %s not pushed (clients get it on resume)", message["id"])


async def _send(groups, message):
    layer = get_channel_layer()
    # Each copy names its group: a process's fan-out (alerts/fanout.py) hands it on by group.
    sends = (layer.group_send(group, {**message, "group": group}) for group in groups)
    await asyncio.gather(*sends)


async def _send_each(sends):
    layer = get_channel_layer()
    await asyncio.gather(
        *(layer.group_send(group, {**message, "group": group}) for group, message in sends)
    )


def _blocking(function, *args):
    """Run an async channel-layer call from sync code, and wait for it."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return async_to_sync(function)(*args)
    # Sync code in an event loop's own thread (DJANGO_ALLOW_ASYNC_UNSAFE, e.g. a script driving
    # a browser): async_to_sync refuses to run there, so the call gets a thread of its own.
    errors = []

    def call():
        try:
            async_to_sync(function)(*args)
        except Exception as error:  # noqa: BLE001 (re-raised below, in the caller's thread)
            errors.append(error)

    worker = threading.Thread(target=call)
    worker.start()
    worker.join()
    if errors:
        raise errors[0]


def send_to_user(user_id, message):
    """After commit, tell every open socket of a user something (access changed, signed out)."""

    def send():
        try:
            _blocking(_send, [user_group(user_id)], message)
        except Exception:
            log.exception("could not reach the sockets of user %s", user_id)

    transaction.on_commit(send, robust=True)
