"""Shared API plumbing: pagination, the list serializers' fast field helpers, and the OpenAPI
schema's docs page."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


# The list serializers (incidents, cameras) write their fields out by hand: a page holds up to
# 1,000 rows, and DRF's field-by-field machinery cost more than the queries (bench/api.py). These
# give the same text as DRF's fields.


def datetime_text(value, zone=None):
    """A datetime as DRF's DateTimeField writes it: ISO 8601 in the current time zone (WIB).
    Pass `zone` (timezone.get_current_timezone()) when writing many: looking it up costs more
    than the conversion."""
    if value is None:
        return None
    text = value.astimezone(zone or timezone.get_current_timezone()).isoformat()
    return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text


def date_text(value):
    return None if value is None else value.isoformat()


_MARKER = 987654321  # stands for the pk while a URL pattern is reversed once


def absolute_urls(request, name):
    """pk -> the absolute URL of `name` (a route with one integer argument), for many rows:
    `reverse` costs about as much as serializing a whole row, so it runs once here."""
    head, tail = request.build_absolute_uri(reverse(name, args=[_MARKER])).split(str(_MARKER))
    return lambda pk: f"{head}{pk}{tail}"


@login_required
def api_docs(request):
    """Swagger UI, from our own static files, reading /api/v1/schema/ (JSON)."""
    schema_url = reverse("api:schema") + "?format=json"
    return render(request, "api_docs.html", {"schema_url": schema_url})
