"""The demo's maintainers: a vendor repairing the Kebon Jeruk cameras (with its technician,
`teknisi.kebonjeruk`) and Diskominfotik for the others. Joins `make demo` by `demo_seeded`."""

import secrets

from django.db import transaction
from django.dispatch import receiver
from django.utils.translation import gettext as _

from cameras.models import Camera
from kelurahan.models import Maintainer, RoleAssignment, User
from kelurahan.signals import demo_seeded

KEBON_JERUK = "31.73.05.1001"
TECHNICIAN = "teknisi.kebonjeruk"
# A made-up vendor: the demo names no real company.
VENDOR = "CV Kamera Barat (demo)"
DINAS = "Diskominfotik DKI Jakarta"


@transaction.atomic
def create_maintainers(password):
    """Maintainers, cameras without one given theirs, and the technician (if new) with
    `password`. Returns the technician when it was created."""
    vendor, _new = Maintainer.objects.get_or_create(
        name=VENDOR, defaults={"kind": Maintainer.Kind.VENDOR, "repair_hours": 48}
    )
    dinas, _new = Maintainer.objects.get_or_create(
        name=DINAS, defaults={"kind": Maintainer.Kind.DISKOMINFOTIK}
    )
    unassigned = Camera.objects.filter(maintainer__isnull=True)
    unassigned.filter(area__code__below=KEBON_JERUK).update(maintainer=vendor)
    unassigned.filter(area_id=KEBON_JERUK).update(maintainer=vendor)
    Camera.objects.filter(maintainer__isnull=True).update(maintainer=dinas)
    user, is_new = User.objects.get_or_create(
        username=TECHNICIAN,
        defaults={
            "first_name": "Yusuf",
            "last_name": "Teknisi",
            "email": f"{TECHNICIAN}@jakcctv.test",
        },
    )
    if not is_new:
        return None
    user.set_password(password)
    user.save(update_fields=["password"])
    RoleAssignment.objects.create(user=user, role="teknisi", maintainer=vendor)
    return user


@receiver(demo_seeded, dispatch_uid="demo-maintainers")
def _seed(sender, stdout, password=None, **kwargs):
    created = create_maintainers(password or secrets.token_urlsafe(16))
    state = _("baru") if created else _("sudah ada, kata sandi tidak diubah")
    stdout.write(f"  {TECHNICIAN:<18} Teknisi · {VENDOR} ({state})")
