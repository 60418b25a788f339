"""Demo data for `make demo` and the browser tests: areas, RW/RT and one user per role."""

from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from kelurahan.areas_import import (
    OFFICIAL_AREAS,
    OFFICIAL_BOUNDARIES,
    import_areas,
    import_boundaries,
)
from kelurahan.models import Area, RoleAssignment, User
from kelurahan.roles import Level, Role

DEMO_AREAS_CSV = Path(__file__).resolve().parent / "fixtures" / "demo_areas.csv"
DEMO_KELURAHAN = [
    "31.73.05.1001",  # Kebon Jeruk
    "31.74.01.1002",  # Tebet Barat
    "31.74.01.1001",  # Tebet Timur
    "31.74.07.1002",  # Gunung (Taman Leuser)
    "31.74.07.1004",  # Selong (Taman Langsat)
]
RW_PER_KELURAHAN = 5
RT_PER_RW = 4


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: Role
    area_code: str


DEMO_USERS = [
    DemoUser("admin.provinsi", "Dewi", "Lestari", Role.ADMIN_PROVINSI, "31"),
    DemoUser("operator.jakbar", "Bambang", "Sutrisno", Role.OPERATOR, "31.73"),
    DemoUser("operator.tebet", "Hendra", "Wijaya", Role.OPERATOR, "31.74.01"),
    DemoUser("staf.kebonjeruk", "Siti", "Rahmawati", Role.STAF_KELURAHAN, "31.73.05.1001"),
    DemoUser("piket.kebonjeruk", "Agus", "Salim", Role.PETUGAS_PIKET, "31.73.05.1001"),
    DemoUser("fkdm.kebonjeruk", "Rudi", "Hartono", Role.RELAWAN_FKDM, "31.73.05.1001"),
    DemoUser("staf.tebetbarat", "Rina", "Marlina", Role.STAF_KELURAHAN, "31.74.01.1002"),
    DemoUser("piket.tebetbarat", "Joko", "Prasetyo", Role.PETUGAS_PIKET, "31.74.01.1002"),
    DemoUser("fkdm.tebetbarat", "Nur", "Aisyah", Role.RELAWAN_FKDM, "31.74.01.1002"),
]


def load_areas(*, stream=None):
    """The whole official list of Jakarta with its kelurahan boundaries, and demo RW/RT."""
    import_areas(OFFICIAL_AREAS, stream=stream)
    import_boundaries(OFFICIAL_BOUNDARIES, stream=stream)
    create_rw_rt()


@transaction.atomic
def create_rw_rt():
    """A few RW and RT under each demo kelurahan (official lists of RW/RT are not public)."""
    areas = []
    for kelurahan in DEMO_KELURAHAN:
        for rw in range(1, RW_PER_KELURAHAN + 1):
            rw_code = f"{kelurahan}.{rw:03d}"
            areas.append(
                Area(code=rw_code, name=f"RW {rw:03d}", level=Level.RW, parent_id=kelurahan)
            )
            for rt in range(1, RT_PER_RW + 1):
                areas.append(
                    Area(
                        code=f"{rw_code}.{rt:03d}",
                        name=f"RT {rt:03d}/RW {rw:03d}",
                        level=Level.RT,
                        parent_id=rw_code,
                    )
                )
    Area.objects.bulk_create(areas, ignore_conflicts=True)


@transaction.atomic
def create_users(password):
    """Create missing demo users with `password`; existing ones keep theirs and their roles."""
    created = []
    for demo in DEMO_USERS:
        user, is_new = User.objects.get_or_create(
            username=demo.username,
            defaults={
                "first_name": demo.first_name,
                "last_name": demo.last_name,
                "email": f"{demo.username}@jakcctv.test",
            },
        )
        if is_new:
            user.set_password(password)
            user.save(update_fields=["password"])
            RoleAssignment.objects.create(user=user, role=demo.role, area_id=demo.area_code)
            created.append(user)
    return created
