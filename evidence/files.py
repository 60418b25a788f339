"""A clip's file as an answer, shared by the pages and the API (after their own checks)."""

from django.http import FileResponse


def file_response(clip):
    name = f"bukti-kejadian-{clip.incident_id}-klip-{clip.pk}.mp4"
    response = FileResponse(
        clip.file.open("rb"), as_attachment=True, filename=name, content_type="video/mp4"
    )
    response["X-Content-SHA256"] = clip.sha256
    response["Cache-Control"] = "private, no-store"
    return response
