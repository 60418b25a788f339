"""`make demo`'s data step: demo users for every role, and a second run loses nothing."""

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from kelurahan.models import Area, RoleAssignment, User

pytestmark = pytest.mark.django_db


def test_seed_demo_twice_creates_once_and_keeps_changes(monkeypatch, capsys):
    monkeypatch.setenv("DEMO_PASSWORD", "sandi-demo-uji")
    call_command("seed_demo")
    assert Area.objects.filter(level="kelurahan").count() == 267
    assert authenticate(username="fkdm.tebetbarat", password="sandi-demo-uji")
    roles = dict(RoleAssignment.objects.values_list("user__username", "area_id"))
    assert roles["operator.jakbar"] == "31.73"
    assert roles["fkdm.tebetbarat"] == "31.74.01.1002"
    # A few demo cameras record, with a short retention, so that a newcomer can rewind.
    from cameras.models import Camera

    recorded = dict(Camera.objects.filter(record=True).values_list("code", "recording_days"))
    assert recorded == {"kebonjeruk-simpang": 1, "tebet-eco-park-utara": 1}

    piket = User.objects.get(username="piket.kebonjeruk")
    piket.set_password("diganti-sendiri")
    piket.save()
    before = (Area.objects.count(), RoleAssignment.objects.count(), User.objects.count())
    call_command("seed_demo")
    assert (Area.objects.count(), RoleAssignment.objects.count(), User.objects.count()) == before
    assert authenticate(username="piket.kebonjeruk", password="diganti-sendiri")
    assert "kata sandi tidak diubah" in capsys.readouterr().out


def test_demo_cameras_sit_inside_their_kelurahan(official_areas):
    from cameras.demo import DEMO_CAMERAS
    from kelurahan.geo import kelurahan_code_at

    for camera in DEMO_CAMERAS:
        kelurahan = ".".join(camera.area.split(".")[:4])
        assert kelurahan_code_at(camera.lat, camera.lon) == kelurahan, camera.code
    assert len(DEMO_CAMERAS) >= 24
    assert {"tebet-eco-park-utara", "taman-langsat", "taman-leuser"} <= {
        c.code for c in DEMO_CAMERAS
    }
