from django.db import migrations

from sharing.legal_frame import seed_legal_frame


def seed(apps, schema_editor):
    seed_legal_frame(
        category_model=apps.get_model("sharing", "Category"),
        legal_basis_model=apps.get_model("sharing", "LegalBasis"),
    )


class Migration(migrations.Migration):
    dependencies = [("sharing", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
