"""Events other parts listen to (the live alerts, the accountability trail).

`incident_page`: sent while an incident's page is built (kwargs: incident, request); each
receiver returns HTML to show in the page's main column, or "" (the apps above add their
panels this way: evidence's clips).

`incident_event`: sent inside the transaction that changed an incident, with `incident` and
`event` (the IncidentEvent just appended to its timeline). Listeners store what they need in the
same transaction and talk to the outside world (channel layer, email) in transaction.on_commit.
"""

from django.dispatch import Signal

incident_event = Signal()
incident_page = Signal()
