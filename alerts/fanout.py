"""One listener per server process for the alert groups, handing each alert to the process's
sockets in that group.

A socket could join its groups on the channel layer itself, as Channels intends; then every
alert reaches every socket through its own channel: one queue, one message to decode and one
dispatch task per socket, which with 2,000 sockets cost more than writing the alerts out
(bench/alerts.py). Here the process joins each group once, on one channel of its own, and calls
the sockets' `alert_event` directly; each socket still applies its own rules (scope, nothing
twice, held back until its replay is out). The user's own group (access changed, signed out)
stays on the socket's channel.

A process stays in a group once it joined it (there are only so many areas): nothing to undo,
so no join can race a leave.

The fan-out also re-checks every open socket of the process now and then, in one trip to the
database for all of them (alerts.consumers.recheck), rather than one trip per socket.
"""

import asyncio
import logging
import random
import weakref
from collections import defaultdict

from channels.layers import get_channel_layer
from django.conf import settings

log = logging.getLogger(__name__)

# Let other work (another alert, a request, a handshake) in between this many sockets.
BATCH = 50


class Fanout:
    def __init__(self, layer):
        self.layer = layer
        self.members = defaultdict(set)  # group -> consumers in this process
        self.sockets = set()  # every open consumer of this process
        self.channel = None
        self.tasks = ()
        self.deliveries = set()  # alerts being handed out
        self.starting = asyncio.Lock()

    async def join(self, consumer, groups):
        """Add `consumer` to `groups` (joining them on the layer, again: that also renews a
        membership the layer would let expire)."""
        async with self.starting:
            if self.channel is None:
                self.channel = await self.layer.new_channel()
                self.tasks = (
                    asyncio.create_task(self._listen()),
                    asyncio.create_task(self._recheck()),
                )
        self.sockets.add(consumer)
        for group in groups:
            self.members[group].add(consumer)
            await self.layer.group_add(group, self.channel)

    def leave(self, consumer, groups):
        for group in groups:
            self.members[group].discard(consumer)

    def forget(self, consumer):
        """The socket has closed."""
        self.sockets.discard(consumer)
        for members in self.members.values():
            members.discard(consumer)

    async def _recheck(self):
        from alerts.consumers import recheck

        while True:
            pause = settings.ALERTS_RECHECK_SECONDS * random.uniform(0.9, 1.1)  # noqa: S311
            await asyncio.sleep(pause)
            if self.sockets:
                try:
                    await recheck(list(self.sockets))
                except Exception:
                    log.exception("open sockets not re-checked (tried again later)")

    async def _listen(self):
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except Exception:  # Redis away: the sockets get what they miss when they resume
                log.exception("alerts not received from the channel layer (trying again)")
                await asyncio.sleep(1)
                continue
            # Each alert on its own: one for a kelurahan (a few sockets) does not wait behind
            # one for the whole province (every socket).
            delivery = asyncio.create_task(self._deliver(message))
            self.deliveries.add(delivery)
            delivery.add_done_callback(self.deliveries.discard)

    async def _deliver(self, message):
        consumers = list(self.members.get(message.get("group"), ()))
        for n, consumer in enumerate(consumers, start=1):
            try:
                await consumer.alert_event(message)
            except Exception:
                log.exception("alert %s not sent to a socket", message["event"]["id"])
            if n % BATCH == 0:
                await asyncio.sleep(0)


_fanouts = weakref.WeakKeyDictionary()  # one per event loop (tests run several)


def fanout():
    """This process's (this event loop's) fan-out."""
    loop = asyncio.get_running_loop()
    if loop not in _fanouts:
        _fanouts[loop] = Fanout(get_channel_layer())
    return _fanouts[loop]
