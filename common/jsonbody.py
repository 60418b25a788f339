"""JSON from outside the portal (API request bodies, MediaMTX's hook, the alerts socket), read
by one function that refuses nesting deeper than MAX_DEPTH.

Python's parser recurses once per level: a body nested a few thousand levels deep raised
RecursionError (a 500) instead of a refusal, and anything that walks the parsed value
recursively would fail the same way. No request the portal understands goes past 3 levels.
"""

import json

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_DEPTH = 32


class NotJSON(ValueError):
    """Not JSON the portal accepts; `message` says why, in the user's language."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def loads(raw):
    """The value of `raw` (bytes or text); raises NotJSON when it is not JSON, has NaN or
    Infinity (not JSON either), or nests deeper than MAX_DEPTH."""
    try:
        value = json.loads(raw, parse_constant=_refuse_constant)
    except RecursionError:
        raise NotJSON(_too_deep()) from None
    except ValueError:  # also UnicodeDecodeError
        raise NotJSON(_("Isi permintaan bukan JSON yang valid.")) from None
    if depth_of(value) > MAX_DEPTH:
        raise NotJSON(_too_deep())
    return value


def depth_of(value):
    """How deeply `value` nests lists and objects (a scalar: 0), without recursion; stops
    counting past MAX_DEPTH."""
    deepest = 0
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            break
        pending.extend((child, depth + 1) for child in children)
    return deepest


def _refuse_constant(name):
    raise ValueError(name)


def _too_deep():
    return _("JSON bersarang terlalu dalam (paling banyak %d tingkat).") % MAX_DEPTH


class JSONParser(parsers.JSONParser):
    """DRF's (REST_FRAMEWORK's default), reading through `loads`."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return loads(stream.read())
        except NotJSON as refused:
            raise ParseError(refused.message) from None
