"""The dates and times the portal takes from people: between EARLIEST and LATEST.

Python's dates end at the years 1 and 9999, and a date near either end overflowed when it was
moved to UTC for the database, or when a day was added to close a period (a 500). Nothing the
portal records happened before 2000 or ends after 2099, so every date filter and every date or
time in a body is held to those years, with one message.
"""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

EARLIEST = datetime.date(2000, 1, 1)
LATEST = datetime.date(2099, 12, 31)
# The same years, as the API's schema says them (format `date` or `date-time` alone would
# promise the years 1 to 9999).
YEARS_PATTERN = "^20[0-9]{2}-"


def within_years(value):
    """Validator for a date or datetime (forms and serializers alike)."""
    day = value.date() if isinstance(value, datetime.datetime) else value
    if not EARLIEST <= day <= LATEST:
        raise ValidationError(out_of_years(), code="out_of_years")


def out_of_years():
    return _("Tanggal harus antara tahun %(first)d dan %(last)d.") % {
        "first": EARLIEST.year,
        "last": LATEST.year,
    }


@extend_schema_field({"type": "string", "format": "date-time", "pattern": YEARS_PATTERN})
class DateTimeField(serializers.DateTimeField):
    """DRF's, refusing a time outside EARLIEST…LATEST before DRF moves it to the current time
    zone: its own check of that move raised OverflowError near the year 1."""

    def to_internal_value(self, value):
        try:
            return super().to_internal_value(value)
        except serializers.ValidationError:
            # A '+' left unencoded in a query string arrives as a space ("…T07:00 07:00").
            if isinstance(value, str) and re.search(r" [0-9]{2}(:?[0-9]{2})?$", value):
                return super().to_internal_value(value[:-6] + value[-6:].replace(" ", "+"))
            raise

    def enforce_timezone(self, value):
        try:
            within_years(value)
        except ValidationError as refused:
            raise serializers.ValidationError(refused.messages) from None
        return super().enforce_timezone(value)


@extend_schema_field({"type": "string", "format": "date-time"})
class RangeDateTimeField(DateTimeField):
    """The same field (years 2000-2099 only) for the two ends of a range in one body, described
    without the year pattern: two patterned date-times in one body left the fuzz stage almost no
    cases to draw (a year outside is still a 400, as the operation's description says)."""


@extend_schema_field({"type": "string", "format": "date", "pattern": YEARS_PATTERN})
class DateField(serializers.DateField):
    """DRF's, with the same years."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators.append(within_years)
