"""Cells of the CSV downloads (viewing history, accountability trail, reports), for Excel and
LibreOffice: nothing a user or a browser typed may run there as a formula."""

import unicodedata

# A cell starting with one of these is read as a formula (tab and carriage return: once the
# spreadsheet trims or splits the cell).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """`value` as text, behind an apostrophe when a spreadsheet would run it as a formula.

    Spreadsheets fold the full-width and small forms of = + - @ (U+FF1D, U+FF0B, U+FF0D,
    U+FF20, U+FE62, ...) into the plain ones, so the first character is compared in its NFKC
    form, which folds them the same way.
    """
    text = str(value)
    if unicodedata.normalize("NFKC", text[:1]).startswith(FORMULA_STARTS):
        return "'" + text
    return text
