"""Shared API plumbing: pagination, query-string parameters, the router's ids, the list
serializers' fast field helpers, and the schema's docs page. (The JSON parser is in
common/jsonbody.py, the schema's refusals in common/schema.py.)"""

from collections.abc import Mapping

from django.contrib.auth.decorators import login_required
from django.http import QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import routers, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

# Row ids in URLs and parameters: at most 18 digits, so that every one fits the 64-bit id
# columns (a longer number overflowed the query: a 500 instead of a 404).
ID_PATTERN = "[0-9]{1,18}"
MAX_ID = 10**18 - 1


class Router(routers.DefaultRouter):
    """DRF's router whose detail routes take only ids (ID_PATTERN) unless a viewset names its
    own lookup (areas: their code): anything else in the place of an id is a 404."""

    include_root_view = False
    include_format_suffixes = False  # JSON only: "/1.json" would reach views as `format`

    def __init__(self):
        super().__init__(trailing_slash=True)
        self._default_value_pattern = ID_PATTERN


class IdConverter:
    """`<id:pk>` in URL patterns: an id as ID_PATTERN allows (Django's `int` has no limit)."""

    regex = ID_PATTERN

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return str(value)


def id_field(**kwargs):
    """A row id in a body or a query string (1 … MAX_ID)."""
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


def single_values(request, names):
    """The query string's values of `names`, refusing a parameter given twice (`?a=1&a=2`): the
    schema describes single values, and a list must not pass as its last element."""
    params = request.query_params
    repeated = [name for name in names if len(params.getlist(name)) > 1]
    if repeated:
        raise ValidationError(
            {name: [_("Sebutkan parameter ini sekali saja.")] for name in repeated}
        )
    return {name: params[name] for name in names if name in params}


class Body(serializers.Serializer):
    """A request body. From JSON, each value must have the type the schema gives its field: DRF
    alone takes 0 as a text, "5" or false as a number and "yes" as true. A form sends only text,
    and is read as DRF reads it."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping) and not isinstance(data, QueryDict):
            errors = {}
            for name, field in self.fields.items():
                if not field.read_only and data.get(name) is not None:
                    message = _json_type_error(field, data[name])
                    if message:
                        errors[name] = [message]
            if errors:
                raise ValidationError(errors)
        return super().to_internal_value(data)


def _json_type_error(field, value):
    """Why `value` (from JSON, not null) does not fit `field`, or None. The field's own message
    when its serializer wrote one, else ours."""
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if isinstance(field, serializers.BooleanField) and not isinstance(value, bool):
        return _own_message(field, "invalid") or _("Isian ini harus true atau false.")
    if isinstance(field, serializers.IntegerField | serializers.PrimaryKeyRelatedField) and not (
        number and isinstance(value, int)
    ):
        return _own_message(field, "invalid") or _("Isian ini harus berupa angka.")
    if isinstance(field, serializers.FloatField | serializers.DecimalField) and not number:
        return _own_message(field, "invalid") or _("Isian ini harus berupa angka.")
    textual = (
        serializers.CharField,
        serializers.ChoiceField,
        serializers.DateField,
        serializers.DateTimeField,
    )
    if isinstance(field, textual) and not isinstance(value, str):
        return _own_message(field, "invalid") or _("Isian ini harus berupa teks.")
    if isinstance(field, serializers.ListField | serializers.ManyRelatedField) and not isinstance(
        value, list
    ):
        return _own_message(field, "not_a_list") or _("Isian ini harus berupa daftar.")
    return None


def _own_message(field, key):
    """The message a serializer gave `field` for `key` (DRF's defaults are English, or say
    "{input}" where this check has none)."""
    defaults = {}
    for cls in reversed(type(field).__mro__):
        defaults.update(getattr(cls, "default_error_messages", {}))
    message = field.error_messages.get(key)
    return str(message) if message is not None and message is not defaults.get(key) else None


class QueryParams(serializers.Serializer):
    """A list's query-string filters, declared once: the schema lists the fields as the
    operation's parameters (`extend_schema(parameters=[TheQuery])`) and `TheQuery.read(request)`
    checks them, answering 400 with a message per parameter."""

    @classmethod
    def read(cls, request):
        query = cls(data=single_values(request, list(cls().fields)))
        query.is_valid(raise_exception=True)
        return query.validated_data


class Pagination(PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
    last_page_strings = ()  # `page` is a number, as the schema says

    def paginate_queryset(self, queryset, request, view=None):
        values = single_values(request, [self.page_query_param, self.page_size_query_param])
        page = values.get(self.page_query_param)
        if page is not None and not _whole_number_within(page, 1, MAX_ID):
            raise ValidationError({self.page_query_param: [_("Nomor halaman mulai dari 1.")]})
        return super().paginate_queryset(queryset, request, view)

    def get_page_size(self, request):
        size = single_values(request, [self.page_size_query_param]).get(self.page_size_query_param)
        if size is None:
            return self.page_size
        if not _whole_number_within(size, 1, self.max_page_size):
            message = _("Ukuran halaman 1 sampai %d.") % self.max_page_size
            raise ValidationError({self.page_size_query_param: [message]})
        return int(size)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        bounds = {
            self.page_query_param: {"minimum": 1, "maximum": MAX_ID},
            self.page_size_query_param: {"minimum": 1, "maximum": self.max_page_size},
        }
        for parameter in parameters:
            parameter["schema"].update(bounds.get(parameter["name"], {}))
        return parameters


def _whole_number_within(text, lowest, highest):
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        return False
    return lowest <= int(text) <= highest


# --- The list serializers' fast field helpers -----------------------------------------------

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
