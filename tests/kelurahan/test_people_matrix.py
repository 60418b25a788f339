"""The leak matrix of people and roles management: every persona × every management page and API
endpoint × people and assignments inside and outside their area, reading and changing.

The expectation is written independently of the code under test. A manager (admin_provinsi,
operator, staf_kelurahan) sees a person when one of the person's assignments lies in (or below)
the manager's area; they may change an assignment (grant, revoke) when it lies in their area and
its role ranks below their own; they may deactivate a person when they may change every current
role of theirs. Everyone else is refused: anonymous visitors and people whose access lapsed are
sent to sign in (pages) or refused (API), other roles get 403, and a manager gets 404 for what
lies outside their area, as if it did not exist.
"""

import io
from dataclasses import dataclass

import pytest
from django.db.models import F
from django.test import Client

from kelurahan.demo import DEMO_USERS
from kelurahan.models import PeopleImport, RoleAssignment, User
from kelurahan.people.importing import import_people
from kelurahan.roles import Role
from tests.answers import shows
from tests.figures import MATRIX_CASES
from tests.personas import enrol_totp, make_user

pytestmark = pytest.mark.django_db
JSON = "application/json"
RANKS = {
    "admin_provinsi": 5,
    "operator": 4,
    "staf_kelurahan": 3,
    "petugas_piket": 2,
    "relawan_fkdm": 1,
}
MANAGING = {"admin_provinsi", "operator", "staf_kelurahan"}
REFUSED = {302, 401, 403, 404}

# People to look at besides the personas themselves: a neighbouring kelurahan and an RW.
EXTRA_PEOPLE = [
    ("staf.sukabumiutara", Role.STAF_KELURAHAN, "31.73.05.1002"),
    ("fkdm.rw.kebonjeruk", Role.RELAWAN_FKDM, "31.73.05.1001.002"),
    ("fkdm.rt.tebetbarat", Role.RELAWAN_FKDM, "31.74.01.1002.001.001"),
]
# What each persona tries to change: (label, role held, area, role granted to them, where).
TARGETS = [
    ("fkdm-kj", Role.RELAWAN_FKDM, "31.73.05.1001", Role.PETUGAS_PIKET, "31.73.05.1001"),
    ("fkdm-tb-rw", Role.RELAWAN_FKDM, "31.74.01.1002.003", Role.RELAWAN_FKDM, "31.74.01.1002"),
    ("staf-su", Role.STAF_KELURAHAN, "31.73.05.1002", Role.RELAWAN_FKDM, "31.73.05.1002"),
    ("operator-tebet", Role.OPERATOR, "31.74.01", Role.STAF_KELURAHAN, "31.74.01.1002"),
    # A staff member can never hand out an operator role: only the admin may here.
    ("piket-tb", Role.PETUGAS_PIKET, "31.74.01.1002", Role.OPERATOR, "31.74.01"),
]


def _covers(area, code):
    return code == area or code.startswith(area + ".")


@dataclass(frozen=True)
class Persona:
    name: str
    client: Client
    grants: tuple = ()  # (role, area) of live assignments
    signed_in: bool = True  # with a live role (else sent to sign in on every request)

    @property
    def manages(self):
        return any(role in MANAGING for role, _area in self.grants)

    def sees(self, area):
        return any(role in MANAGING and _covers(a, area) for role, a in self.grants)

    def may_change(self, role, area):
        return any(
            r in MANAGING and _covers(a, area) and RANKS[r] > RANKS[role] for r, a in self.grants
        )


@pytest.fixture
def personas(demo_users, lapsed_users):
    people = []
    for demo in DEMO_USERS:
        user = demo_users[demo.username]
        if demo.role == Role.ADMIN_PROVINSI:
            enrol_totp(user)
        client = Client()
        client.force_login(user)
        people.append(Persona(demo.username, client, ((demo.role.value, demo.area_code),)))
    for name, user in lapsed_users.items():
        client = Client()
        client.force_login(user)
        people.append(Persona(name, client, signed_in=False))
    people.append(Persona("anonymous", Client(), signed_in=False))
    return people


@dataclass(frozen=True)
class Probe:
    username: str
    person: int
    assignment: int
    area: str


# One person at every level, inside and outside each manager's area, and someone whose access
# lapsed (managers still see them: they may give them a role again).
PROBE_PEOPLE = [
    "admin.provinsi",  # 31
    "operator.jakbar",  # Jakarta Barat
    "fkdm.kebonjeruk",  # Kelurahan Kebon Jeruk
    "fkdm.rw.kebonjeruk",  # an RW in Kebon Jeruk
    "revoked.kebonjeruk",  # Kebon Jeruk, revoked
    "staf.sukabumiutara",  # Kebon Jeruk's neighbour
    "operator.tebet",  # Kecamatan Tebet
    "fkdm.rt.tebetbarat",  # an RT in Tebet Barat
]


@pytest.fixture
def probes(demo_users, lapsed_users):
    for username, role, area in EXTRA_PEOPLE:
        make_user(username, role, area)
    assignments = RoleAssignment.objects.filter(user__username__in=PROBE_PEOPLE)
    found = [
        Probe(a.user.username, a.user_id, a.pk, a.area_id)
        for a in assignments.select_related("user")
    ]
    assert len(found) == len(PROBE_PEOPLE)
    return found


def _refusal(persona, response, where):
    """How `persona` must be turned away from what they may not see."""
    if not persona.signed_in:
        assert response.status_code in REFUSED - {404}, where
    elif not persona.manages:
        assert response.status_code == 403, where
    else:
        assert response.status_code == 404, where


def _check(persona, response, visible, expected, where):
    if visible:
        assert response.status_code == expected, where
    else:
        _refusal(persona, response, where)


def _reads(persona, probe, get):
    """Every page and API answer a person or assignment can show up in: (where, response,
    marker or None for a single object). `get` remembers answers: lists are asked once."""
    yield "page person", get(f"/kelola/orang/{probe.person}/"), None
    yield "page list", get("/kelola/orang/"), f'data-person="{probe.username}"'
    search = get(f"/kelola/orang/?q={probe.username}")
    yield "page search", search, f'data-person="{probe.username}"'
    by_area = get(f"/kelola/orang/?area={probe.area}")
    yield "page list by area", by_area, f'data-person="{probe.username}"'
    yield "api person", get(f"/api/v1/people/{probe.person}/"), None
    listed = get("/api/v1/people/?page_size=1000")
    yield "api people", listed, {"username": probe.username}
    found = get(f"/api/v1/people/?q={probe.username}")
    yield "api people search", found, {"username": probe.username}
    yield "api assignment", get(f"/api/v1/assignments/{probe.assignment}/"), None
    listed = get("/api/v1/assignments/?page_size=1000")
    yield "api assignments", listed, {"id": probe.assignment}
    by_person = get(f"/api/v1/assignments/?person={probe.person}")
    yield "api assignments by person", by_person, {"id": probe.assignment}
    by_area = get(f"/api/v1/assignments/?area={probe.area}&page_size=1000")
    yield "api assignments by area", by_area, {"id": probe.assignment}


def _remembering(client):
    answers = {}

    def get(url):
        if url not in answers:
            answers[url] = client.get(url)
        return answers[url]

    return get


def test_leak_matrix_people_reading(personas, probes):
    cases = 0
    for persona in personas:
        get = _remembering(persona.client)
        for probe in probes:
            visible = persona.sees(probe.area)
            for name, response, marker in _reads(persona, probe, get):
                where = f"{persona.name} → {name} → {probe.username}: {response.status_code}"
                body = response.content.decode()
                if marker is None:
                    _check(persona, response, visible, 200, where)
                    if not visible and probe.username != persona.name:
                        assert probe.username not in body, where
                elif persona.manages:
                    assert response.status_code == 200, where
                    assert shows(body, marker) is visible, where
                else:
                    _refusal(persona, response, where)
                    assert not shows(body, marker), where
                cases += 1
    MATRIX_CASES["people and roles management"] = (
        MATRIX_CASES.get("people and roles management", 0) + cases
    )


def _targets(persona, copy):
    """Fresh people for one persona to act on (each write may happen once)."""
    made = {}
    for label, role, area, _grant_role, _grant_area in TARGETS:
        person = make_user(f"{label}.{persona.name}.{copy}", role, area)
        person.set_unusable_password()  # invited, has not set a password yet
        person.save()
        made[label] = person
    return made


def _writes(persona):
    """Every change a persona can try on each target: (where, response, allowed, expected when
    allowed, expected when visible but not allowed, check that it happened or not)."""
    c = persona.client
    pages, api = _targets(persona, "page"), _targets(persona, "api")
    for label, role, area, grant_role, grant_area in TARGETS:
        visible = persona.sees(area)
        may = persona.may_change(role, area)
        may_grant = persona.may_change(grant_role, grant_area)
        for kind, person in (("page", pages[label]), ("api", api[label])):
            assignment = RoleAssignment.objects.get(user=person)
            if kind == "page":
                reinvite = c.post(f"/kelola/orang/{person.pk}/undang-ulang/")
                revoke = c.post(f"/kelola/orang/penugasan/{assignment.pk}/cabut/")
                grant = c.post(
                    f"/kelola/orang/{person.pk}/peran/", {"role": grant_role, "area": grant_area}
                )
                deactivate = c.post(f"/kelola/orang/{person.pk}/nonaktifkan/")
                codes = {"revoke": (302, 403), "grant": (302, 400), "deactivate": (302, 403)}
                codes["reinvite"] = (302, 403)
            else:
                reinvite = c.post(f"/api/v1/people/{person.pk}/reinvite/")
                revoke = c.post(f"/api/v1/assignments/{assignment.pk}/revoke/")
                body = {"person": person.pk, "role": grant_role, "area": grant_area}
                grant = c.post("/api/v1/assignments/", body, content_type=JSON)
                deactivate = c.post(f"/api/v1/people/{person.pk}/deactivate/")
                codes = {"revoke": (200, 403), "grant": (201, 400), "deactivate": (200, 403)}
                codes["reinvite"] = (200, 403)
            where = f"{persona.name} → {kind} → {label}"
            granted = RoleAssignment.objects.filter(
                user=person, role=grant_role, area_id=grant_area
            ).exists()
            assignment.refresh_from_db()
            person.refresh_from_db()
            yield f"{where} reinvite", reinvite, visible, may, codes["reinvite"], None
            yield (
                f"{where} revoke",
                revoke,
                visible,
                may,
                codes["revoke"],
                (assignment.revoked_at is not None),
            )
            yield f"{where} grant", grant, visible, may_grant, codes["grant"], granted
            # Whoever could revoke the target's role may switch them off: the role granted in
            # between (if any) is one they may change too.
            yield (
                f"{where} deactivate",
                deactivate,
                visible,
                may,
                codes["deactivate"],
                (not person.is_active),
            )


def test_leak_matrix_people_changing(personas):
    cases = 0
    for persona in personas:
        for where, response, visible, allowed, (ok, refused), happened in _writes(persona):
            where = f"{where}: {response.status_code}"
            _check(persona, response, visible, ok if allowed else refused, where)
            if happened is not None:
                assert happened is (visible and allowed), where
            cases += 1
        for area in ("31.73.05.1001", "31.74.01.1002.001", "31.73.05.1002", "31.74.01"):
            role = Role.OPERATOR if area == "31.74.01" else Role.RELAWAN_FKDM
            allowed = persona.may_change(role, area)
            email = f"{persona.name}.{area}@undangan.test"
            body = {"email": email, "first_name": "Uji", "role": role, "area": area}
            for kind in ("page", "api"):
                body["email"] = f"{kind}.{email}"
                if kind == "page":
                    response = persona.client.post("/kelola/orang/undang/", body)
                    expected = 302 if allowed else 400
                else:
                    response = persona.client.post("/api/v1/people/", body, content_type=JSON)
                    expected = 201 if allowed else 400
                where = f"{persona.name} → invite {kind} → {area}: {response.status_code}"
                if persona.manages:
                    assert response.status_code == expected, where
                else:
                    _refusal(persona, response, where)
                made = User.objects.filter(email=body["email"]).exists()
                assert made is allowed, where
                cases += 1
    # Whatever was written, was written only where its writer works.
    for assignment in RoleAssignment.objects.exclude(granted_by=None).select_related("granted_by"):
        persona = next(p for p in personas if p.name == assignment.granted_by.username)
        assert persona.may_change(assignment.role, assignment.area_id), assignment
    for assignment in RoleAssignment.objects.exclude(revoked_by=None).select_related("revoked_by"):
        persona = next(p for p in personas if p.name == assignment.revoked_by.username)
        assert persona.may_change(assignment.role, assignment.area_id), assignment
    MATRIX_CASES["people and roles management"] = (
        MATRIX_CASES.get("people and roles management", 0) + cases
    )


def test_leak_matrix_people_imports(personas, demo_users):
    """An upload is seen by its uploader alone; the progress of an import likewise."""
    admin = demo_users["admin.provinsi"]
    rows = "username,email,role,area_code\nbaru,baru@mail.test,relawan_fkdm,31.74.01.1002\n"
    report = import_people(rows, by=admin, dry_run=True)
    upload = PeopleImport.objects.create(
        uploaded_by=admin, filename="rahasia.csv", content=rows, report=report.as_json()
    )
    cases = 0
    for persona in personas:
        c = persona.client
        mine = persona.name == "admin.provinsi"
        for name, response, expected in (
            ("preview", c.get(f"/kelola/orang/impor/{upload.pk}/"), 200),
            ("apply", c.post(f"/kelola/orang/impor/{upload.pk}/terapkan/"), 302),
            ("upload page", c.get("/kelola/orang/impor/"), 200),
            ("progress", c.get("/kelola/orang/impor/progres/0123456789abcdef/"), 200),
        ):
            where = f"{persona.name} → import {name}: {response.status_code}"
            visible = mine or (name in {"upload page", "progress"} and persona.manages)
            _check(persona, response, visible, expected, where)
            if not mine:
                assert "rahasia.csv" not in response.content.decode(), where
            cases += 1
    assert User.objects.filter(username="baru").exists()  # applied once, by its uploader
    upload_file = io.BytesIO(rows.encode())
    upload_file.name = "roster.csv"
    for persona in personas:
        upload_file.seek(0)
        response = persona.client.post("/kelola/orang/impor/", {"file": upload_file})
        where = f"{persona.name} → upload: {response.status_code}"
        if persona.manages:
            assert response.status_code == 302, where
        else:
            _refusal(persona, response, where)
        cases += 1
    MATRIX_CASES["people and roles management"] = (
        MATRIX_CASES.get("people and roles management", 0) + cases
    )


# What each persona would hand themselves if they could: a role they may give others, where.
SELF_GRANTS = {
    "admin.provinsi": (Role.OPERATOR, "31.73"),
    "operator.jakbar": (Role.STAF_KELURAHAN, "31.73.05.1001"),
    "operator.tebet": (Role.STAF_KELURAHAN, "31.74.01.1002"),
    "staf.kebonjeruk": (Role.PETUGAS_PIKET, "31.73.05.1001"),
    "staf.tebetbarat": (Role.PETUGAS_PIKET, "31.74.01.1002"),
}
OWN = "Anda tidak dapat memberi, mengubah atau mencabut peran Anda sendiri"


def test_leak_matrix_people_own_roles(personas):
    """Every persona × every way to grant or revoke × a role of their own: managers get a 403
    that says why, everyone else the usual refusal; nothing is ever granted to oneself."""
    cases = 0
    for persona in personas:
        user = User.objects.filter(username=persona.name).first()
        if user is None:
            continue  # anonymous: has no roles of its own
        role, area = SELF_GRANTS.get(persona.name, (Role.RELAWAN_FKDM, "31.73.05.1001"))
        c = persona.client
        tries = [
            ("page grant", c.post(f"/kelola/orang/{user.pk}/peran/", {"role": role, "area": area})),
            (
                "api grant",
                c.post(
                    "/api/v1/assignments/",
                    {"person": user.pk, "role": role, "area": area},
                    content_type=JSON,
                ),
            ),
            (
                "api grant by username",
                c.post(
                    "/api/v1/assignments/",
                    {"username": user.username, "role": role, "area": area},
                    content_type=JSON,
                ),
            ),
        ]
        # A lower role someone else gave them: theirs to keep or to ask a manager to revoke.
        if persona.signed_in:
            lower = RoleAssignment.objects.create(user=user, role=role, area_id=area)
        else:  # access lapsed: the assignment that lapsed
            lower = user.assignments.get()
        revoked_at = lower.revoked_at
        tries += [
            ("page revoke", c.post(f"/kelola/orang/penugasan/{lower.pk}/cabut/")),
            ("api revoke", c.post(f"/api/v1/assignments/{lower.pk}/revoke/")),
        ]
        for name, response in tries:
            where = f"{persona.name} → own role → {name}: {response.status_code}"
            if persona.manages:
                assert response.status_code == 403, where
                assert OWN in response.content.decode(), where
            else:
                _refusal(persona, response, where)
            cases += 1
        lower.refresh_from_db()
        assert lower.revoked_at == revoked_at, persona.name
        if persona.manages:
            rows = f"username,role,area_code\n{user.username},{role},{area}\n"
            report = import_people(rows, by=user, dry_run=True)
            assert not report.new_assignments, persona.name
            assert OWN in " ".join(report.rejected[0]["problems"]), persona.name
            cases += 1
    assert not RoleAssignment.objects.filter(granted_by=F("user")).exists()
    assert not RoleAssignment.objects.filter(revoked_by=F("user")).exists()
    MATRIX_CASES["people and roles management"] = (
        MATRIX_CASES.get("people and roles management", 0) + cases
    )


def test_leak_matrix_assignments_granted_by(personas, probes):
    """What one person granted, on their page and through the API, as every persona sees it:
    only the assignments in the persona's own area, and only by those who see the person."""
    granter = make_user("pemberi.kebonjeruk", Role.STAF_KELURAHAN, "31.73.05.1001")
    RoleAssignment.objects.filter(pk__in=[p.assignment for p in probes]).update(granted_by=granter)
    cases = 0
    for persona in personas:
        page = persona.client.get(f"/kelola/orang/{granter.pk}/")
        api = persona.client.get(f"/api/v1/assignments/?granted_by={granter.pk}&page_size=1000")
        sees_granter = persona.sees("31.73.05.1001")
        for probe in probes:
            visible = persona.sees(probe.area)
            for name, response, marker, shown in (
                ("page", page, f'data-granted="{probe.assignment}"', sees_granter and visible),
                ("api", api, {"id": probe.assignment}, visible),
            ):
                where = f"{persona.name} → granted by → {name} → {probe.username}"
                body = response.content.decode()
                if name == "page" and not sees_granter or not persona.manages:
                    _refusal(persona, response, f"{where}: {response.status_code}")
                else:
                    assert response.status_code == 200, where
                assert shows(body, marker) is shown, where
                cases += 1
    MATRIX_CASES["people and roles management"] = (
        MATRIX_CASES.get("people and roles management", 0) + cases
    )
