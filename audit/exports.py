"""CSV downloads of audit data (the viewing history, the trail), each announced with the
`exported` signal so that the export itself lands on the trail."""

import csv

from django.http import StreamingHttpResponse
from django.utils import timezone

from common.spreadsheets import safe_cell
from kelurahan.signals import exported

CSV_TIME = "%Y-%m-%d %H:%M:%S"


def csv_download(request, rows, *, what, form, header, row, filename):
    """Stream `rows` as a CSV for Excel (UTF-8 with BOM, WIB times), after recording the
    export: who, what, how many rows, with which filters, from where."""
    exported.send(
        sender=rows.model,  # rows may be a values_list: rows.model is still the model
        by=request.user,
        what=what,
        area_code=form.export_area(),
        rows=rows.count(),
        request=request,
        filters=form.filters(),
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    lines = _csv_lines(rows, header, row)
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}-{stamp}.csv"'
    return response


def wib_text(moment):
    return timezone.localtime(moment).strftime(CSV_TIME) if moment else ""


class _Line:
    """A file-like object whose write() hands the CSV line back instead of storing it."""

    def write(self, line):
        return line


async def _csv_lines(rows, header, row):
    # Asynchronous, so that daphne streams the rows instead of collecting them all first.
    writer = csv.writer(_Line())
    yield "\ufeff" + writer.writerow(header)  # the BOM makes Excel read UTF-8
    async for obj in rows.aiterator(chunk_size=1000):
        # User agents, names and notes are whatever a client sent.
        yield writer.writerow([safe_cell(cell) for cell in row(obj)])
