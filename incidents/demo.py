"""The demo's agencies: real offices that serve the demo areas, so that forwarding can be tried.

Telephone numbers are only the official national emergency numbers (112 for any emergency,
113 for fire, 110 for the police); the demo invents no office numbers, addresses or emails.
"""

from dataclasses import dataclass

from django.db import transaction
from django.dispatch import receiver
from django.utils.translation import gettext as _

from incidents.models import Agency
from kelurahan.models import Area
from kelurahan.signals import demo_seeded


@dataclass(frozen=True)
class DemoAgency:
    name: str
    kind: str
    areas: tuple  # the area codes it serves (and so everything below them)
    phone: str = ""


DEMO_AGENCIES = [
    DemoAgency("Sudin Gulkarmat Jakarta Barat", Agency.Kind.DAMKAR, ("31.73",), "113"),
    DemoAgency("Sudin Gulkarmat Jakarta Selatan", Agency.Kind.DAMKAR, ("31.74",), "113"),
    DemoAgency("BPBD Provinsi DKI Jakarta", Agency.Kind.BPBD, ("31",), "112"),
    DemoAgency("Satpol PP Kecamatan Kebon Jeruk", Agency.Kind.SATPOL_PP, ("31.73.05",), "112"),
    DemoAgency("Polsek Kebon Jeruk", Agency.Kind.POLISI, ("31.73.05",), "110"),
    DemoAgency("Polsek Tebet", Agency.Kind.POLISI, ("31.74.01",), "110"),
    DemoAgency("Dinas Perhubungan Provinsi DKI Jakarta", Agency.Kind.DISHUB, ("31",)),
    DemoAgency("Dinas Sumber Daya Air Provinsi DKI Jakarta", Agency.Kind.DINAS_SDA, ("31",)),
    DemoAgency("PLN UP3 Kebon Jeruk", Agency.Kind.PLN, ("31.73",)),
]


@transaction.atomic
def create_agencies():
    """Create the demo agencies that are missing (by name); returns the new ones. Existing ones
    are left as an admin may have edited them. Areas not imported are skipped."""
    known = set(
        Area.objects.filter(code__in={c for a in DEMO_AGENCIES for c in a.areas}).values_list(
            "code", flat=True
        )
    )
    created = []
    for demo in DEMO_AGENCIES:
        agency, is_new = Agency.objects.get_or_create(
            name=demo.name, defaults={"kind": demo.kind, "phone": demo.phone}
        )
        if is_new:
            agency.areas.set([code for code in demo.areas if code in known])
            created.append(agency)
    return created


@receiver(demo_seeded, dispatch_uid="demo-agencies")
def _seed(sender, stdout, **kwargs):
    stdout.write(_("Instansi demo baru: %d") % len(create_agencies()))
