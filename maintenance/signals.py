"""Events other parts listen to (the live alerts).

`tickets_to_announce`: tickets to tell people about, with `opened` (ids of tickets just opened:
by the sweep, in bulk, or by a person by hand) and `overdue` (ids of tickets the sweep just
found past their repair deadline, once per ticket). Sent after the change, inside the
transaction that made it if there is one (a person's), else just after the sweep's statement.
The alerts app tells the area's ticket workers (opened) or operators (overdue) and the
maintainer's technicians, in one statement however many there are.
"""

from django.dispatch import Signal

tickets_to_announce = Signal()
