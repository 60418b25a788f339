from django import template
from django.utils import timezone
from django.utils.formats import date_format

register = template.Library()


@register.filter
def wib(value, fmt="j M Y H.i"):
    """A datetime in Jakarta time with its zone spelled out: '23 Nov 2026 14.05 WIB'."""
    if not value:
        return ""
    return f"{date_format(timezone.localtime(value), fmt)} WIB"


@register.simple_tag
def now_wib():
    return wib(timezone.now(), "l, j F Y H.i")
