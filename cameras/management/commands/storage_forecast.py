from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from cameras.forecast import storage_forecast


def _size(count):
    for unit, scale in (("TB", 10**12), ("GB", 10**9)):
        if count >= scale:
            return f"{count / scale:,.1f} {unit}"
    return f"{count / 10**6:,.0f} MB"


class Command(BaseCommand):
    help = (
        "Print the disk each MediaMTX node needs for its recorded cameras: bitrate (measured over "
        "the last day, else CAMERA_BITRATE_KBPS) x retention (the camera's, else RECORDING_DAYS), "
        "against the node's space."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, help="Retention in days for every camera.")
        parser.add_argument("--kbps", type=int, help="Bitrate in kbit/s for every camera.")

    def handle(self, *, days, kbps, **options):
        forecasts = storage_forecast(days=days, kbps=kbps)
        header = [_("node"), _("kamera"), _("Mbit/s"), _("per hari"), _("dibutuhkan"), _("ruang")]
        rows = [header]
        for f in forecasts:
            available = f.bytes_available
            space = "?" if available is None else _size(available)
            if f.fits is False:
                space += " " + _("KURANG")
            rows.append(
                [
                    str(f.node),
                    str(f.cameras),
                    f"{f.kbps / 1000:,.1f}",
                    _size(f.bytes_per_day),
                    _size(f.bytes_needed),
                    space,
                ]
            )
        total = sum(f.bytes_needed for f in forecasts)
        widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
        for row in rows:
            self.stdout.write(
                "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
            )
        self.stdout.write(_("Total %s.") % _size(total))
