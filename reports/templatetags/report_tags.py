from django import template
from django.template.defaultfilters import floatformat

register = template.Library()


@register.filter
def report_cell(value):
    """A report cell as shown: a percentage (float) with one decimal, "—" for no data."""
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{floatformat(value, 1)}%"
    return value


@register.filter
def is_number(value):
    return isinstance(value, int | float) and not isinstance(value, bool)
