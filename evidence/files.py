"""A clip's file as an answer, shared by the pages and the API (after their own checks).

Players (a phone seeking in a five-minute clip) ask for pieces: `Range: bytes=a-b`, `bytes=a-`
or the last n bytes `bytes=-n` answer 206 Partial Content with that piece; a range past the end
answers 416. Anything else (no Range, several ranges, a malformed one, an If-Range naming
another version) gets the whole file, as HTTP allows. The ETag is the clip's SHA-256.
"""

import re

from django.http import FileResponse, HttpResponse, JsonResponse, StreamingHttpResponse
from django.utils.translation import gettext as _

_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)
_CHUNK = 64 * 1024
UNSATISFIABLE = "unsatisfiable"


def requested_range(request, size, etag):
    """The one byte range asked for, as (first, last) inclusive; None for the whole file;
    UNSATISFIABLE when it starts past the end (or asks for the last 0 bytes)."""
    header = request.headers.get("Range")
    if not header:
        return None
    if_range = request.headers.get("If-Range")
    if if_range is not None and if_range.strip() != etag:
        return None  # the client's piece is of another version: the whole file
    match = _RANGE.match(header)
    if match is None or not (match[1] or match[2]):
        return None
    if match[1]:
        first = int(match[1])
        if match[2] and int(match[2]) < first:
            return None  # not a valid range: ignored
        if first >= size:
            return UNSATISFIABLE
        last = int(match[2]) if match[2] else size - 1
        return first, min(last, size - 1)
    suffix = int(match[2])
    if suffix == 0 or size == 0:
        return UNSATISFIABLE
    return max(size - suffix, 0), size - 1


def starts_playback(request, clip):
    """Whether this request begins a viewing or a download (no Range, or a range from byte
    0), rather than fetching a further piece of one (or nothing: 416): only those go on the
    custody log."""
    wanted = requested_range(request, clip.bytes, etag(clip))
    return wanted is None or (wanted != UNSATISFIABLE and wanted[0] == 0)


def etag(clip):
    return f'"{clip.sha256}"'


def file_response(clip, request=None, *, attachment=True, json_refusal=False):
    """The clip's MP4: whole (200) or the piece `request`'s Range asks for (206, or 416)."""
    name = f"bukti-kejadian-{clip.incident_id}-klip-{clip.pk}.mp4"
    handle = clip.file.open("rb")
    size = clip.file.size
    wanted = requested_range(request, size, etag(clip)) if request is not None else None
    if wanted == UNSATISFIABLE:
        handle.close()
        message = _("Rentang byte yang diminta di luar ukuran berkas (%(size)d byte).") % {
            "size": size
        }
        if json_refusal:
            response = JsonResponse({"detail": message}, status=416)
        else:
            response = HttpResponse(message, status=416, content_type="text/plain; charset=utf-8")
        response["Content-Range"] = f"bytes */{size}"
    elif wanted is None:
        response = FileResponse(
            handle, as_attachment=attachment, filename=name, content_type="video/mp4"
        )
    else:
        first, last = wanted
        response = StreamingHttpResponse(
            _piece(handle, first, last - first + 1), status=206, content_type="video/mp4"
        )
        response["Content-Length"] = str(last - first + 1)
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
        kind = "attachment" if attachment else "inline"
        response["Content-Disposition"] = f'{kind}; filename="{name}"'
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = etag(clip)
    response["X-Content-SHA256"] = clip.sha256
    response["Cache-Control"] = "private, no-store"
    return response


def _piece(handle, offset, length):
    try:
        handle.seek(offset)
        while length > 0:
            chunk = handle.read(min(_CHUNK, length))
            if not chunk:
                break
            length -= len(chunk)
            yield chunk
    finally:
        handle.close()
