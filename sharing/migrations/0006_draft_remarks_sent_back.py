"""The mayor may send a draft back with a remark (DraftRemark), and the legal officers are told
by a new event kind, `sent_back`, which like the other event kinds may repeat on one day: the
reminders' uniqueness constraint is rebuilt to leave it out."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("sharing", "0005_reminder_dispatch_schedule"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="DraftRemark",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("text", models.CharField(max_length=500, verbose_name="remarque")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("addressed_at", models.DateTimeField(blank=True, null=True)),
            ],
            options={
                "verbose_name": "remarque du maire",
                "verbose_name_plural": "remarques du maire",
                "ordering": ["created_at", "pk"],
            },
        ),
        migrations.RemoveConstraint(
            model_name="reminder",
            name="reminder_unique_per_request",
        ),
        migrations.AlterField(
            model_name="notification",
            name="kind",
            field=models.CharField(
                choices=[
                    ("acknowledgement_due_soon", "Accusé de réception bientôt dû"),
                    ("acknowledgement_overdue", "Accusé de réception en retard"),
                    ("decision_due_7", "Décision due dans 7 jours ouvrés"),
                    ("decision_due_2", "Décision due dans 2 jours ouvrés"),
                    ("decision_due_today", "Décision due aujourd'hui"),
                    ("decision_overdue", "Décision en retard"),
                    ("clarification_pending", "Précisions attendues"),
                    ("delivery_pending", "Remise de la réponse attendue"),
                    ("delivery_overdue", "Remise de la réponse en retard"),
                    ("overdue_digest", "Relevé hebdomadaire des retards"),
                    ("personal", "Rappel personnel"),
                    ("status_changed", "Changement de statut"),
                    ("deadline_changed", "Échéance modifiée"),
                    ("sent_back", "Brouillon renvoyé par le maire"),
                ],
                max_length=40,
            ),
        ),
        migrations.AlterField(
            model_name="reminder",
            name="kind",
            field=models.CharField(
                choices=[
                    ("acknowledgement_due_soon", "Accusé de réception bientôt dû"),
                    ("acknowledgement_overdue", "Accusé de réception en retard"),
                    ("decision_due_7", "Décision due dans 7 jours ouvrés"),
                    ("decision_due_2", "Décision due dans 2 jours ouvrés"),
                    ("decision_due_today", "Décision due aujourd'hui"),
                    ("decision_overdue", "Décision en retard"),
                    ("clarification_pending", "Précisions attendues"),
                    ("delivery_pending", "Remise de la réponse attendue"),
                    ("delivery_overdue", "Remise de la réponse en retard"),
                    ("overdue_digest", "Relevé hebdomadaire des retards"),
                    ("personal", "Rappel personnel"),
                    ("status_changed", "Changement de statut"),
                    ("deadline_changed", "Échéance modifiée"),
                    ("sent_back", "Brouillon renvoyé par le maire"),
                ],
                max_length=40,
            ),
        ),
        migrations.AddConstraint(
            model_name="reminder",
            constraint=models.UniqueConstraint(
                condition=models.Q(
                    ("info_request__isnull", False),
                    models.Q(
                        ("kind__in", ["deadline_changed", "sent_back", "status_changed"]),
                        _negated=True,
                    ),
                ),
                fields=("info_request", "kind", "due_on", "user"),
                name="reminder_unique_per_request",
            ),
        ),
        migrations.AddField(
            model_name="draftremark",
            name="author",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="draftremark",
            name="info_request",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="draft_remarks",
                to="sharing.inforequest",
            ),
        ),
    ]
