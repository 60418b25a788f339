"""ORM work from async code (sockets, the MediaMTX hook), on worker threads."""

import functools

from asgiref.sync import sync_to_async
from django.db import close_old_connections


def on_db_threads(function):
    """`function` as a coroutine run on the event loop's worker threads, side by side, rather
    than on the one thread the process's thread-sensitive calls queue for.

    The connection it opens goes back to the pool when it returns. Channels'
    database_sync_to_async cannot promise that with asgiref 3.13: it closes connections outside
    the context copy that the function runs in, so each call left one connection checked out
    of the pool until the pool was empty (PoolTimeout on PostgreSQL)."""

    @functools.wraps(function)
    def closing(*args, **kwargs):
        close_old_connections()
        try:
            return function(*args, **kwargs)
        finally:
            close_old_connections()

    return sync_to_async(closing, thread_sensitive=False)
