"""Signals other parts of the portal listen to (live alerts push "camera offline/online")."""

from django.dispatch import Signal

# Sent once a camera's online/offline change is committed, by cameras.health.record_status.
# Keyword arguments: camera (Camera), online (bool), at (aware datetime of the change).
camera_status_changed = Signal()
