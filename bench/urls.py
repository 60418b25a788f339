from django.conf import settings
from django.http import FileResponse
from django.urls import path

from cameras.streams import CONTENT_TYPES
from jakcctv.urls import urlpatterns as portal_urlpatterns


def unchecked_file(request, code, filename):
    """The same files the gate serves, with no check at all: the benchmark's baseline."""
    handle = (settings.STREAMS_ROOT / code / filename).open("rb")
    return FileResponse(handle, content_type=CONTENT_TYPES["." + filename.rsplit(".", 1)[1]])


urlpatterns = [
    # Under /streams/ like the gate, so both skip the same per-request session bookkeeping.
    path("streams/unchecked/<slug:code>/<str:filename>", unchecked_file),
    *portal_urlpatterns,
]
