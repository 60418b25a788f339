"""Maintainers, technicians and camera health for the maintenance tests."""

from cameras.health import record_status
from kelurahan.models import Maintainer, RoleAssignment
from kelurahan.roles import Role
from tests.personas import make_user

KJ, KJ2, TB = "kebonjeruk-simpang", "kebonjeruk-pasar", "tebet-eco-park-utara"


def maintainers(cameras):
    """A vendor for the Kebon Jeruk cameras, Diskominfotik for the rest; one technician each
    (teknisi.barat streams when granted, see `with_streams`)."""
    vendor = Maintainer.objects.create(name="CV Teknik Barat", kind="vendor", repair_hours=48)
    dinas = Maintainer.objects.create(name="Diskominfotik", kind="diskominfotik")
    for camera in cameras.values():
        camera.maintainer = vendor if camera.area_id.startswith("31.73.05.1001") else dinas
        camera.save(update_fields=["maintainer"])
    barat = make_user("teknisi.barat")
    RoleAssignment.objects.create(user=barat, role=Role.TEKNISI, maintainer=vendor)
    dinas_user = make_user("teknisi.dinas")
    RoleAssignment.objects.create(user=dinas_user, role=Role.TEKNISI, maintainer=dinas)
    return {"vendor": vendor, "dinas": dinas, "teknisi.barat": barat, "teknisi.dinas": dinas_user}


def went(camera, online, at):
    record_status(camera.pk, online=online, at=at)
