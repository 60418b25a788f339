"""Events other parts listen to (the live alerts, the accountability trail).

`incident_event`: sent inside the transaction that changed an incident, with `incident` and
`event` (the IncidentEvent just appended to its timeline). Listeners store what they need in the
same transaction and talk to the outside world (channel layer, email) in transaction.on_commit.
"""

from django.dispatch import Signal

incident_event = Signal()

# Sent when someone invites a new person to the portal (kwargs: user, by, request, area_code:
# where the invitation's role is). `by` is None for the system (import_people without --by).
person_invited = Signal()

# Sent when someone downloads an export (kwargs: by, what: a short name such as
# "viewing_audit_csv", area_code: the area it covers or "", rows: how many, request, and
# optionally filters: {name: value as text}). audit.exports.csv_download sends it for its CSVs.
exported = Signal()
