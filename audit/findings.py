"""The verifier's findings in the reader's language, for the integrity page.

The verifier (audit/verifier/) is standard library only and speaks English, like the
`audit_verify` command and the standalone tool that read its lines; the page says what each
finding means in plain words and keeps the verifier's own line beside it for the technical team.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .verifier.chain import Report

CHECKPOINT_REASONS = {
    "periodic": gettext_lazy("Périodique"),
    "manual": gettext_lazy("Manuel"),
    "export": gettext_lazy("Export du journal"),
    "purge": gettext_lazy("Purge du journal"),
    "rotation": gettext_lazy("Changement de clé de signature"),
    "start": gettext_lazy("Démarrage"),
}


@dataclass(frozen=True)
class Finding:
    text: str  # in the reader's language
    line: str  # the verifier's own words


def _patterns() -> list[tuple[re.Pattern[str], str]]:
    """Most specific first; the texts use the numbers the pattern captures by name."""
    return [
        (
            r"^seq (?P<seq>\d+): hash does not match the event's content",
            _("Événement n° %(seq)s : son contenu a été modifié après son enregistrement."),
        ),
        (
            r"^seq (?P<seq>\d+): prev_hash does not match",
            _(
                "Événement n° %(seq)s : il ne suit plus l'événement précédent (événement "
                "supprimé, inséré, déplacé ou recalculé)."
            ),
        ),
        (
            r"^seq (?P<seq>\d+) follows seq (?P<prev>\d+)",
            _(
                "L'événement n° %(seq)s suit le n° %(prev)s : des événements manquent, sont "
                "en double ou dans le désordre."
            ),
        ),
        (
            r"^seq (?P<seq>\d+): scope column does not match",
            _("Événement n° %(seq)s : son périmètre enregistré ne correspond pas à l'événement."),
        ),
        (
            r"^seq (?P<seq>\d+): (the known )?checkpoint",
            _(
                "Événement n° %(seq)s : un point de contrôle signé atteste d'autres événements "
                "(historique réécrit)."
            ),
        ),
        (r"^seq (?P<seq>\d+):", _("Événement n° %(seq)s : enregistrement illisible ou altéré.")),
        (
            r"^checkpoint row (?P<number>\d+)",
            _(
                "Point de contrôle n° %(number)s : sa copie en base ne correspond pas à sa note "
                "signée."
            ),
        ),
        (
            r"^(rotation )?checkpoint (?P<number>\d+) (is not signed|has no valid signature|is "
            r"signed by)",
            _("Point de contrôle n° %(number)s : pas de signature valide par une clé connue."),
        ),
        (
            r"^checkpoint (?P<number>\d+) .*checkpoint file",
            _(
                "Point de contrôle n° %(number)s : la base et le fichier des points de contrôle "
                "ne concordent pas."
            ),
        ),
        (
            r"^checkpoints? .*not contiguous|^the first checkpoint has number",
            _("Des points de contrôle manquent ou ont été supprimés."),
        ),
        (
            r"^checkpoints? (?P<number>\d+)",
            _(
                "Point de contrôle n° %(number)s : il ne s'accorde pas avec les autres points de "
                "contrôle ou avec les événements."
            ),
        ),
        (
            r"^missing periodic checkpoint",
            _("Un point de contrôle périodique manque : l'intervalle attendu a été dépassé."),
        ),
        (
            r"^the chain head",
            _("La tête de chaîne ne correspond pas au dernier événement ou point de contrôle."),
        ),
        (
            r"checkpoint file|checkpoints are not in the checkpoint file",
            _("Le fichier des points de contrôle est illisible ou incomplet."),
        ),
        (
            r"^no checkpoint",
            _("Aucun point de contrôle signé n'ancre les événements vérifiés."),
        ),
    ]


def readable(message: str) -> str:
    """One finding of the verifier in the reader's language."""
    for pattern, text in _patterns():
        match = re.search(pattern, message)
        if match:
            return text % {key: value for key, value in match.groupdict().items() if value}
    return _("Anomalie technique : voir le détail du vérificateur.")


def findings(report: Report) -> tuple[list[Finding], list[Finding]]:
    """(errors, warnings) in the reader's language, each with the verifier's line."""
    errors = [Finding(readable(message), f"ERROR {message}") for message in report.errors]
    if report.suppressed:
        errors.append(
            Finding(
                _("… et %(count)s autres anomalies.") % {"count": report.suppressed},
                f"ERROR ... and {report.suppressed} more errors",
            )
        )
    warnings = [Finding(readable(message), f"WARNING {message}") for message in report.warnings]
    return errors, warnings


def checkpoint_reason(code: str) -> str:
    return str(CHECKPOINT_REASONS.get(code, code))
