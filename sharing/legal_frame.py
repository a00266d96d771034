"""The seed of categories and legal bases, from fixtures/legal_frame.json (verified texts only).

Rows are matched by `code`: seeding again never duplicates, and an admin's later edits to a
row are kept because the seed only creates what is missing. The data migration calls it with
historical models; tests that flush the database call it with the real ones.
"""

import json
from pathlib import Path

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "legal_frame.json"


def seed_legal_frame(*, category_model, legal_basis_model) -> None:
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    bases = {}
    for row in data["legal_bases"]:
        basis, _ = legal_basis_model.objects.get_or_create(code=row["code"], defaults=row)
        bases[basis.code] = basis
    # A migration's historical model may predate a field the fixture now carries.
    known = {field.name for field in category_model._meta.get_fields()}
    for row in data["categories"]:
        fields = {key: value for key, value in row.items() if key in known and key != "legal_bases"}
        category, created = category_model.objects.get_or_create(code=row["code"], defaults=fields)
        if created:
            category.legal_bases.set([bases[code] for code in row["legal_bases"]])
