"""The areas and me endpoints: shape, paging and clear refusals."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(signed_in):
    return signed_in


def test_areas_list_fields_and_levels(api):
    data = api("staf.kebonjeruk").get("/api/v1/areas/?page_size=1000").json()
    assert data["count"] == 1 + 5 + 20
    first = data["results"][0]
    assert first == {
        "code": "31.73.05.1001",
        "name": "Kebon Jeruk",
        "level": "kelurahan",
        "parent_code": "31.73.05",
    }
    assert {a["level"] for a in data["results"]} == {"kelurahan", "rw", "rt"}


def test_areas_paginate_up_to_a_thousand(api):
    client = api("admin.provinsi")
    page = client.get("/api/v1/areas/?page_size=10").json()
    assert len(page["results"]) == 10 and page["next"]
    total = page["count"]
    big = client.get("/api/v1/areas/?page_size=1000").json()
    assert len(big["results"]) == min(total, 1000)
    # Past the schema's maximum: refused, not quietly cut to a thousand.
    too_big = client.get("/api/v1/areas/?page_size=5000")
    assert too_big.status_code == 400
    assert too_big.json() == {"page_size": ["Ukuran halaman 1 sampai 1000."]}
    assert client.get("/api/v1/areas/?level=kota").json()["count"] == 6
    province = client.get("/api/v1/areas/31/").json()
    assert province == {
        "code": "31",
        "name": "Daerah Khusus Ibukota Jakarta",
        "level": "provinsi",
        "parent_code": None,
    }


def test_bad_filter_gets_a_400_in_indonesian(api):
    response = api("operator.jakbar").get("/api/v1/areas/?under=semua")
    assert response.status_code == 400
    assert response.json() == {"under": ["Kode wilayah tidak valid."]}


def test_anonymous_gets_403_with_a_message():
    response = Client().get("/api/v1/areas/")
    assert response.status_code == 403
    assert response.json()["detail"]  # DRF's message, in Indonesian


def test_me_describes_roles(api):
    me = api("fkdm.tebetbarat").get("/api/v1/me/").json()
    assert me["username"] == "fkdm.tebetbarat"
    assert me["areas"] == ["31.74.01.1002"]
    role = me["roles"][0]
    assert role["role"] == "relawan_fkdm" and role["area_name"] == "Tebet Barat"
    assert role["valid_until"] is None
    assert "create_incident" in me["actions"]
    assert "see_reporter_identity" not in me["actions"]
