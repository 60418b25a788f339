"""Events other parts listen to (the live alerts, issue #5).

`incident_event`: sent after the transaction that changed an incident commits, with
`incident` and `event` (the IncidentEvent just appended to its timeline).
"""

from django.dispatch import Signal

incident_event = Signal()
