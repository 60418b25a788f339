"""Signals other parts of the portal listen to (live alerts push "camera offline/online")."""

from django.dispatch import Signal

# Sent by cameras.health.record_status inside the transaction that records an online/offline
# change, so a listener's rows (the alert event) commit or roll back with it; anything that
# talks to the outside world does so in transaction.on_commit.
# Keyword arguments: camera (Camera), online (bool), at (aware datetime of the change).
camera_status_changed = Signal()
