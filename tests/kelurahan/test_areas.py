import csv
import gzip
import json
import re

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from kelurahan.areas_import import (
    OFFICIAL_AREAS,
    OFFICIAL_BOUNDARIES,
    ImportRejected,
    import_areas,
    import_boundaries,
)
from kelurahan.demo import DEMO_AREAS_CSV
from kelurahan.geo import kelurahan_code_at
from kelurahan.models import Area, AreaBoundary
from kelurahan.roles import Level

pytestmark = pytest.mark.django_db


def _snapshot(model):
    return sorted(model.objects.values_list())


def test_demo_fixture_has_the_demo_kelurahan(demo_areas):
    names = dict(Area.objects.filter(level=Level.KELURAHAN).values_list("code", "name"))
    assert names["31.73.05.1001"] == "Kebon Jeruk"
    assert names["31.74.01.1002"] == "Tebet Barat"
    assert names["31.74.01.1001"] == "Tebet Timur"
    assert Area.objects.filter(level=Level.KOTA).count() == 6
    assert Area.objects.get(code="31.74.01.1002.003.002").name == "RT 002/RW 003"


def test_under_is_one_query_on_the_code_prefix(demo_areas, django_assert_num_queries):
    with django_assert_num_queries(1):
        codes = list(Area.objects.under("31.73.05.1001").values_list("code", flat=True))
    assert codes[0] == "31.73.05.1001"
    assert all(c == "31.73.05.1001" or c.startswith("31.73.05.1001.") for c in codes)
    assert len(codes) == 1 + 5 + 5 * 4  # the kelurahan, its RW, their RT
    # A sibling whose code shares the digits is not "under": 31.74.01.1001 vs 31.74.01.1002.
    assert not Area.objects.under("31.74.01.1001").filter(code__startswith="31.74.01.1002").exists()


def test_under_uses_an_index(demo_areas):
    sql, params = Area.objects.under("31.73").only("code").query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " ".join(str(row) for row in cursor.fetchall())
    if connection.vendor == "postgresql":
        assert "kelurahan_area_code" in plan and "Index" in plan, plan
    else:
        assert re.search(r"SEARCH kelurahan_area USING .*INDEX .*\(code>\? AND code<\?\)", plan), (
            plan
        )


def test_full_official_list_imports_and_reimport_changes_nothing(db):
    result = import_areas()
    assert result.created == 318
    counts = {level: Area.objects.filter(level=level).count() for level in Level}
    assert counts[Level.PROVINSI] == 1
    assert counts[Level.KOTA] == 6
    assert counts[Level.KECAMATAN] == 44
    assert counts[Level.KELURAHAN] == 267
    before = _snapshot(Area)
    again = import_areas()
    assert (again.created, again.updated, again.unchanged) == (0, 0, 318)
    assert _snapshot(Area) == before


def test_the_commands_load_the_shipped_official_data_by_default(capsys):
    call_command("import_areas")
    call_command("import_boundaries")
    out = capsys.readouterr().out
    assert "Wilayah: 318 baru" in out
    assert "Batas kelurahan: 267 baru" in out
    assert Area.objects.get(code="31.74.01.1002").name == "Tebet Barat"
    assert AreaBoundary.objects.filter(area_id="31.73.05.1001").exists()


def test_the_demo_fixture_is_an_extract_of_the_official_list():
    with gzip.open(OFFICIAL_AREAS, "rt", encoding="utf-8") as handle:
        official = {row["code"]: row for row in csv.DictReader(handle)}
    with open(DEMO_AREAS_CSV, encoding="utf-8") as handle:
        demo = {row["code"]: row for row in csv.DictReader(handle)}
    assert len(demo) == 21
    assert {code: official[code] for code in demo} == demo


def test_a_corrupt_gzip_file_is_refused_with_its_reason(tmp_path, capsys):
    broken = tmp_path / "wilayah.csv.gz"
    broken.write_bytes(b"not gzip at all")
    with pytest.raises(CommandError, match="tidak ada wilayah yang diimpor"):
        call_command("import_areas", str(broken))
    assert "Berkas CSV tidak dapat dibaca" in capsys.readouterr().err


def test_import_command_reports_counts(capsys):
    call_command("import_areas", str(DEMO_AREAS_CSV))
    call_command("import_areas", str(DEMO_AREAS_CSV))
    out = capsys.readouterr().out
    assert "0 baru, 0 diperbarui, 21 tidak berubah" in out


def test_a_malformed_row_names_its_line_and_nothing_is_imported(tmp_path, demo_areas):
    before = _snapshot(Area)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "code,name,level,parent_code\n"
        "31.75.99,Kecamatan Baru,kecamatan,31.75\n"  # fine on its own
        "31.75.99.100,Salah Format,kelurahan,31.75.99\n"  # line 3: four digits needed
        "31.75.98.1001,Tanpa Induk,kelurahan,31.75.98\n"  # line 4: unknown parent
        "31.75.99.1001,,kelurahan,31.75.99\n"  # line 5: empty name
        "31.75.99.1002,Tingkat Aneh,dusun,31.75.99\n"  # line 6: unknown level
        "31.75.99.1003,Induk Salah,kelurahan,31.75\n"  # line 7: parent does not match
        "31.75.99.1004,Koordinat,kelurahan,31.75.99\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportRejected) as rejected:
        import_areas(bad)
    lines = [int(re.match(r"Baris (\d+):", e).group(1)) for e in rejected.value.errors]
    assert sorted(lines) == [3, 4, 5, 6, 7]
    assert _snapshot(Area) == before  # the valid rows were not written either

    with pytest.raises(CommandError, match="5 kesalahan"):
        call_command("import_areas", str(bad))
    assert _snapshot(Area) == before


def test_missing_columns_and_missing_file_are_clear(tmp_path, db, capsys):
    headerless = tmp_path / "x.csv"
    headerless.write_text("kode,nama\n31,DKI\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_areas", str(headerless))
    assert "Kolom wajib tidak ada: code, name, level, parent_code" in capsys.readouterr().err
    with pytest.raises(CommandError, match="tidak ditemukan"):
        call_command("import_areas", str(tmp_path / "nope.csv"))


@pytest.fixture
def boundaries(official_areas):
    """The shipped kelurahan features, imported."""
    with gzip.open(OFFICIAL_BOUNDARIES, "rt", encoding="utf-8") as handle:
        return json.load(handle)["features"]


def test_boundaries_import_all_267_and_reimport_changes_nothing(boundaries):
    assert AreaBoundary.objects.count() == 267
    before = _snapshot(AreaBoundary)
    again = import_boundaries()
    assert (again.created, again.updated, again.unchanged) == (0, 0, 267)
    assert _snapshot(AreaBoundary) == before


def test_a_point_finds_its_kelurahan(boundaries):
    # Each kelurahan's centroid lies inside it, except for the 8 concave ones (see data README).
    hits = sum(
        kelurahan_code_at(f["properties"]["lat"], f["properties"]["lon"]) == f["properties"]["code"]
        for f in boundaries
    )
    assert hits >= 259
    assert kelurahan_code_at(-6.2349, 106.8490) == "31.74.01.1002"  # Tebet Barat
    assert kelurahan_code_at(-6.1950, 106.7721) == "31.73.05.1001"  # Kebon Jeruk


def test_a_point_outside_jakarta_finds_nothing(boundaries):
    assert kelurahan_code_at(-6.9175, 107.6191) is None  # Bandung
    assert kelurahan_code_at(-6.5950, 106.8166) is None  # Bogor


def test_bad_geojson_is_rejected_whole(tmp_path, demo_areas, capsys):
    bad = tmp_path / "bad.geojson"
    square = [[[106.77, -6.20], [106.78, -6.20], [106.78, -6.19], [106.77, -6.19], [106.77, -6.20]]]
    bad.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "properties": {"code": "31.73.05.1001"},
                        "geometry": {"type": "Polygon", "coordinates": square},
                    },
                    {"properties": {"code": "99.99.99.9999"}, "geometry": {"type": "Polygon"}},
                    {
                        "properties": {"code": "31.74.01.1002"},
                        "geometry": {"type": "Point", "coordinates": [106.8, -6.2]},
                    },
                ],
            }
        ),
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match="2 kesalahan"):
        call_command("import_boundaries", str(bad))
    assert AreaBoundary.objects.count() == 0
    (tmp_path / "broken.geojson").write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError, match="1 kesalahan"):
        call_command("import_boundaries", str(tmp_path / "broken.geojson"))
    assert "Berkas GeoJSON tidak dapat dibaca" in capsys.readouterr().err
