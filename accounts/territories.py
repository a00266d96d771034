"""Loads the real territories (INSEE Code officiel géographique extract in `accounts/data/`).

One `prefecture` organisation per département (code = département code) and one `commune`
organisation per commune (code = INSEE code), attached to its département's prefecture.

The load is idempotent and set-based: the existing rows are read once into a dict, then only
the missing rows are inserted and only the rows whose name, département, prefecture or
population differ are updated, in batches. No query per row, so the 34,875 communes load in
seconds on SQLite and PostgreSQL alike. Organisations absent from the extract (an old commune
merged since) are left alone: requests may still refer to them.

Names: département names come without their article ("Drôme", not "la Drôme"), and French
elision ("de l'Ain", "de la Drôme", "du Pas-de-Calais", "des Landes", "de Vaucluse") cannot
be derived from the name. Rather than guess, a prefecture is named "Préfecture — Drôme",
which is correct for every département and reads well in lists.

A commune's name takes its article ("La Chapelle-en-Vercors", "L'Isle-sur-la-Sorgue",
"Les Vans") from INSEE's type of name (TNCC), the extract's `tncc` column; a file without one
leaves the names as INSEE writes them without article (NCCENR), rather than guessed.
"""

from __future__ import annotations

import csv
import gzip
import io
import sqlite3
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path

from django.db import connection, transaction

from audit.services import audit_record

from .models import Organization, OrgKind

DATA_DIR = Path(__file__).resolve().parent / "data"
DEPARTEMENTS_FILE = "departements.csv"
COMMUNES_FILE = "communes.csv.gz"
BATCH_SIZE = 1000
# Rows per UPDATE ... FROM (VALUES ...): 5 parameters each, under SQLite's oldest limit of 999.
UPDATE_BATCH_SIZE = 150

ORG_FIELDS = ("name", "departement_code", "prefecture", "population")


class TerritoryDataError(ValueError):
    """The extract or the requested subset does not make sense."""


@dataclass(frozen=True)
class Departement:
    code: str
    name: str


@dataclass(frozen=True)
class Commune:
    insee: str
    name: str
    departement: str
    population: int | None


@dataclass
class LoadResult:
    """What a load did; a second identical load reports zeros everywhere."""

    prefectures_created: int = 0
    prefectures_updated: int = 0
    communes_created: int = 0
    communes_updated: int = 0
    prefectures_total: int = 0
    communes_total: int = 0

    @property
    def changed(self) -> bool:
        return any(
            (
                self.prefectures_created,
                self.prefectures_updated,
                self.communes_created,
                self.communes_updated,
            )
        )


def prefecture_name(departement_name: str) -> str:
    """The display name of a département's prefecture; see the module docstring on articles."""
    return f"Préfecture — {departement_name}"


# INSEE's TNCC: the article a commune's name takes (0 and 1: none; 5: elided, no space).
ARTICLES = {"2": "Le ", "3": "La ", "4": "Les ", "5": "L'", "6": "Aux ", "7": "Las ", "8": "Los "}


def with_article(name: str, tncc: str | None) -> str:
    """`Chapelle-en-Vercors`, TNCC 3 → `La Chapelle-en-Vercors`; an unknown or empty type, or a
    name that already starts with its article, is left as it is."""
    article = ARTICLES.get((tncc or "").strip(), "")
    if not article or name.startswith(article):
        return name
    return f"{article}{name}"


def normalise_departement_code(code: str) -> str:
    """Pads "7" to "07"; Corsica keeps its letters ("2a" is "2A")."""
    code = code.strip().upper()
    return code.zfill(2) if code.isdigit() else code


def read_departements(path: Path) -> list[Departement]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            Departement(code=row["code"].strip(), name=row["name"].strip())
            for row in csv.DictReader(handle)
        ]


def read_communes(path: Path) -> list[Commune]:
    with gzip.open(path, "rb") as raw, io.TextIOWrapper(raw, encoding="utf-8", newline="") as text:
        return [
            Commune(
                insee=row["insee"].strip(),
                name=with_article(row["name"].strip(), row.get("tncc")),
                departement=row["departement"].strip(),
                population=int(row["population"]) if row["population"].strip() else None,
            )
            for row in csv.DictReader(text)
        ]


def _existing(kind: str) -> dict[str, tuple]:
    """code -> (pk, name, departement_code, prefecture_id, population), one query."""
    rows = Organization.objects.filter(kind=kind).values_list(
        "code", "pk", "name", "departement_code", "prefecture_id", "population"
    )
    return {code: rest for code, *rest in rows}


def _sync(
    *, kind: str, wanted: Iterable[tuple[str, str, str, int | None, int | None]]
) -> tuple[int, int]:
    """Creates the missing organisations of `kind` and updates those that differ.

    `wanted` yields (code, name, departement_code, prefecture_id, population).
    """
    existing = _existing(kind)
    to_create: list[Organization] = []
    to_update: list[Organization] = []
    for code, name, departement_code, prefecture_id, population in wanted:
        desired = (name, departement_code, prefecture_id, population)
        current = existing.get(code)
        if current is None:
            to_create.append(
                Organization(
                    kind=kind,
                    code=code,
                    name=name,
                    departement_code=departement_code,
                    prefecture_id=prefecture_id,
                    population=population,
                )
            )
        elif tuple(current[1:]) != desired:
            to_update.append(
                Organization(
                    pk=current[0],
                    name=name,
                    departement_code=departement_code,
                    prefecture_id=prefecture_id,
                    population=population,
                )
            )
    Organization.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
    _update(to_update)
    return len(to_create), len(to_update)


def _can_update_from_values() -> bool:
    if connection.vendor == "postgresql":
        return True
    return connection.vendor == "sqlite" and sqlite3.sqlite_version_info >= (3, 33)


def _update(rows: list[Organization]) -> None:
    """Writes name, département, prefecture and population of `rows`, matched by primary key.

    A yearly INSEE refresh changes the population of nearly every commune. `bulk_update`
    builds a CASE expression per field and row in Python, which takes about a minute for
    35,000 rows; a plain `UPDATE ... FROM (VALUES ...)` (PostgreSQL, SQLite 3.33+) does it in
    a couple of seconds. Other databases fall back to `bulk_update`.
    """
    if not rows:
        return
    if not _can_update_from_values():
        Organization.objects.bulk_update(rows, fields=list(ORG_FIELDS), batch_size=100)
        return
    table = connection.ops.quote_name(Organization._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), UPDATE_BATCH_SIZE):
            batch = rows[start : start + UPDATE_BATCH_SIZE]
            values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(batch))
            params = [
                param
                for org in batch
                for param in (
                    org.pk,
                    org.name,
                    org.departement_code,
                    org.prefecture_id,
                    org.population,
                )
            ]
            # VALUES columns are named column1..column5 on both PostgreSQL and SQLite; the
            # casts give a column of NULLs a type PostgreSQL accepts for integer columns.
            cursor.execute(
                f"UPDATE {table} SET name = v.column2, departement_code = v.column3, "  # noqa: S608
                "prefecture_id = CAST(v.column4 AS bigint), "
                "population = CAST(v.column5 AS integer) "
                f"FROM (VALUES {values}) AS v WHERE {table}.id = v.column1",
                params,
            )


@transaction.atomic
def territories_load(
    *, departements: Collection[str] | None = None, data_dir: Path = DATA_DIR
) -> LoadResult:
    """Creates or updates the prefectures and communes of the extract; idempotent.

    `departements` limits the load to those département codes (all of them when None).
    """
    all_departements = read_departements(data_dir / DEPARTEMENTS_FILE)
    known = {departement.code for departement in all_departements}
    if departements is None:
        selected = known
    else:
        selected = {normalise_departement_code(code) for code in departements if code.strip()}
        unknown = selected - known
        if unknown:
            raise TerritoryDataError(f"unknown département code(s): {', '.join(sorted(unknown))}")
    communes = [c for c in read_communes(data_dir / COMMUNES_FILE) if c.departement in selected]
    strays = {c.departement for c in communes} - known
    if strays:
        raise TerritoryDataError(f"communes in unknown départements: {sorted(strays)}")

    result = LoadResult()
    result.prefectures_created, result.prefectures_updated = _sync(
        kind=OrgKind.PREFECTURE,
        wanted=(
            (d.code, prefecture_name(d.name), d.code, None, None)
            for d in all_departements
            if d.code in selected
        ),
    )
    prefecture_ids = dict(
        Organization.objects.filter(kind=OrgKind.PREFECTURE, code__in=selected).values_list(
            "code", "pk"
        )
    )
    result.communes_created, result.communes_updated = _sync(
        kind=OrgKind.COMMUNE,
        wanted=(
            (c.insee, c.name, c.departement, prefecture_ids[c.departement], c.population)
            for c in communes
        ),
    )
    result.prefectures_total = len(prefecture_ids)
    result.communes_total = len(communes)
    if result.changed:
        audit_record(
            actor=None,
            action="territories.loaded",
            details={
                "departements": sorted(selected) if departements is not None else "all",
                "prefectures_created": result.prefectures_created,
                "prefectures_updated": result.prefectures_updated,
                "communes_created": result.communes_created,
                "communes_updated": result.communes_updated,
            },
        )
    return result
