"""Events other parts listen to.

`clip_custody`: sent inside the transaction of every act in a clip's chain of custody (kwargs:
clip, event: the ClipEvent just appended, request or None). The accountability trail records
each one (audit/signals.py).
"""

from django.dispatch import Signal

clip_custody = Signal()
