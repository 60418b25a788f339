"""Signals other parts of the portal listen to (live alerts push "camera offline/online")."""

from django.dispatch import Signal

# Sent by cameras.health.record_status inside the transaction that records an online/offline
# change, so a listener's rows (the alert event) commit or roll back with it; anything that
# talks to the outside world does so in transaction.on_commit.
# Keyword arguments: camera (Camera), online (bool), at (aware datetime of the change), node
# (the MediaNode whose outage or return caused it, else None: see media_node_changed).
camera_status_changed = Signal()

# Sent by cameras.playback.timeline when a camera's recordings timeline is asked for, so that the
# layers above can mark what happened then without cameras importing them.
# Keyword arguments: camera, user, start, end (aware). A listener returns {"incidents": [...]}
# or {"notes": [...]}: dicts with "at" and "title" and, when the user may open it, "url"; only
# what `user` may see.
timeline_marks_wanted = Signal()

# Sent by cameras.recording_retention.disk_guard, inside a transaction, after it deleted the
# oldest recordings to keep RECORDING_MIN_FREE_MB free. Keyword arguments: deleted_hours,
# freed_bytes, free_before, free_after, floor (bytes), at (aware datetime).
recordings_disk_low = Signal()

# Sent by cameras.health.check_camera_health, inside a transaction, when a media node that stopped
# answering took cameras offline in one check (online=False), or answered again and its cameras
# came back in the check where it did (online=True). Their cameras' own camera_status_changed
# carry `node=` then, so that one alert tells of the node rather than one per camera.
# Keyword arguments: node (MediaNode), online (bool), cameras (list of camera codes), since
# (aware datetime: the node's last answer before it stopped, or None), at (aware datetime).
media_node_changed = Signal()

# Sent when cameras are retired (status "nonaktif": taken out of service), inside the transaction
# that retires them: by Camera.save and by the camera import. Keyword arguments: camera_ids
# (list of ids), at (aware datetime). Maintenance closes their unresolved tickets.
cameras_retired = Signal()
