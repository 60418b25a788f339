"""The incident core: who sees an incident at which level, transitions, escalation, the sweep."""

import pytest
from django.utils import timezone

from incidents.models import Incident, IncidentEvent
from incidents.services import (
    IncidentRefused,
    incident_acknowledge,
    incident_create,
    incident_escalate,
    incident_transition,
    sla_sweep,
)
from kelurahan.models import RoleAssignment
from tests.personas import KEBON_JERUK, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def kecamatan_operators(demo_areas):
    return {
        "kebonjeruk": make_user("operator.kec.kebonjeruk", "operator", "31.73.05"),
        "tebet": make_user("operator.kec.tebet", "operator", "31.74.01"),
    }


def _raise(by, **fields):
    defaults = {
        "category": "tawuran",
        "severity": "tinggi",
        "title": "Tawuran di gang",
        "area_code": KEBON_JERUK,
    }
    return incident_create(by=by, **{**defaults, **fields})


def _sees(user, incident):
    return Incident.objects.visible_to(user).filter(pk=incident.pk).exists()


def test_escalation_climbs_and_widens_who_sees(demo_users, kecamatan_operators):
    piket = demo_users["piket.kebonjeruk"]
    incident = _raise(piket)
    kec, other_kec = kecamatan_operators["kebonjeruk"], kecamatan_operators["tebet"]
    kota = demo_users["operator.jakbar"]
    assert _sees(piket, incident) and _sees(demo_users["fkdm.kebonjeruk"], incident)
    assert not _sees(kec, incident) and not _sees(kota, incident)
    assert _sees(demo_users["admin.provinsi"], incident)

    incident_escalate(incident_id=incident.pk, by=piket, note="Butuh bantuan kecamatan")
    incident.refresh_from_db()
    assert (incident.level, incident.responsible_area_id) == ("kecamatan", "31.73.05")
    assert _sees(kec, incident) and not _sees(kota, incident) and not _sees(other_kec, incident)
    assert _sees(piket, incident)  # lower levels keep seeing it

    incident_escalate(incident_id=incident.pk, by=kec)
    assert _sees(kota, incident) and not _sees(demo_users["fkdm.tebetbarat"], incident)
    with pytest.raises(IncidentRefused) as refused:
        incident_escalate(incident_id=incident.pk, by=other_kec)
    assert refused.value.status == 404


def test_invalid_transitions_are_409(demo_users):
    staf = demo_users["staf.kebonjeruk"]
    incident = _raise(staf)
    with pytest.raises(IncidentRefused) as refused:
        incident_transition(incident_id=incident.pk, by=staf, to="ditangani")
    assert refused.value.status == 409
    incident_acknowledge(incident_id=incident.pk, by=staf)
    incident_transition(incident_id=incident.pk, by=staf, to="ditangani")
    with pytest.raises(IncidentRefused):
        incident_transition(incident_id=incident.pk, by=staf, to="ditutup")  # needs a reason
    incident_transition(incident_id=incident.pk, by=staf, to="selesai", note="Sudah bubar")
    with pytest.raises(IncidentRefused) as refused:
        incident_transition(incident_id=incident.pk, by=staf, to="baru")
    assert refused.value.status == 409
    kinds = list(IncidentEvent.objects.filter(incident=incident).values_list("kind", flat=True))
    assert kinds == ["dibuat", "diterima", "status", "status"]


def test_fkdm_reports_but_cannot_resolve(demo_users):
    fkdm = demo_users["fkdm.kebonjeruk"]
    incident = _raise(fkdm)
    with pytest.raises(IncidentRefused) as refused:
        incident_acknowledge(incident_id=incident.pk, by=fkdm)
    assert refused.value.status == 403
    with pytest.raises(IncidentRefused) as refused:
        _raise(fkdm, area_code="31.74.01.1002")
    assert refused.value.status == 403


def test_sweep_escalates_late_incidents_once_and_marks_overdue(demo_users):
    start = timezone.now()
    incident = _raise(demo_users["piket.kebonjeruk"], severity="darurat", now=start)
    assert sla_sweep(now=start + timezone.timedelta(minutes=4)) == (0, 0)
    later = start + timezone.timedelta(minutes=6)
    assert sla_sweep(now=later) == (1, 0)
    assert sla_sweep(now=later) == (0, 0)  # idempotent
    incident.refresh_from_db()
    assert incident.level == "kecamatan"
    week = start + timezone.timedelta(days=6, minutes=1)
    escalated, overdue = sla_sweep(now=week)
    assert overdue == 1 and escalated == 1  # kota by now; still unacknowledged
    assert sla_sweep(now=week) == (0, 0)
    kinds = list(IncidentEvent.objects.filter(incident=incident).values_list("kind", flat=True))
    assert kinds.count("naik_otomatis") == 2 and kinds.count("terlambat") == 1


def test_revoked_reporter_loses_sight(demo_users):
    piket = demo_users["piket.kebonjeruk"]
    incident = _raise(piket)
    RoleAssignment.objects.filter(user=piket).update(revoked_at=timezone.now())
    piket = type(piket).objects.get(pk=piket.pk)  # a new request: grants read afresh
    assert not _sees(piket, incident)
