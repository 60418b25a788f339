"""Maintenance reports: time to repair by maintainer and by kelurahan, cameras dead for more
than 7 days, and each repaired camera's uptime in the week before its ticket and the week after.

Tickets come only from `Ticket.objects.visible_to(user, Action.EXPORT)` and cameras from
`Camera.objects.visible_to(user, Action.EXPORT)`: a report counts what its reader may export.
"""

import statistics
from datetime import timedelta

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cameras.health import uptime
from cameras.models import Camera
from kelurahan.models import Area, Maintainer, in_areas
from kelurahan.roles import LEVEL_DEPTH, Action, Level
from maintenance.models import Status, Ticket
from reports.report import Table

MAINTENANCE_TABLES = {
    "perbaikan-pemelihara": gettext_lazy("Waktu perbaikan per pemelihara"),
    "perbaikan-wilayah": gettext_lazy("Waktu perbaikan per kelurahan"),
    "kamera-mati": gettext_lazy("Kamera mati lebih dari 7 hari"),
    "uptime-perbaikan": gettext_lazy("Uptime sebelum dan sesudah perbaikan"),
}
DEAD_AFTER = timedelta(days=7)
UPTIME_WINDOW = timedelta(days=7)
UPTIME_ROWS = 100  # the most recent repairs (each costs its own uptime windows)


class MaintenanceReport:
    def __init__(self, *, user, days, now):
        self.user, self.days, self.now = user, days, now
        self.since = now - timedelta(days=days)

    def tickets(self):
        return Ticket.objects.visible_to(self.user, Action.EXPORT).filter(opened_at__gte=self.since)

    def table(self, slug):
        return getattr(self, "_" + slug.replace("-", "_"))()

    def tables(self):
        return [self.table(slug) for slug in MAINTENANCE_TABLES]

    def _repair_rows(self, key, names):
        groups = {}
        for group, opened, closed, deadline in self.tickets().values_list(
            key, "opened_at", "closed_at", "deadline"
        ):
            groups.setdefault(group, []).append((opened, closed, deadline))
        rows = []
        for group, tickets in sorted(groups.items(), key=lambda item: str(names(item[0]))):
            hours = [(c - o).total_seconds() / 3600 for o, c, _d in tickets if c]
            late = sum(1 for _o, c, d in tickets if (c or self.now) > d)
            rows.append(
                [
                    names(group),
                    len(tickets),
                    len(hours),
                    round(statistics.median(hours), 1) if hours else None,
                    late,
                ]
            )
        return rows

    def _header(self, first):
        return [
            first,
            _("Tiket"),
            _("Ditutup"),
            _("Median jam sampai ditutup"),
            _("Lewat batas"),
        ]

    def _perbaikan_pemelihara(self):
        names = dict(Maintainer.objects.values_list("pk", "name"))
        rows = self._repair_rows("maintainer_id", lambda pk: names.get(pk, _("Tanpa pemelihara")))
        return Table(
            "perbaikan-pemelihara",
            str(MAINTENANCE_TABLES["perbaikan-pemelihara"]),
            self._header(_("Pemelihara")),
            rows,
        )

    def _perbaikan_wilayah(self):
        depth = LEVEL_DEPTH[Level.KELURAHAN]
        kelurahan_of = lambda code: ".".join(code.split(".")[:depth])  # noqa: E731
        groups = {}
        for row in self._repair_rows("area_id", lambda code: code):
            groups.setdefault(kelurahan_of(row[0]), []).append(row)
        names = dict(Area.objects.filter(code__in=groups).values_list("code", "name"))
        rows = []
        for code, parts in sorted(groups.items()):
            tickets = sum(p[1] for p in parts)
            rows.append(
                [
                    code,
                    names.get(code, code),
                    tickets,
                    sum(p[2] for p in parts),
                    # The median of medians of RW/RT rows would mislead: recompute over tickets.
                    self._median_hours(code),
                    sum(p[4] for p in parts),
                ]
            )
        return Table(
            "perbaikan-wilayah",
            str(MAINTENANCE_TABLES["perbaikan-wilayah"]),
            [_("Kode"), *self._header(_("Kelurahan"))],
            rows,
        )

    def _median_hours(self, kelurahan):
        hours = [
            (c - o).total_seconds() / 3600
            for o, c in self.tickets()
            .filter(in_areas("area__code", [kelurahan]), closed_at__isnull=False)
            .values_list("opened_at", "closed_at")
        ]
        return round(statistics.median(hours), 1) if hours else None

    def _kamera_mati(self):
        dead = (
            Camera.objects.visible_to(self.user, Action.EXPORT)
            .streamable()
            .filter(online=False, online_changed_at__lte=self.now - DEAD_AFTER)
            .select_related("area", "maintainer")
            .order_by("online_changed_at")
        )
        rows = [
            [
                camera.code,
                camera.name,
                camera.area.name,
                camera.maintainer.name if camera.maintainer else "",
                (self.now - camera.online_changed_at).days,
            ]
            for camera in dead
        ]
        return Table(
            "kamera-mati",
            str(MAINTENANCE_TABLES["kamera-mati"]),
            [_("Kode"), _("Kamera"), _("Wilayah"), _("Pemelihara"), _("Hari mati")],
            rows,
        )

    def _uptime_perbaikan(self):
        closed = (
            self.tickets()
            .filter(status=Status.CLOSED)
            .select_related("camera")
            .order_by("-closed_at")[:UPTIME_ROWS]
        )
        rows = []
        for ticket in closed:
            camera = ticket.camera_id
            before = uptime([camera], ticket.opened_at - UPTIME_WINDOW, ticket.opened_at)[camera]
            after_end = min(self.now, ticket.closed_at + UPTIME_WINDOW)
            after = uptime([camera], ticket.closed_at, after_end)[camera]
            rows.append(
                [
                    f"#{ticket.pk}",
                    ticket.camera.code,
                    ticket.get_reason_display(),
                    round(before * 100, 1),
                    round(after * 100, 1),
                ]
            )
        return Table(
            "uptime-perbaikan",
            str(MAINTENANCE_TABLES["uptime-perbaikan"]),
            [
                _("Tiket"),
                _("Kamera"),
                _("Alasan"),
                _("Uptime 7 hari sebelum (%)"),
                _("Uptime 7 hari sesudah (%)"),
            ],
            rows,
            note=_("Paling banyak %d perbaikan terakhir.") % UPTIME_ROWS,
        )
