"""Events other parts listen to (the live alerts).

`tickets_opened`: sent inside the transaction that opened tickets (the sweep, in bulk, or a
person by hand), with `ticket_ids`. The alerts app tells the area's ticket workers and the
maintainer's technicians, with a constant number of statements however many there are.

`ticket_overdue`: sent inside the transaction of the sweep that found a ticket past its repair
deadline (once per ticket), with `ticket`. The alerts app tells the area's operators and the
maintainer's technicians.
"""

from django.dispatch import Signal

ticket_overdue = Signal()
tickets_opened = Signal()
