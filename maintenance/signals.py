"""Events other parts listen to (the live alerts).

`ticket_overdue`: sent inside the transaction of the sweep that found a ticket past its repair
deadline (once per ticket), with `ticket`. The alerts app tells the area's operators and the
maintainer's technicians.
"""

from django.dispatch import Signal

ticket_overdue = Signal()
