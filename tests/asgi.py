"""Calling the ASGI application directly, for the parts that answer before Django's handler
(MediaMTX's auth hook). The hook reads the database from worker threads, so tests using this
need committed data: mark them `django_db(transaction=True)`."""

import json

from asgiref.sync import async_to_sync
from channels.testing import HttpCommunicator

from jakcctv.asgi import application


def post_hook(body):
    """POST `body` (a dict, or raw bytes) to the hook; returns (status, parsed JSON answer)."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()

    async def call():
        communicator = HttpCommunicator(
            application,
            "POST",
            "/api/v1/streams/mediamtx-auth/",
            body=data,
            headers=[(b"content-type", b"application/json")],
        )
        return await communicator.get_response(timeout=10)

    response = async_to_sync(call)()
    return response["status"], json.loads(response["body"])
