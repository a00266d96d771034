"""What the auditors' pages call each recorded action and outcome, in plain words (the codes
stay in the log, the exports and the API)."""

from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    "request.created": _("Brouillon créé"),
    "request.updated": _("Brouillon modifié"),
    "request.sent_back": _("Brouillon renvoyé au juriste"),
    "request.signed": _("Demande signée et transmise"),
    "request.acknowledged": _("Réception accusée"),
    "request.assigned": _("Demande confiée à un référent"),
    "request.taken": _("Demande prise en charge par un référent"),
    "request.clarification_requested": _("Précisions demandées"),
    "request.clarified": _("Précisions apportées"),
    "request.decided": _("Décision enregistrée"),
    "request.delivery_recorded": _("Remise de la réponse enregistrée"),
    "request.closed": _("Demande close"),
    "request.withdrawn": _("Demande retirée"),
    "request.discarded": _("Brouillon abandonné"),
    "request.extended": _("Échéance prolongée"),
    "request.expired": _("Échéance dépassée (rejet implicite)"),
    "request.viewed": _("Demande consultée"),
    "request.listed": _("Liste de demandes consultée"),
    "request.exported": _("Liste de demandes exportée"),
    "request.not_found": _("Demande introuvable ou non autorisée"),
    "request.receipt_downloaded": _("Accusé de réception téléchargé"),
    "note.added": _("Note interne ajoutée"),
    "note.listed": _("Notes internes consultées"),
    "message.listed": _("Échanges de précisions consultés"),
    "remark.listed": _("Remarques du maire consultées"),
    "reminder.created": _("Rappel personnel programmé"),
    "reminder.cancelled": _("Rappel personnel annulé"),
    "notification.listed": _("Notifications consultées"),
    "notification.read": _("Notifications marquées comme lues"),
    "notification.preference_changed": _("Préférence de notification modifiée"),
    "stats.viewed": _("Statistiques consultées"),
    "stats.exported": _("Statistiques exportées"),
    "permission.denied": _("Accès refusé"),
    "auth.login": _("Connexion"),
    "auth.login_failed": _("Échec de connexion"),
    "auth.logout": _("Déconnexion"),
    "auth.token_issued": _("Jeton d'API délivré"),
    "user.created": _("Compte créé"),
    "user.language_changed": _("Langue de l'interface modifiée"),
    "user.privileges_changed": _("Droits d'un compte modifiés"),
    "membership.created": _("Rattachement à une organisation créé"),
    "membership.deleted": _("Rattachement à une organisation supprimé"),
    "territories.loaded": _("Territoires chargés"),
    "audit.listed": _("Journal d'audit consulté"),
    "audit.exports_listed": _("Exports du journal consultés"),
    "audit.export_requested": _("Export du journal demandé"),
    "audit.export_viewed": _("Export du journal consulté"),
    "audit.export_downloaded": _("Export du journal téléchargé"),
    "audit.integrity_viewed": _("Intégrité du journal consultée"),
    "audit.verified": _("Journal vérifié"),
    "audit.key_rotated": _("Clé de signature changée"),
    "audit.purged": _("Journal purgé"),
}

# The picker's families: "request.*" finds every action on requests, and so on.
ACTION_FAMILIES = {
    "request.*": _("Toutes les actions sur les demandes"),
    "auth.*": _("Toutes les connexions"),
    "audit.*": _("Toutes les actions sur le journal"),
    "notification.*": _("Toutes les actions sur les notifications"),
}

OUTCOME_LABELS = {
    "ok": _("Réussi"),
    "denied": _("Refusé"),
    "failed": _("Échec"),
    "not_found": _("Introuvable"),
    "not_ready": _("Pas encore prêt"),
}


def action_label(code: str) -> str:
    return str(ACTION_LABELS.get(code, code))


def outcome_label(code: str) -> str:
    return str(OUTCOME_LABELS.get(code, code))


def action_choices() -> list:
    """The picker: every action, families first, sorted by label in the reader's language."""
    families = [(code, label) for code, label in ACTION_FAMILIES.items()]
    actions = sorted(ACTION_LABELS.items(), key=lambda item: str(item[1]).lower())
    return [
        ("", _("Toutes les actions")),
        (_("Familles"), families),
        (_("Actions"), actions),
    ]
