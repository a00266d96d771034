"""Seeds categories and legal bases from sharing/fixtures/legal_frame.json (verified texts only).

Rows are matched by `code`: re-running never duplicates, and an admin's later edits to a row
are kept because the seed only creates what is missing.
"""

import json
from pathlib import Path

from django.db import migrations

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "legal_frame.json"


def seed(apps, schema_editor):
    Category = apps.get_model("sharing", "Category")
    LegalBasis = apps.get_model("sharing", "LegalBasis")
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    bases = {}
    for row in data["legal_bases"]:
        basis, _ = LegalBasis.objects.get_or_create(code=row["code"], defaults=row)
        bases[basis.code] = basis
    for row in data["categories"]:
        fields = {key: value for key, value in row.items() if key != "legal_bases"}
        category, created = Category.objects.get_or_create(code=row["code"], defaults=fields)
        if created:
            category.legal_bases.set([bases[code] for code in row["legal_bases"]])


class Migration(migrations.Migration):
    dependencies = [("sharing", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
