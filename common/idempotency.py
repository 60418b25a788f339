"""Idempotency keys: a request sent again with the same `Idempotency-Key` header by the same
person gets the first answer again and creates nothing new.

Phones on a weak network resend what they wrote (the offline queue in static/js/offline.js sends
every waiting note and report with its own key, and sends it again until it hears an answer).
The key row is inserted first, in the transaction of the work itself: a second request with the
same key waits on the unique index until the first commits, then reads its answer (PostgreSQL),
or runs after it (SQLite writes one at a time). Only a success is kept; a refusal rolls the key
back with everything else, so a corrected retry may use it.

`idempotent_api(scope)` wraps a DRF view method (the answer's JSON is kept);
`idempotent_page(scope)`
a page view whose success is a redirect (the redirect's target is kept).
"""

import re
from functools import wraps

from django.db import IntegrityError, transaction
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.models import IdempotencyKey

HEADER = "Idempotency-Key"
PATTERN = r"^[A-Za-z0-9._:-]{8,100}$"
DESCRIPTION = gettext_lazy(
    "Kunci unik per permintaan (mis. UUID). Permintaan yang sama dengan kunci yang sama dari "
    "orang yang sama menerima jawaban pertama lagi dan tidak membuat apa pun lagi."
)
REPLAYED = "Idempotent-Replayed"  # answer header: "true" when the answer is a replay


def key_of(request):
    """The request's key: None when it has none, "" when it is malformed."""
    raw = request.headers.get(HEADER)
    if raw is None:
        return None
    raw = raw.strip()
    return raw if re.match(PATTERN, raw) else ""


def run_once(request, scope, call, *, keep, replay, refuse):
    """Run `call()` once per (person, key); see the module's docstring.

    keep(response) -> (status, body) to remember a success, or None for a refusal;
    replay(row) -> the answer for a repeated key; refuse(status, message) -> a refusal.
    """
    key = key_of(request)
    user = request.user
    if key is None or not user.is_authenticated:
        return call()  # no key, or nobody to keep it for (the view refuses anonymous visitors)
    if not key:
        return refuse(400, _("Idempotency-Key tidak valid: 8–100 huruf, angka, titik, - _ :."))
    with transaction.atomic():
        try:
            with transaction.atomic():
                row = IdempotencyKey.objects.create(user=user, key=key, scope=scope, status=0)
        except IntegrityError:
            row = IdempotencyKey.objects.filter(user=user, key=key).first()
            if row is None:  # the twin rolled back between our insert and this read
                return refuse(409, _("Permintaan dengan kunci ini sedang diproses; coba lagi."))
            if row.scope != scope:
                return refuse(409, _("Idempotency-Key ini sudah dipakai untuk permintaan lain."))
            return replay(row)
        response = call()
        kept = keep(response)
        if kept is None:
            transaction.set_rollback(True)  # a refusal: nothing made, the key is free again
            return response
        row.status, row.body = kept
        row.save(update_fields=["status", "body"])
        return response


def idempotent_api(scope):
    """For a DRF view method (viewset `create`): a 2xx answer's data is kept and replayed."""
    from rest_framework.response import Response

    def keep(response):
        return (response.status_code, response.data) if 200 <= response.status_code < 300 else None

    def replay(row):
        return Response(row.body, status=row.status, headers={REPLAYED: "true"})

    def refuse(status, message):
        return Response({"detail": message}, status=status)

    def decorator(method):
        @wraps(method)
        def wrapped(view, request, *args, **kwargs):
            return run_once(
                request,
                scope,
                lambda: method(view, request, *args, **kwargs),
                keep=keep,
                replay=replay,
                refuse=refuse,
            )

        return wrapped

    return decorator


def idempotent_page(scope):
    """For a page view answering a successful POST with a redirect: the redirect is kept and
    given again. A GET passes through untouched."""

    def keep(response):
        if response.status_code in (301, 302, 303) and response.has_header("Location"):
            return response.status_code, {"location": response["Location"]}
        return None

    def replay(row):
        response = HttpResponseRedirect(row.body.get("location", "/"))
        response[REPLAYED] = "true"
        return response

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method != "POST":
                return view(request, *args, **kwargs)

            def refuse(status, message):
                if "application/json" in request.headers.get("Accept", ""):
                    return JsonResponse({"detail": message}, status=status)
                return HttpResponse(
                    message, status=status, content_type="text/plain; charset=utf-8"
                )

            response = run_once(
                request,
                scope,
                lambda: view(request, *args, **kwargs),
                keep=keep,
                replay=replay,
                refuse=refuse,
            )
            # A script (static/js/offline.js) asks for JSON: where the redirect would lead.
            if "application/json" in request.headers.get("Accept", "") and keep(response):
                answer = JsonResponse({"location": response["Location"]})
                if response.has_header(REPLAYED):
                    answer[REPLAYED] = response[REPLAYED]
                return answer
            return response

        return wrapped

    return decorator
