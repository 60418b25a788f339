"""The permission table, live assignments and the scoping door, tested directly."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kelurahan.access import can, roles_grantable_by, scope_codes
from kelurahan.models import Area, RoleAssignment
from kelurahan.roles import PERMISSIONS, Action, Role
from tests.personas import KEBON_JERUK, TEBET_BARAT, make_user

pytestmark = pytest.mark.django_db


def test_volunteers_never_see_reporters_or_camera_sources():
    assert Action.SEE_REPORTER_IDENTITY not in PERMISSIONS[Role.RELAWAN_FKDM]
    assert Action.SEE_CAMERA_SOURCE not in PERMISSIONS[Role.RELAWAN_FKDM]
    assert Action.SEE_CAMERA_SOURCE not in PERMISSIONS[Role.OPERATOR]
    area_roles = [role for role in PERMISSIONS if role != Role.TEKNISI]
    assert all(Action.VIEW_STREAMS in PERMISSIONS[role] for role in area_roles)


def test_technicians_never_stream_or_see_areas_by_default():
    # A technician watches only when the provincial admin ticks it on the assignment.
    assert not {Action.VIEW, Action.VIEW_STREAMS} & PERMISSIONS[Role.TEKNISI]


def test_can_follows_area_and_role(demo_users):
    fkdm, staf = demo_users["fkdm.kebonjeruk"], demo_users["staf.kebonjeruk"]
    rt_in_kebon_jeruk = Area.objects.get(code="31.73.05.1001.002.003")
    assert can(fkdm, Action.CREATE_INCIDENT, rt_in_kebon_jeruk)
    assert not can(fkdm, Action.CREATE_INCIDENT, TEBET_BARAT)
    assert not can(fkdm, Action.SEE_REPORTER_IDENTITY, KEBON_JERUK)
    assert can(staf, Action.SEE_REPORTER_IDENTITY, KEBON_JERUK)
    assert not can(staf, Action.VIEW, "31.73.05")  # the kecamatan above is not theirs
    assert can(demo_users["operator.jakbar"], Action.VIEW, KEBON_JERUK)
    assert not can(demo_users["operator.jakbar"], Action.VIEW, TEBET_BARAT)
    assert can(demo_users["admin.provinsi"], Action.SEE_CAMERA_SOURCE, TEBET_BARAT)


def test_managing_roles_only_below_ones_own(demo_users):
    staf, operator = demo_users["staf.kebonjeruk"], demo_users["operator.jakbar"]
    grant_piket = RoleAssignment(role=Role.PETUGAS_PIKET, area_id=KEBON_JERUK)
    grant_staf = RoleAssignment(role=Role.STAF_KELURAHAN, area_id=KEBON_JERUK)
    assert can(staf, Action.MANAGE_ROLES, grant_piket)
    assert not can(staf, Action.MANAGE_ROLES, grant_staf)  # not their own rank
    assert can(operator, Action.MANAGE_ROLES, grant_staf)
    assert not can(
        operator, Action.MANAGE_ROLES, RoleAssignment(role=Role.PETUGAS_PIKET, area_id=TEBET_BARAT)
    )
    assert roles_grantable_by(staf, KEBON_JERUK) == [Role.PETUGAS_PIKET, Role.RELAWAN_FKDM]
    assert roles_grantable_by(staf, TEBET_BARAT) == []
    assert Role.OPERATOR not in roles_grantable_by(operator, KEBON_JERUK)
    assert roles_grantable_by(demo_users["fkdm.kebonjeruk"], KEBON_JERUK) == []


def test_only_live_assignments_grant_anything(lapsed_users, demo_users):
    for user in lapsed_users.values():
        assert scope_codes(user) == [], user.username
        assert not can(user, Action.VIEW, KEBON_JERUK), user.username
    assert scope_codes(demo_users["piket.kebonjeruk"]) == [KEBON_JERUK]


def test_expiry_takes_effect_without_any_change_to_the_row(demo_areas):
    soon = timezone.now() + timezone.timedelta(seconds=30)
    user = make_user("sementara", Role.RELAWAN_FKDM, KEBON_JERUK, valid_until=soon)
    assert RoleAssignment.objects.live().filter(user=user).exists()
    later = soon + timezone.timedelta(seconds=1)
    assert not RoleAssignment.objects.live(at=later).filter(user=user).exists()


def test_scope_is_the_smallest_covering_set(demo_areas):
    user = make_user("ganda", Role.OPERATOR, "31.73")
    RoleAssignment.objects.create(user=user, role=Role.RELAWAN_FKDM, area_id=KEBON_JERUK)
    RoleAssignment.objects.create(user=user, role=Role.RELAWAN_FKDM, area_id=TEBET_BARAT)
    assert scope_codes(user, fresh=True) == ["31.73", TEBET_BARAT]
    # Only assignments whose role allows the action count for it.
    assert scope_codes(user, Action.RESOLVE_INCIDENT, fresh=True) == ["31.73"]
    visible = set(Area.objects.visible_to(user).values_list("code", flat=True))
    assert KEBON_JERUK in visible and TEBET_BARAT in visible
    assert "31.74.01.1001" not in visible and "31.74" not in visible


def test_roles_are_assigned_at_their_level_only(demo_areas):
    wrong = [
        (Role.ADMIN_PROVINSI, "31.73"),
        (Role.OPERATOR, KEBON_JERUK),
        (Role.STAF_KELURAHAN, "31.74.01"),
        (Role.PETUGAS_PIKET, "31.73.05.1001.001"),
    ]
    user = make_user("salah.tingkat")
    for role, code in wrong:
        with pytest.raises(ValidationError):
            RoleAssignment(user=user, role=role, area_id=code).full_clean()
    RoleAssignment(user=user, role=Role.RELAWAN_FKDM, area_id="31.73.05.1001.001").full_clean()
    RoleAssignment(user=user, role=Role.OPERATOR, area_id="31.74.01").full_clean()


def test_readme_permission_table_matches_the_code(settings):
    readme = (settings.BASE_DIR / "README.md").read_text(encoding="utf-8")
    table = readme.split("<!-- permissions-table -->")[1].split("<!-- /permissions-table -->")[0]
    rows = [line.strip("|").split("|") for line in table.strip().splitlines()]
    roles = [cell.strip() for cell in rows[0][1:]]
    documented = {
        Role(role): {row[0].strip(" `") for row in rows[2:] if row[i + 1].strip() == "✓"}
        for i, role in enumerate(roles)
    }
    assert documented == {role: {a.value for a in actions} for role, actions in PERMISSIONS.items()}
