"""Reading answers in the tests: whether a list shows an object, whatever its layout."""

import json


def json_rows(body):
    """The rows of a JSON list answer (a DRF page or a plain list); none for anything else."""
    try:
        data = json.loads(body)
    except ValueError:
        return []
    if isinstance(data, dict):
        data = data.get("results", [])
    return [row for row in data if isinstance(row, dict)] if isinstance(data, list) else []


def shows(body, marker):
    """Whether an answer shows `marker`: a piece of HTML, or a JSON row given by some fields."""
    if isinstance(marker, dict):
        return any(marker.items() <= row.items() for row in json_rows(body))
    return marker in body
