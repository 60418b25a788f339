"""When someone loses access, or the browser session a stream was opened in ends, the video
stops: in this process at once, elsewhere soon.

Embedded mode: the gate re-checks every STREAM_RECHECK_SECONDS; forgetting the remembered answer
here makes this process refuse the very next segment. Production mode: MediaMTX sessions of the
user are kicked through its control API once the change is committed.

A browser session ends by signing out, from the sessions page (allauth ends it and drops its
UserSession row), or by a password change (every other session's hash is outdated, and the
changing session gets a new key): the last is a change to the user like any other.
"""

from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from cameras import gate
from cameras.mediamtx import end_browser_session_streams, end_sessions_no_longer_allowed
from kelurahan.models import RoleAssignment, User


def access_changed(user_id):
    gate.forget_decisions(user_id)
    if settings.STREAM_MODE == "mediamtx":
        transaction.on_commit(lambda: end_sessions_no_longer_allowed(user_id))


def session_ended(user_id, session_key):
    gate.forget_decisions(user_id)
    if settings.STREAM_MODE == "mediamtx" and session_key:
        tag = gate.session_tag(session_key)
        transaction.on_commit(lambda: end_browser_session_streams(user_id, tag))


def _assignment_saved(sender, instance, **kwargs):
    access_changed(instance.user_id)


def _user_saved(sender, instance, update_fields=None, **kwargs):
    # Anything but the sign-in stamp: deactivation, a new password (which outdates sessions).
    if update_fields is None or set(update_fields) != {"last_login"}:
        access_changed(instance.pk)


def _signed_out(sender, request, user, **kwargs):
    if user is not None:
        session_ended(user.pk, getattr(getattr(request, "session", None), "session_key", None))


def _user_session_deleted(sender, instance, **kwargs):
    session_ended(instance.user_id, instance.session_key)


def connect():
    post_save.connect(_assignment_saved, sender=RoleAssignment, dispatch_uid="stream-revoke-ra")
    post_save.connect(_user_saved, sender=User, dispatch_uid="stream-revoke-user")
    user_logged_out.connect(_signed_out, dispatch_uid="stream-revoke-logout")
    post_delete.connect(_user_session_deleted, sender=UserSession, dispatch_uid="stream-end-us")
