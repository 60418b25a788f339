import threading

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.retention import apply_retention
from common.repeat import fixed_clock, repeat
from common.retention import kinds


class Command(BaseCommand):
    help = (
        "Delete what is past its retention (RETENTION_VIEWING_DAYS, RETENTION_TRAIL_DAYS, "
        "RETENTION_ATTACHMENT_DAYS, RETENTION_ALERT_DAYS), print how much of each, and record "
        "the run on the accountability trail. --dry-run only counts; --every N repeats it every "
        "N seconds until Ctrl-C or SIGTERM (the deployment's retention worker: once a day)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help=_("Hanya hitung; tidak menghapus apa pun.")
        )
        parser.add_argument(
            "--every", type=float, metavar="SECONDS", help=_("Ulangi setiap sekian detik.")
        )
        parser.add_argument(
            "--now",
            metavar="ISO-8601",
            help=_("Anggap waktu sekarang ini (menguji atau mengulang retensi)."),
        )

    def handle(self, dry_run=False, now=None, every=None, **options):
        clock = fixed_clock(now) if now else timezone.now
        if every is None:
            self.apply(clock(), dry_run)
            return
        self.loop(every, clock, dry_run, stop=threading.Event())

    def loop(self, every, clock, dry_run, *, stop):
        """Apply the retention every `every` seconds until `stop` is set (SIGINT, SIGTERM)."""
        repeat(
            every,
            lambda: self.apply(clock(), dry_run),
            stop=stop,
            failed=lambda error: self.stderr.write(_("Retensi gagal, dicoba lagi: %s") % error),
            started=lambda: self.stdout.write(
                _("Retensi data setiap %s detik (Ctrl-C untuk berhenti).") % f"{every:g}"
            ),
        )
        self.stdout.write(_("Retensi data dihentikan."))

    def apply(self, moment, dry_run):
        counts = apply_retention(now=moment, dry_run=dry_run)
        stamp = timezone.localtime(moment).strftime("%d-%m-%Y %H.%M")
        if dry_run:
            self.stdout.write(_("Uji coba (%s WIB): tidak ada yang dihapus.") % stamp)
        else:
            self.stdout.write(_("Retensi data %s WIB:") % stamp)
        for kept in kinds():
            days = getattr(settings, kept.setting)
            if days <= 0:
                forever = _("disimpan selamanya (%s=0)") % kept.setting
                self.stdout.write(f"  {kept.label}: {forever}")
                continue
            verb = _("akan dihapus") if dry_run else _("dihapus")
            older = _("lebih dari %d hari") % days
            self.stdout.write(f"  {kept.label} ({older}): {counts[kept.key]} {verb}")
