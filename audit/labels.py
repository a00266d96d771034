"""What the auditors' pages call each recorded action and outcome, in plain words (the codes
stay in the log, the exports and the API)."""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from sharing.formats import long_date

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
    "delegation.created": _("Délégation de signature accordée"),
    "delegation.revoked": _("Délégation de signature révoquée"),
    "delegation.not_found": _("Délégation introuvable ou non autorisée"),
    "cover.created": _("Remplacement organisé"),
    "cover.ended": _("Remplacement terminé"),
    "cover.not_found": _("Remplacement introuvable ou non autorisé"),
    "template.created": _("Modèle de message créé"),
    "template.updated": _("Modèle de message modifié"),
    "template.deleted": _("Modèle de message supprimé"),
    "template.not_found": _("Modèle de message introuvable ou non autorisé"),
    "note.listed": _("Notes internes consultées"),
    "message.listed": _("Échanges de précisions consultés"),
    "remark.listed": _("Remarques du maire consultées"),
    "reminder.created": _("Rappel personnel programmé"),
    "reminder.cancelled": _("Rappel personnel annulé"),
    "notification.listed": _("Notifications consultées"),
    "notification.read": _("Notifications marquées comme lues"),
    "notification.preference_changed": _("Préférence de notification modifiée"),
    "request.timeline_viewed": _("Historique d'une demande consulté"),
    "request.transition_refused": _("Changement de statut refusé"),
    "reminder.listed": _("Rappels consultés"),
    "account.viewed": _("Compte consulté"),
    "auth.locked_out": _("Compte bloqué après des échecs de connexion"),
    "auth.unlocked": _("Compte débloqué"),
    "auth.session_expired": _("Session expirée"),
    "auth.reauthenticated": _("Identité confirmée de nouveau"),
    "auth.reauthentication_failed": _("Échec de la confirmation d'identité"),
    "auth.second_factor_enrolled": _("Second facteur enregistré"),
    "auth.second_factor_verified": _("Second facteur vérifié"),
    "auth.second_factor_failed": _("Échec du second facteur"),
    "auth.second_factor_removed": _("Second facteur supprimé"),
    "auth.second_factor_reset": _("Second facteur réinitialisé par un administrateur"),
    "auth.recovery_code_used": _("Code de secours utilisé"),
    "auth.recovery_codes_renewed": _("Codes de secours renouvelés"),
    "auth.token_revoked": _("Jeton d'API révoqué"),
    "auth.proconnect.login": _("Connexion par ProConnect"),
    "auth.proconnect.logout": _("Déconnexion de ProConnect"),
    "auth.proconnect.refused": _("Connexion par ProConnect refusée"),
    "user.password_changed": _("Mot de passe changé"),
    "user.profile_changed": _("Profil modifié"),
    "member.invited": _("Membre invité"),
    "member.role_changed": _("Rôle d'un membre modifié"),
    "member.deactivated": _("Membre désactivé"),
    "member.not_found": _("Membre introuvable ou non autorisé"),
    "audit.event_redacted": _("Événement du journal caviardé"),
    "audit.proof_viewed": _("Preuve d'inclusion consultée"),
    "saved_view.created": _("Vue de liste enregistrée"),
    "saved_view.deleted": _("Vue de liste supprimée"),
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
    "user.*": _("Toutes les actions sur les comptes"),
    "member.*": _("Toutes les actions sur les membres"),
}

OUTCOME_LABELS = {
    "ok": _("Réussi"),
    "denied": _("Refusé"),
    "failed": _("Échec"),
    "not_found": _("Introuvable"),
    "not_ready": _("Pas encore prêt"),
    "refused": _("Refusé : données personnelles"),
    "locked": _("Compte bloqué"),
}


def action_label(code: str) -> str:
    return str(ACTION_LABELS.get(code) or ACTION_FAMILIES.get(code) or code)


def outcome_label(code: str) -> str:
    return str(OUTCOME_LABELS.get(code, code))


def known_action(value: str) -> None:
    """An action filter names an action or a family the log knows, as the journal's picker
    offers them: a word typed there is recorded with the list it filters and with an export."""
    if value and value not in ACTION_LABELS and value not in ACTION_FAMILIES:
        raise ValidationError(_("Aucune action ne porte ce nom."), code="invalid")


def action_choices() -> list:
    """The picker: every action, families first, sorted by label in the reader's language."""
    families = [(code, label) for code, label in ACTION_FAMILIES.items()]
    actions = sorted(ACTION_LABELS.items(), key=lambda item: str(item[1]).lower())
    return [
        ("", _("Toutes les actions")),
        (_("Familles"), families),
        (_("Actions"), actions),
    ]


FILTER_LABELS = {
    "date_from": _("Du"),
    "date_to": _("Au (inclus)"),
    "user": _("Utilisateur"),
    "organization": _("Organisation (code)"),
    "action": _("Action"),
    "reference": _("Référence de demande"),
}


def filters_in_words(filters: dict) -> list[tuple[str, str]]:
    """An export's recorded filters (EventFilters.as_dict) as the search form names them: the
    action by its label, the dates written out (the end is stored as the next day's midnight)."""

    words = []
    for name, label in FILTER_LABELS.items():
        value = filters.get(name)
        if not value:
            continue
        if name == "action":
            value = action_label(value)
        elif name in ("date_from", "date_to"):
            moment = datetime.fromisoformat(value)
            value = long_date(moment - timedelta(days=1) if name == "date_to" else moment)
        words.append((str(label), str(value)))
    return words
