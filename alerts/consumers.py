"""The live alerts socket, /ws/alerts/ (protocol: README, "Live alerts").

The browser connects with its session; the socket joins the groups of the user's live grants
(alerts/groups.py): its user's own group on its channel, the alert groups through the
process's fan-out (alerts/fanout.py). The browser then says where it stands, {"type": "resume",
"last_id": N, "seen": [ids], "floor": F}; the server answers with the visible events it
missed, oldest first, then {"type": "ready", "unread": n}, and from then on pushes live events.
Live events that arrive while the replay is read wait and are sent after it; no event is sent
twice on one socket. When the user's assignments change the socket re-scopes ({"type":
"scope", "areas"}) or closes (4403).
"""

import asyncio
import json
import random
from collections import OrderedDict, deque
from datetime import timedelta
from importlib import import_module

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from alerts.fanout import fanout
from alerts.groups import groups_for_grants, user_group
from alerts.models import AlertEvent, AlertScope, alert_scope, alert_scopes
from alerts.sources import session_digest
from common import jsonbody
from common.db import on_db_threads

CLOSE_SIGNED_OUT = 4401  # no session (signed out, expired): sign in again
CLOSE_NO_ACCESS = 4403  # no live assignment left (revoked, expired, deactivated)
REPLAY_WINDOW = timedelta(hours=24)
REPLAY_LIMIT = 200
# An event committed just after a later one (two transactions at once) has a smaller id than
# one the browser already saw: the replay also looks this far back before `last_id`, less `seen`.
REPLAY_OVERLAP = timedelta(seconds=60)
RESUME_WAIT = 10  # seconds a socket holds live events back waiting for "resume"
REJOIN_SECONDS = 3600  # renew group memberships (the Redis layer forgets them after a day)


class RecentIds:
    """The ids sent on this socket, the newest few thousand (enough to recognise a repeat)."""

    def __init__(self, size=2000):
        self.order = deque(maxlen=size)
        self.ids = set()

    def add(self, event_id):
        if len(self.order) == self.order.maxlen:
            self.ids.discard(self.order[0])
        self.order.append(event_id)
        self.ids.add(event_id)

    def __contains__(self, event_id):
        return event_id in self.ids

    def newest(self):
        return max(self.ids, default=0)


class AlertConsumer(AsyncJsonWebsocketConsumer):
    async def dispatch(self, message):
        # Channels' own dispatch first closes stale database connections, a trip to the database
        # thread for every message: a province-wide alert to 2,000 sockets queued 2,000 trips
        # behind each other (bench/alerts.py). This consumer reaches the database only through
        # on_db_threads, which closes stale connections itself (and side by side when many
        # sockets connect at once after a restart).
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self):
        self.gone = False  # disconnected: joins nothing any more
        self.user = self.scope["user"]
        self.joined, self.joined_at, self.reach = set(), 0.0, AlertScope()
        self.sent = RecentIds()
        self.waiting = []  # live events held back until the replay is out; None once live
        self.lock = asyncio.Lock()
        self.checker = self.resume_timeout = None
        self.horizon = 0  # polling (no shared channel layer): events after this are new
        await self.accept()  # then close with a reason the browser can read
        if not self.user.is_authenticated:
            await self.close(code=CLOSE_SIGNED_OUT)
            return
        if await self.rescope(session_checked=True):  # the session was just read to sign in
            if settings.ALERTS_POLL_SECONDS:
                self.checker = asyncio.create_task(self.keep_polling())
            self.resume_timeout = asyncio.create_task(self.go_live_without_resume())

    async def disconnect(self, code):
        self.gone = True
        for task in (self.checker, self.resume_timeout):
            if task:
                task.cancel()
        for group in self.joined:
            await self.leave(group)
        self.joined = set()
        fanout().forget(self)

    async def receive_json(self, content, **kwargs):
        if not isinstance(content, dict) or content.get("type") != "resume":
            return
        async with self.lock:
            if self.waiting is None:
                return  # already live: a second resume changes nothing
            last_id, floor, seen = _resume_point(content)
            for event_id in seen:
                self.sent.add(event_id)  # the browser has these: never send them again
            for event in await _replay(self.user, last_id, floor, seen):
                await self.send_event(event, replay=True)
            # Live events held meanwhile: only those after the resume point (or, with a floor,
            # late ones the browser has not seen).
            await self.go_live(lambda i: i > last_id or (floor is not None and i > floor))

    @classmethod
    async def decode_json(cls, text_data):
        try:
            return jsonbody.loads(text_data)
        except jsonbody.NotJSON:
            return None  # not JSON (or nested too deep): ignored

    # --- Channel-layer events (alerts/groups.py) ----------------------------------------------

    async def alert_event(self, message):
        async with self.lock:
            if self.waiting is not None:
                self.waiting.append(message["event"])
            else:
                await self.send_event(message["event"])

    async def access_changed(self, message):
        async with self.lock:
            await self.rescope()

    async def session_ended(self, message):
        session = self.scope.get("session")
        if (
            session
            and session.session_key
            and session_digest(session.session_key) == message["session"]
        ):
            await self.close(code=CLOSE_SIGNED_OUT)

    # --- Helpers ------------------------------------------------------------------------------

    async def send_event(self, event, replay=False):
        if event["id"] in self.sent or not self.reach.reaches(event):
            return
        self.sent.add(event["id"])
        await self.send(text_data=alert_text(event, replay))

    async def go_live(self, wanted=lambda event_id: True):
        held, self.waiting = self.waiting, None
        for event in sorted(held, key=lambda e: e["id"]):
            if wanted(event["id"]):
                await self.send_event(event)
        if settings.ALERTS_POLL_SECONDS:
            self.horizon = await _newest_id()
        await self.send_json({"type": "ready", "unread": await _unread(self.user)})

    async def rescope(self, session_checked=False):
        """Join the groups of the user's live grants now, leave the others; close when none are
        left. Returns whether the socket stays open."""
        session = None if session_checked else self.scope.get("session")
        return await self.apply_scope(await _alert_scope(self.user, session))

    async def apply_scope(self, scope):
        """Join the groups of `scope` (the AlertScope of the user's live grants: areas and a
        technician's organisations), leave the others; close when it is empty. Returns whether
        the socket stays open."""
        if not scope:
            await self.close(code=CLOSE_NO_ACCESS)
            return False
        wanted = groups_for_grants(scope, self.user.pk)
        now = asyncio.get_running_loop().time()
        renew = now - self.joined_at > REJOIN_SECONDS
        for group in wanted if renew else wanted - self.joined:
            await self.join(group)
        for group in self.joined - wanted:
            await self.leave(group)
        changed = self.reach and scope != self.reach
        self.joined, self.reach = wanted, scope
        self.joined_at = now if renew else self.joined_at
        if changed:
            await self.send_json({"type": "scope", "areas": list(scope.areas)})
        return True

    async def join(self, group):
        """The user's own group on this socket's channel; alert groups through the process's
        fan-out (alerts/fanout.py)."""
        if self.gone:
            return  # a re-check that overlapped the disconnect must not join it again
        if group == user_group(self.user.pk):
            await self.channel_layer.group_add(group, self.channel_name)
        else:
            await fanout().join(self, [group])

    async def leave(self, group):
        if group == user_group(self.user.pk):
            await self.channel_layer.group_discard(group, self.channel_name)
        else:
            fanout().leave(self, [group])

    async def go_live_without_resume(self):
        await asyncio.sleep(RESUME_WAIT)
        async with self.lock:
            if self.waiting is not None:
                await self.go_live()

    async def keep_polling(self):
        """Without a shared channel layer, look in the database for events raised by other
        processes. (Re-scoping now and then is done for every socket of the process at once:
        `recheck`.)"""
        while True:
            await asyncio.sleep(settings.ALERTS_POLL_SECONDS * random.uniform(0.9, 1.1))  # noqa: S311
            async with self.lock:
                since = max(self.horizon, self.sent.newest())
                for event in await _replay(self.user, since, self.horizon, set(self.sent.ids)):
                    await self.send_event(event)

    @property
    def session_key(self):
        session = self.scope.get("session")
        return session.session_key if session is not None else None


async def recheck(sockets):
    """Re-scope open sockets (those of one process), since assignments also end by the clock
    and bulk updates send no signal; close those whose session has ended. One trip to the
    database for all of them: one per socket cost more than the sockets themselves at rest."""
    scopes = await _current_scopes([(socket.user.pk, socket.session_key) for socket in sockets])
    for socket in sockets:
        async with socket.lock:
            if not socket.gone:
                await socket.apply_scope(scopes[socket.user.pk, socket.session_key])


@on_db_threads
def _current_scopes(sockets):
    """{(user id, session key): the AlertScope `_alert_scope` would give}, for many sockets."""
    scopes = alert_scopes({user_id for user_id, _key in sockets})
    live = _live_sessions({key for _user_id, key in sockets if key})
    ended = {key for _user_id, key in sockets if key and key not in live}
    return {
        (user_id, key): AlertScope() if key in ended else scopes[user_id]
        for user_id, key in sockets
    }


def _live_sessions(keys):
    """Which of these session keys still exist (SessionStore.exists, in one query where the
    sessions live in the database)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if hasattr(store, "get_model_class"):
        sessions = store.get_model_class().objects.filter(session_key__in=keys)
        return set(sessions.values_list("session_key", flat=True))
    return {key for key in keys if store().exists(key)}


_texts = OrderedDict()  # (id, replay) -> JSON, the newest few hundred alerts


def alert_text(event, replay):
    """The alert message as JSON, written once for all the sockets it goes to."""
    key = (event["id"], replay)
    if key not in _texts:
        _texts[key] = json.dumps({"type": "alert", "replay": replay, **event})
        if len(_texts) > 500:
            _texts.popitem(last=False)
    return _texts[key]


def _resume_point(content):
    """(last_id, floor, seen) from a resume message, whatever the browser sent.

    `last_id`: the newest id the browser has. `seen`: ids it has (the newest few hundred).
    `floor`: optional; nothing at or below it is wanted. With a floor, the replay also looks
    REPLAY_OVERLAP back before last_id for alerts committed late (see above), less `seen`;
    without one, it is exactly "after last_id".
    """

    def whole(value):
        # An id fits a 64-bit column: a bigger number would overflow the query (SQLite).
        is_id = isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63
        return value if is_id else 0

    last_id = whole(content.get("last_id"))
    floor = whole(content["floor"]) if "floor" in content else None
    seen = content.get("seen") if isinstance(content.get("seen"), list) else []
    return last_id, floor, {last_id} | {whole(i) for i in seen[:500]} - {0}


@on_db_threads
def _alert_scope(user, session):
    """The AlertScope of the user's live grants, read afresh; empty when the session has ended
    or a provincial admin has not enrolled the required second factor."""
    if session is not None and not session.exists(session.session_key):
        return AlertScope()
    return alert_scope(user, fresh=True)


@on_db_threads
def _replay(user, last_id, floor, seen):
    """Visible events after `last_id` (with a floor, also late ones a little before it), less
    `seen`, from the last 24 hours: the newest 200, oldest first."""
    after = Q(pk__gt=last_id)
    if floor is not None:
        anchor = AlertEvent.objects.filter(pk=last_id).values_list("created_at", flat=True).first()
        if anchor:
            after |= Q(pk__gt=floor, created_at__gte=anchor - REPLAY_OVERLAP)
    events = (
        AlertEvent.objects.visible_to(user)
        .filter(after, created_at__gte=timezone.now() - REPLAY_WINDOW)
        .exclude(pk__in=seen)
        .select_related("area")
        .order_by("-pk")[:REPLAY_LIMIT]
    )
    return [event.as_message() for event in reversed(events)]


@on_db_threads
def _newest_id():
    return AlertEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


@on_db_threads
def _unread(user):
    return AlertEvent.objects.visible_to(user).recent().unread_by(user).count()
