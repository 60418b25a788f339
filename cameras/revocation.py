"""When someone loses access, their video stops: in this process at once, elsewhere soon.

Embedded mode: the gate re-checks every STREAM_RECHECK_SECONDS; forgetting the remembered answer
here makes this process refuse the very next segment. Production mode: MediaMTX sessions of the
user are kicked through its control API once the change is committed.
"""

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save

from cameras import gate
from cameras.mediamtx import end_sessions_no_longer_allowed
from kelurahan.models import RoleAssignment, User


def access_changed(user_id):
    gate.forget_decisions(user_id)
    if settings.STREAM_MODE == "mediamtx":
        transaction.on_commit(lambda: end_sessions_no_longer_allowed(user_id))


def _assignment_saved(sender, instance, **kwargs):
    access_changed(instance.user_id)


def _user_saved(sender, instance, update_fields=None, **kwargs):
    if not instance.is_active:
        access_changed(instance.pk)


def connect():
    post_save.connect(_assignment_saved, sender=RoleAssignment, dispatch_uid="stream-revoke-ra")
    post_save.connect(_user_saved, sender=User, dispatch_uid="stream-revoke-user")
