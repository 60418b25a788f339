"""Short garbage collections in a long-running portal process.

A full collection walks every object the collector tracks, and in daphne most of them live as
long as the process: code, settings, URL patterns, and what the first requests build lazily
(resolvers, templates, translation catalogues, the connection pool). Those full collections
were the whole latency tail of the API (bench/api.py at 20 requests/s: p99 64-86 ms with them,
22-26 ms with the collector off). gc.freeze() takes objects out of the collector's sight: once
at start-up, once more after the first requests.
"""

import gc

WARM_UP_REQUESTS = 300


class FreezeAfterWarmUp:
    """ASGI wrapper: freezes what exists now, and again after WARM_UP_REQUESTS HTTP requests."""

    def __init__(self, application, requests=WARM_UP_REQUESTS):
        self.application = application
        self.left = requests
        gc.freeze()

    async def __call__(self, scope, receive, send):
        if self.left and scope["type"] == "http":
            self.left -= 1
            if not self.left:
                gc.collect()  # garbage out first: what is frozen is never collected
                gc.freeze()
        return await self.application(scope, receive, send)
