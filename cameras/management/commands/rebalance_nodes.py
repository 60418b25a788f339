from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from cameras.models import MediaNode
from cameras.nodes import fair_shares, rebalance


class Command(BaseCommand):
    help = (
        "Spread the active cameras over the media nodes in proportion to their capacity (after a "
        "node is added, or to empty one marked not to take new cameras): cameras move from the "
        "nodes furthest above their share to the least loaded ones. --dry-run prints the plan "
        "without moving anything."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Print the plan, move nothing.")

    def handle(self, *, dry_run, **options):
        before = {node.name: node.load for node in MediaNode.objects.with_load()}
        moves = rebalance(dry_run=dry_run)
        if dry_run:
            self.stdout.write(_("Rencana (belum dijalankan):"))
        for move in moves:
            self.stdout.write(f"  {move.code}: {move.source} -> {move.target}")
        after = dict(before)
        for move in moves:
            after[move.source] -= 1
            after[move.target] += 1
        nodes = sorted(MediaNode.objects.with_load(), key=lambda node: node.name)
        shares = fair_shares(nodes, sum(before.values()))
        for node in nodes:
            self.stdout.write(
                _(
                    "%(node)s: %(before)d -> %(after)d kamera (bagian %(share)d, kapasitas "
                    "%(capacity)d)"
                )
                % {
                    "node": node.name,
                    "before": before[node.name],
                    "after": after[node.name],
                    "share": shares[node.pk],
                    "capacity": node.capacity,
                }
            )
        if not moves:
            self.stdout.write(_("Beban node sudah seimbang; tidak ada kamera dipindah."))
        elif dry_run:
            self.stdout.write(_("%d kamera akan dipindah.") % len(moves))
        else:
            self.stdout.write(
                _(
                    "%d kamera dipindah. Jalurnya pindah pada sinkronisasi berikutnya "
                    "(run_streams dalam 30 detik, atau sync_mediamtx). Rekaman sebelum pindah "
                    "tetap di node asalnya dan diputar ulang dari sana."
                )
                % len(moves)
            )
