"""Events other parts listen to (the live alerts, the accountability trail).

`incident_event`: sent inside the transaction that changed an incident, with `incident` and
`event` (the IncidentEvent just appended to its timeline). Listeners store what they need in the
same transaction and talk to the outside world (channel layer, email) in transaction.on_commit.
"""

from django.dispatch import Signal

incident_event = Signal()
