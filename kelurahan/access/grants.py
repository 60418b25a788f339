"""Live grants: the role assignments that count now, read once per request and cached.

Part of the door (kelurahan/access): nothing outside it reads assignments to decide scope.
"""

import hashlib
import uuid
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from kelurahan.roles import Role


@dataclass(frozen=True)
class Grant:
    """One live assignment, reduced to what scoping needs: an area code, or for a technician
    (MAINTAINER_ROLES) the maintainer organisation and whether it may watch its cameras."""

    role: Role
    area_code: str | None
    maintainer_id: int | None = None
    streams: bool = False


def live_grants(user, *, fresh=False):
    """The user's live assignments, read once per request (the user object lives one request).

    They come from the grants cache (below) unless `fresh`: long-lived callers (WebSocket
    consumers, the stream gate) pass fresh=True to read the database, so that a revocation or
    deactivation takes effect at once even for a user object loaded long ago.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return ()
    if fresh:
        rows = _assignments().live().filter(user_id=user.pk).values_list(*_GRANT_FIELDS)
        user._live_grants = tuple(_grant(*row) for row in rows)
    elif not hasattr(user, "_live_grants"):
        now = timezone.now().timestamp()
        user._live_grants = tuple(
            _grant(*fields)
            for *fields, start, end in _assignment_windows(user.pk)
            if start <= now and (end is None or now < end)
        )
    return user._live_grants


def live_grants_of(user_ids):
    """The live grants of many users at once, read fresh: {user id: (Grant, ...)}, in one query
    (for fanning an alert out to many sockets)."""
    found = {user_id: [] for user_id in user_ids}
    rows = _assignments().live().filter(user_id__in=user_ids)
    for user_id, *fields in rows.values_list("user_id", *_GRANT_FIELDS):
        found[user_id].append(_grant(*fields))
    return {user_id: tuple(grants) for user_id, grants in found.items()}


_GRANT_FIELDS = ("role", "area_id", "maintainer_id", "may_view_streams")


def _grant(role, area_code, maintainer_id, streams):
    return Grant(Role(role), area_code, maintainer_id, bool(streams))


# --- The grants cache -------------------------------------------------------------------------
# Every request needs the user's live assignments; reading them from Django's cache (Redis in
# production, shared by every process) saves a query per request. What is cached is each
# assignment that is neither revoked nor expired, with its validity window: live_grants applies
# the clock at every read, so an assignment still expires (or starts) on time. Saving an
# assignment or the user, or a bulk write to assignments, drops the entry at once and again when
# the transaction commits. Each entry is stamped with the user's cache generation, renewed on
# every change, so an entry computed from data read just before a change can never be served
# after it; the user's own request sees its own uncommitted changes (`_changed_here`).


def _cache_keys(user_id):
    database = hashlib.sha256(str(connection.settings_dict["NAME"]).encode()).hexdigest()[:12]
    base = f"grants:v2:{database}:{user_id}"
    return f"{base}:gen", base


def _assignment_windows(user_id):
    """(role, area code, maintainer id, may view streams, valid_from, valid_until) of each
    assignment not revoked or expired."""
    seconds = settings.GRANTS_CACHE_SECONDS
    use_cache = seconds > 0 and user_id not in _changed_here()
    if use_cache:
        gen_key, key = _cache_keys(user_id)
        found = cache.get_many([gen_key, key])
        generation = found.get(gen_key)
        entry = found.get(key)
        if entry is not None and entry[0] == generation:
            return entry[1]
    now = timezone.now()
    rows = [
        (*fields, start.timestamp(), end.timestamp() if end else None)
        for *fields, start, end in _assignments()
        .filter(
            Q(valid_until__isnull=True) | Q(valid_until__gt=now),
            user_id=user_id,
            revoked_at__isnull=True,
        )
        .values_list(*_GRANT_FIELDS, "valid_from", "valid_until")
    ]
    if use_cache:
        cache.set(key, (generation, rows), seconds)
    return rows


def _in_transaction():
    """In a transaction that may still roll back. The one Django's test cases wrap around each
    test never commits and does not count (as for Django's own `durable` check)."""
    return any(not block._from_testcase for block in connection.atomic_blocks)


def _changed_here():
    """Users whose assignments this connection changed in its open transaction."""
    changed = getattr(connection, "_grants_changed", None)
    if not _in_transaction():
        if changed:
            changed.clear()  # that transaction is over (a rollback runs no on_commit)
        return ()
    return changed or ()


def forget_grants(*user_ids):
    """Drop the cached grants of these users now, and again once the transaction commits."""
    if not user_ids or settings.GRANTS_CACHE_SECONDS <= 0:
        return
    _renew_generations(user_ids)
    if _in_transaction():
        changed = getattr(connection, "_grants_changed", None)
        if changed is None:
            changed = connection._grants_changed = set()
        changed.update(user_ids)

        def committed():
            _renew_generations(user_ids)
            changed.difference_update(user_ids)

        transaction.on_commit(committed)


def _renew_generations(user_ids):
    keys = [_cache_keys(user_id) for user_id in user_ids]
    # Outlives the entries it stamps, so that an old entry never meets a missing generation.
    lifetime = settings.GRANTS_CACHE_SECONDS * 2 + 60
    cache.set_many({gen_key: uuid.uuid4().hex for gen_key, _key in keys}, lifetime)
    cache.delete_many([key for _gen_key, key in keys])


def _assignment_changed(sender, instance, **kwargs):
    # post_save sent for rows of a bulk_create says so: bulk_create forgot them all at once.
    if not kwargs.get("bulk_created"):
        forget_grants(instance.user_id)


def _user_changed(sender, instance, **kwargs):
    forget_grants(instance.pk)


# --- The second factor ----------------------------------------------------------------------
# A provincial admin's every request asks whether they enrolled TOTP (they must have); the
# answer is cached like the grants, and enrolling or removing an authenticator drops it now and
# again when the transaction commits.


def _totp_key(user_id):
    return _cache_keys(user_id)[1] + ":totp"


def has_totp(user):
    from allauth.mfa.models import Authenticator

    seconds = settings.GRANTS_CACHE_SECONDS
    found = cache.get(_totp_key(user.pk)) if seconds > 0 else None
    if found is None:
        found = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        if seconds > 0:
            cache.set(_totp_key(user.pk), found, seconds)
    return found


def _authenticator_changed(sender, instance, **kwargs):
    key = _totp_key(instance.user_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


# Lazy senders: the models import the door, so the door names them without importing them.
post_save.connect(
    _assignment_changed, sender="kelurahan.RoleAssignment", dispatch_uid="grants-cache-ra"
)
post_delete.connect(
    _assignment_changed, sender="kelurahan.RoleAssignment", dispatch_uid="grants-cache-ra-d"
)
post_save.connect(_user_changed, sender=settings.AUTH_USER_MODEL, dispatch_uid="grants-cache-user")
post_save.connect(
    _authenticator_changed, sender="mfa.Authenticator", dispatch_uid="totp-cache-save"
)
post_delete.connect(
    _authenticator_changed, sender="mfa.Authenticator", dispatch_uid="totp-cache-delete"
)


def _assignments():
    return apps.get_model("kelurahan", "RoleAssignment").objects
