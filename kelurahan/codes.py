"""Kemendagri area codes as text: 31 › 31.73 › 31.73.05 › 31.73.05.1001 › …1001.005 › ….005.003.

The one place that knows how a code is built. Everything else asks here for a code's level or
depth, its parent, its ancestors or whether one code lies under another, and never splits or
counts a code's dots itself.
"""

import re

from kelurahan.roles import DEPTH_LEVEL, LEVEL_DEPTH, Level

CODE_PATTERNS = {
    Level.PROVINSI: r"[0-9]{2}",
    Level.KOTA: r"[0-9]{2}\.[0-9]{2}",
    Level.KECAMATAN: r"[0-9]{2}\.[0-9]{2}\.[0-9]{2}",
    Level.KELURAHAN: r"[0-9]{2}\.[0-9]{2}\.[0-9]{2}\.[0-9]{4}",
    Level.RW: r"[0-9]{2}\.[0-9]{2}\.[0-9]{2}\.[0-9]{4}\.[0-9]{3}",
    Level.RT: r"[0-9]{2}\.[0-9]{2}\.[0-9]{2}\.[0-9]{4}\.[0-9]{3}\.[0-9]{3}",
}
# A code of any level (the API's schema gives it as the `pattern` of area parameters).
AREA_CODE_PATTERN = (
    r"[0-9]{2}(?:\.[0-9]{2}(?:\.[0-9]{2}(?:\.[0-9]{4}(?:\.[0-9]{3}(?:\.[0-9]{3})?)?)?)?)?"
)
PROVINCE = "31"  # DKI Jakarta


def depth_of(code):
    """1 for the province, 2 kota, 3 kecamatan, 4 kelurahan, 5 RW, 6 RT."""
    return code.count(".") + 1


def code_matches_level(code, level):
    return re.fullmatch(CODE_PATTERNS[level], code) is not None


def level_of_code(code):
    """The level a well-formed code belongs to, or None."""
    level = DEPTH_LEVEL.get(depth_of(code))
    return level if level and code_matches_level(code, level) else None


def parent_code_of(code):
    """'31.73.05.1001' -> '31.73.05'; '' for the province."""
    return code.rpartition(".")[0]


def ancestor_codes(code):
    """'31.73.05.1001' -> ['31', '31.73', '31.73.05'] (top first)."""
    parts = code.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def ancestor_at(code, level):
    """`code`'s ancestor (or itself) at `level`: 31.73.05.1001 at kecamatan → 31.73.05."""
    return ".".join(code.split(".")[: LEVEL_DEPTH[Level(level)]])


def covers(area_code, code):
    """True when `code` is `area_code` itself or lies below it."""
    return code == area_code or code.startswith(area_code + ".")


def common_ancestor(codes):
    """'31.73.05.1001' and '31.73.05.1002' → '31.73.05'; None when there is nothing in common."""
    common = None
    for code in codes:
        parts = code.split(".")
        if common is None:
            common = parts
            continue
        same = 0
        while same < min(len(common), len(parts)) and common[same] == parts[same]:
            same += 1
        common = common[:same]
    return ".".join(common) if common else None
