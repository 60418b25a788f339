"""The leak matrix: every persona × every endpoint × objects inside and outside their scope.

The expectation is written independently of the code under test: a persona may see an object
exactly when the object's area code equals, or starts with "<code>.", one of the area codes of
the persona's live assignments. Add every new page, API endpoint, WebSocket route and stream
path to ENDPOINTS (and its objects to PROBES) as it lands.
"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client

from kelurahan.demo import DEMO_USERS
from tests.conftest import MATRIX_CASES, enrol_totp

# Objects to probe, by area code: every level, inside and outside each persona's area.
AREA_PROBES = [
    "31",
    "31.73",  # Jakarta Barat
    "31.73.05",  # Kecamatan Kebon Jeruk
    "31.73.05.1001",  # Kelurahan Kebon Jeruk
    "31.73.05.1001.002",  # an RW in Kebon Jeruk
    "31.73.05.1001.002.003",  # an RT in Kebon Jeruk
    "31.73.05.1002",  # Sukabumi Utara, Kebon Jeruk's neighbour
    "31.74",  # Jakarta Selatan
    "31.74.01.1001",  # Tebet Timur
    "31.74.01.1002",  # Tebet Barat
    "31.74.01.1002.001.001",  # an RT in Tebet Barat
]


@dataclass(frozen=True)
class Endpoint:
    name: str
    url: Callable[[str], str]
    # "detail": 200 when visible, else 404 (or a refusal for people without access);
    # "list": the object's marker appears in a 200 answer only when visible.
    kind: str
    marker: Callable[[str], str] = lambda code: code
    admin_only: bool = False


ENDPOINTS = [
    Endpoint("page wilayah detail", lambda c: f"/wilayah/{c}/", "detail"),
    Endpoint(
        "page wilayah search",
        lambda c: f"/wilayah/?q={c}",
        "list",
        marker=lambda c: f'href="/wilayah/{c}/"',
    ),
    Endpoint("api areas detail", lambda c: f"/api/v1/areas/{c}/", "detail"),
    Endpoint(
        "api areas list",
        lambda c: "/api/v1/areas/?page_size=1000",
        "list",
        marker=lambda c: f'"code":"{c}"',
    ),
    Endpoint(
        "api areas under",
        lambda c: f"/api/v1/areas/?under={c}&page_size=1000",
        "list",
        marker=lambda c: f'"code":"{c}"',
    ),
    Endpoint(
        "admin area change",
        lambda c: f"/django-admin/kelurahan/area/{c}/change/",
        "detail",
        admin_only=True,
    ),
]

REFUSED = {302, 403, 404}


@dataclass(frozen=True)
class Persona:
    name: str
    client: Client
    scope: tuple  # the area codes of live assignments (empty: no access at all)
    is_admin: bool = False


def _visible(persona, code):
    return any(code == s or code.startswith(s + ".") for s in persona.scope)


@pytest.fixture
def personas(demo_users, lapsed_users):
    people = []
    for demo in DEMO_USERS:
        user = demo_users[demo.username]
        is_admin = demo.username == "admin.provinsi"
        if is_admin:
            enrol_totp(user)  # admins cannot reach anything before enrolling
        client = Client()
        client.force_login(user)
        people.append(Persona(demo.username, client, (demo.area_code,), is_admin))
    for username, user in lapsed_users.items():
        client = Client()
        client.force_login(user)
        people.append(Persona(username, client, ()))
    people.append(Persona("anonymous", Client(), ()))
    return people


def _check(persona, endpoint, code):
    # A fresh session for lapsed users: the first refused request signs them out.
    response = persona.client.get(endpoint.url(code))
    body = response.content.decode()
    visible = _visible(persona, code) and (persona.is_admin or not endpoint.admin_only)
    where = f"{persona.name} → {endpoint.name} → {code}: {response.status_code}"
    if endpoint.kind == "detail":
        if visible:
            assert response.status_code == 200, where
        else:
            assert response.status_code in REFUSED, where
            assert f"{code}<" not in body and f'"{code}"' not in body, where
    else:
        if visible:
            assert response.status_code == 200, where
            assert endpoint.marker(code) in body, where
        else:
            assert response.status_code in REFUSED | {200}, where
            assert endpoint.marker(code) not in body, where


@pytest.mark.django_db
def test_leak_matrix_areas(personas):
    cases = 0
    for persona in personas:
        for endpoint in ENDPOINTS:
            for code in AREA_PROBES:
                _check(persona, endpoint, code)
                cases += 1
    MATRIX_CASES["areas (pages, API, admin)"] = cases
    assert cases == len(personas) * len(ENDPOINTS) * len(AREA_PROBES)


@pytest.mark.django_db
def test_me_lists_only_own_roles(personas):
    cases = 0
    for persona in personas:
        response = persona.client.get("/api/v1/me/")
        if persona.scope:
            assert response.status_code == 200, persona.name
            assert response.json()["areas"] == list(persona.scope), persona.name
        else:
            assert response.status_code == 403, persona.name
        cases += 1
    MATRIX_CASES["api me"] = cases


@pytest.mark.django_db
def test_home_shows_only_own_areas(personas):
    cases = 0
    for persona in personas:
        response = persona.client.get("/")
        body = response.content.decode()
        if not persona.scope:
            assert response.status_code == 302, persona.name
        else:
            assert response.status_code == 200, persona.name
            shown = {code for code in AREA_PROBES if f'data-area="{code}"' in body}
            assert shown == set(persona.scope) & set(AREA_PROBES), persona.name
        cases += 1
    MATRIX_CASES["home page"] = cases
