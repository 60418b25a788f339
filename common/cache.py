"""Django's Redis cache, with one client (and so one connection pool) per process."""

import threading

from django.core.cache.backends import redis
from django.utils.functional import cached_property


class RedisCache(redis.RedisCache):
    """Django makes a cache object per thread and, under ASGI, per request; each made its own
    Redis client, which opened a new connection for the request and looked its library's version
    up in the installed packages' metadata (bench/api.py). The client is thread-safe: one per
    process and server list serves them all."""

    _clients = {}
    _lock = threading.Lock()

    @cached_property
    def _cache(self):
        key = tuple(self._servers)
        with self._lock:
            if key not in self._clients:
                self._clients[key] = self._class(self._servers, **self._options)
            return self._clients[key]
