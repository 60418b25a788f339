from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from alerts.models import PROVINCE, Kind
from alerts.publish import publish_alert
from incidents.models import Severity
from kelurahan.models import Area


class Command(BaseCommand):
    help = (
        "Send an announcement alert to everyone whose area covers --area (default: the whole "
        "province), e.g. a BPBD flood warning."
    )

    def add_arguments(self, parser):
        parser.add_argument("text", help="the announcement (up to 200 characters)")
        parser.add_argument("--area", default=PROVINCE, help="area code (default 31: everyone)")
        parser.add_argument("--severity", default="sedang", choices=Severity.values)
        parser.add_argument("--link", default="", help="a page of the portal, e.g. /peta/")

    def handle(self, *args, text, area, severity, link, **options):
        if not Area.objects.filter(code=area).exists():
            raise CommandError(_("Wilayah %s tidak dikenal.") % area)
        if not text.strip() or len(text) > 200:
            raise CommandError(_("Pengumuman harus berisi 1–200 karakter."))
        if link and (not link.startswith("/") or link.startswith("//")):
            raise CommandError(_("Tautan harus halaman portal ini, diawali '/'."))
        with transaction.atomic():
            event = publish_alert(
                kind=Kind.ANNOUNCEMENT, area_code=area, severity=severity, title=text, link=link
            )
        self.stdout.write(_("Peringatan #%d dikirim.") % event.pk)
