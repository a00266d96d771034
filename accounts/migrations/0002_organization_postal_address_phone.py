"""An organisation's own postal address and telephone, for the acknowledgement of receipt
(CRPA R.112-5). Both blank by default: adding them rewrites no row."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="organization",
            name="phone",
            field=models.CharField(
                blank=True,
                help_text="Le standard de l'institution. Imprimé sur les accusés de réception.",
                max_length=30,
                verbose_name="téléphone du service",
            ),
        ),
        migrations.AddField(
            model_name="organization",
            name="postal_address",
            field=models.TextField(
                blank=True,
                help_text="L'adresse de l'institution, jamais celle d'une personne : une ligne par ligne d'adresse. Imprimée sur les accusés de réception.",
                max_length=300,
                verbose_name="adresse postale du service",
            ),
        ),
    ]
