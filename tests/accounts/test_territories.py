"""load_territories: the INSEE extract becomes prefectures and communes, idempotently."""

import csv
import gzip
import io
import shutil

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Organization, OrgKind
from accounts.territories import DATA_DIR, territories_load, with_article
from audit.models import AuditEvent


def _communes_in_extract(*departements: str) -> int:
    with gzip.open(DATA_DIR / "communes.csv.gz", "rt", encoding="utf-8", newline="") as handle:
        return sum(1 for row in csv.DictReader(handle) if row["departement"] in departements)


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("load_territories", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_subset_load_creates_the_prefectures_and_their_communes():
    output = _run("--only-departements", "26,62,7")

    prefectures = Organization.objects.filter(kind=OrgKind.PREFECTURE)
    assert sorted(prefectures.values_list("code", flat=True)) == ["07", "26", "62"]
    expected_communes = _communes_in_extract("07", "26", "62")
    assert Organization.objects.filter(kind=OrgKind.COMMUNE).count() == expected_communes
    assert f"Communes: {expected_communes} created, 0 updated" in output

    drome = prefectures.get(code="26")
    assert drome.name == "Préfecture — Drôme"
    assert drome.departement_code == "26"
    montelimar = Organization.objects.get(kind=OrgKind.COMMUNE, code="26198")
    assert (montelimar.name, montelimar.departement_code, montelimar.prefecture) == (
        "Montélimar",
        "26",
        drome,
    )
    assert montelimar.population > 30_000
    assert not Organization.objects.filter(kind=OrgKind.COMMUNE, prefecture__isnull=True).exists()
    assert not Organization.objects.filter(kind=OrgKind.COMMUNE, departement_code="01").exists()


@pytest.mark.django_db
def test_second_load_creates_and_updates_nothing():
    territories_load(departements=["26", "07"])
    before = list(Organization.objects.order_by("pk").values())
    events_before = AuditEvent.objects.count()

    output = _run("--only-departements", "26,07")

    assert "Prefectures: 0 created, 0 updated" in output
    assert "Communes: 0 created, 0 updated" in output
    assert list(Organization.objects.order_by("pk").values()) == before
    assert AuditEvent.objects.count() == events_before  # nothing changed, nothing to record


@pytest.mark.django_db
def test_load_restores_a_changed_name_population_and_prefecture():
    territories_load(departements=["26", "62"])
    drome = Organization.objects.get(kind=OrgKind.PREFECTURE, code="26")
    pas_de_calais = Organization.objects.get(kind=OrgKind.PREFECTURE, code="62")
    Organization.objects.filter(kind=OrgKind.COMMUNE, code="26198").update(
        name="Montelimar", population=None
    )
    Organization.objects.filter(kind=OrgKind.COMMUNE, code="26362").update(
        prefecture=pas_de_calais, departement_code="62", population=1
    )
    drome.name = "Drôme"
    drome.save(update_fields=["name"])

    result = territories_load(departements=["26", "62"])

    assert (result.prefectures_created, result.prefectures_updated) == (0, 1)
    assert (result.communes_created, result.communes_updated) == (0, 2)
    montelimar = Organization.objects.get(kind=OrgKind.COMMUNE, code="26198")
    assert montelimar.name == "Montélimar"
    assert montelimar.population == 39097
    valence = Organization.objects.get(kind=OrgKind.COMMUNE, code="26362")
    assert (valence.prefecture_id, valence.departement_code, valence.population) == (
        drome.pk,
        "26",
        63714,
    )
    assert Organization.objects.get(pk=drome.pk).name == "Préfecture — Drôme"
    event = AuditEvent.objects.filter(action="territories.loaded").order_by("-id").first()
    assert event.details["communes_updated"] == 2


@pytest.mark.django_db
def test_load_from_a_newer_extract_updates_only_what_changed(tmp_path):
    territories_load(departements=["07"])
    shutil.copy(DATA_DIR / "departements.csv", tmp_path / "departements.csv")
    with gzip.open(DATA_DIR / "communes.csv.gz", "rt", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        if row["insee"] == "07186":
            row["population"] = "9000"
    with gzip.open(tmp_path / "communes.csv.gz", "wt", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)

    result = territories_load(departements=["07"], data_dir=tmp_path)

    assert (result.communes_created, result.communes_updated) == (0, 1)
    assert Organization.objects.get(kind=OrgKind.COMMUNE, code="07186").population == 9000


@pytest.mark.django_db
def test_communes_take_their_article_from_insees_type_of_name(tmp_path):
    shutil.copy(DATA_DIR / "departements.csv", tmp_path / "departements.csv")
    with gzip.open(DATA_DIR / "communes.csv.gz", "rt", encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["departement"] == "07"]
    types = {"07334": "4", "07181": "2"}  # Les Vans, Le Pouzin
    for row in rows:
        row["tncc"] = types.get(row["insee"], "0")
    fields = ["insee", "name", "departement", "population", "tncc"]
    with gzip.open(tmp_path / "communes.csv.gz", "wt", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)

    territories_load(departements=["07"], data_dir=tmp_path)

    names = dict(
        Organization.objects.filter(code__in=["07334", "07181", "07186"]).values_list(
            "code", "name"
        )
    )
    assert names["07334"] == "Les Vans"
    assert names["07181"] == "Le Pouzin"
    assert not names["07186"].startswith(("Le ", "La ", "Les ", "L'"))


@pytest.mark.parametrize(
    ("name", "tncc", "written"),
    [
        ("Chapelle-en-Vercors", "3", "La Chapelle-en-Vercors"),
        ("Isle-sur-la-Sorgue", "5", "L'Isle-sur-la-Sorgue"),
        ("Aix-en-Provence", "1", "Aix-en-Provence"),
        ("Valence", "0", "Valence"),
        ("Valence", "", "Valence"),
        ("Les Vans", "4", "Les Vans"),
    ],
)
def test_with_article(name, tncc, written):
    assert with_article(name, tncc) == written


@pytest.mark.django_db
def test_unknown_departement_is_refused_and_nothing_is_loaded():
    with pytest.raises(CommandError, match="99"):
        _run("--only-departements", "26,99")
    assert not Organization.objects.exists()


@pytest.mark.django_db
def test_full_load_has_every_departement_and_commune():
    """The whole extract: a few seconds on SQLite and PostgreSQL, so it runs everywhere."""
    output = _run()

    assert Organization.objects.filter(kind=OrgKind.PREFECTURE).count() == 101
    assert Organization.objects.filter(kind=OrgKind.COMMUNE).count() == 34_875
    assert "Prefectures: 101 created, 0 updated" in output
    assert "Communes: 34875 created, 0 updated" in output
    assert Organization.objects.get(kind=OrgKind.PREFECTURE, code="2A").name == (
        "Préfecture — Corse-du-Sud"
    )
    assert Organization.objects.get(kind=OrgKind.COMMUNE, code="97411").prefecture.code == "974"

    again = territories_load()
    assert not again.changed


@pytest.mark.django_db
def test_the_shipped_extract_names_each_commune_with_its_article():
    territories_load(departements=["26", "01"])
    names = dict(
        Organization.objects.filter(code__in=["26074", "01001", "26198"]).values_list(
            "code", "name"
        )
    )
    assert names == {
        "26074": "La Chapelle-en-Vercors",
        "01001": "L'Abergement-Clémenciat",
        "26198": "Montélimar",
    }
