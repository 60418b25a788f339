from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from cameras.models import MediaNode
from cameras.nodes import place_unassigned


class Command(BaseCommand):
    help = (
        "Register a MediaMTX node, or update the one with this name (the admin edits them too). "
        "Cameras without a node are then placed on the least loaded nodes with room."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="Short name, e.g. n1.")
        parser.add_argument("--api-url", required=True, help="http://mediamtx1:9997")
        parser.add_argument("--hls-url", required=True, help="/hls/n1/ (through the proxy)")
        parser.add_argument("--playback-url", default="", help="/playback/n1/")
        parser.add_argument("--capacity", type=int, required=True, help="Cameras it may serve.")
        parser.add_argument("--storage-gb", type=int, help="Recording space, for the forecast.")

    def handle(self, *, name, api_url, hls_url, playback_url, capacity, storage_gb, **options):
        node = MediaNode.objects.filter(name=name).first() or MediaNode(name=name)
        node.api_url, node.hls_url, node.playback_url = api_url, hls_url, playback_url
        node.capacity, node.storage_gb = capacity, storage_gb
        try:
            node.full_clean()
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        created = node.pk is None
        node.save()
        placed, left = place_unassigned()
        self.stdout.write(
            (_("Node %s didaftarkan.") if created else _("Node %s diperbarui.")) % node.name
        )
        if placed or left:
            self.stdout.write(
                _("%(placed)d kamera ditempatkan, %(left)d tanpa tempat.")
                % {"placed": len(placed), "left": len(left)}
            )
