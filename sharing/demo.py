"""The demo data of DESIGN.md ("Interfaces", `manage.py demo`), built through the real services.

Organisations: the prefectures of Drôme (26), Pas-de-Calais (62) and Ardèche (07), the
communes of Montélimar, Valence, Arras, Lens and Privas, a national oversight body and one
scoped to Drôme. Users are named `<role>-<code>` (a contract outside clients rely on), plus a
staff superuser `admin`, all with one password. Requests cover every status and every
resolution, an overdue and an urgent case, and are driven by the services of
`sharing/services/`. A history of finished requests over the last twelve months follows
(HISTORY), so that the statistics have something to show.

The only direct writes shape time, since a fresh demo has no past: a few due dates are moved
into the past, and each finished request's dates (drafted, signed, acknowledged, decided,
delivered, closed or withdrawn, and the deadlines that follow from them) are moved back to
when it would have happened, with plausible durations between the steps (`_back_date`). The
audit log is not rewritten: it accepts no back-dated event (each is stamped when it is
recorded, and the chain is append-only), so a request's history page shows the day the demo
was loaded.

Idempotent: every demo request carries a secure-channel reference starting with "DEMO-"
(its scenario key); a scenario whose key exists is skipped, existing users and memberships
are kept and passwords reset. Everything runs in one transaction, so a failure leaves
nothing half built.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from accounts.models import (
    COMMUNE_ROLES,
    PREFECTURE_ROLES,
    Membership,
    Organization,
    OrgKind,
    Role,
    User,
)
from accounts.services import membership_create
from accounts.territories import LoadResult, territories_load
from accounts.validators import with_luhn_key

from . import deadlines
from .cover import absence_cover_create
from .delegations import signature_delegation_create
from .message_templates import message_template_create
from .models import (
    AbsenceCover,
    AgreementStatus,
    Category,
    DeliveryChannel,
    InfoRequest,
    LegalBasis,
    MessageTemplate,
    Notification,
    ReasonCode,
    Reminder,
    ReminderStatus,
    Resolution,
    SignatureDelegation,
    Status,
    Urgency,
)
from .services.clarification import info_request_clarify, info_request_request_clarification
from .services.drafting import (
    info_request_create,
    info_request_discard,
    info_request_send_back,
    info_request_sign,
    info_request_withdraw,
)
from .services.handling import (
    info_request_acknowledge,
    info_request_assign,
    info_request_close,
    info_request_decide,
    info_request_expire,
    info_request_extend,
    info_request_record_delivery,
)
from .services.notes import note_add

DEFAULT_PASSWORD = "relais-demo-2026"  # noqa: S105 - documented demo password, local use only

PREFECTURES = ("26", "62", "07")
# The prefectures' own postal address and switchboard, printed on acknowledgements of receipt.
PREFECTURE_CONTACTS = {
    "26": ("3 boulevard Vauban\n26030 Valence Cedex", "04 75 79 28 00"),
    "62": ("Rue Ferdinand Buisson\n62020 Arras Cedex", "03 21 21 20 00"),
    "07": ("Rue Pierre Filliat\n07000 Privas", "04 75 66 50 00"),
}
COMMUNES = ("26198", "26362", "62041", "62498", "07186")
# (code, name, departement_code): empty département = national scope.
OVERSIGHT = (
    ("national", "Inspection générale — portée nationale", ""),
    ("26", "Délégué à la protection des données — Drôme", "26"),
)
ADMIN_USERNAME = "admin"


def username(role: str, code: str) -> str:
    return f"{role}-{code}"


# --- scenarios ---------------------------------------------------------------------------------
#
# A scenario is a request and the steps that bring it to where the demo shows it. Steps name a
# service; who performs it follows from the role the lifecycle gives that step.


@dataclass(frozen=True)
class Step:
    action: str
    options: dict = field(default_factory=dict)


def step(action: str, **options) -> Step:
    return Step(action=action, options=options)


@dataclass(frozen=True)
class Scenario:
    key: str  # the request's secure_channel_ref: what makes the demo idempotent
    commune: str
    category: str
    legal_basis: str
    purpose: str
    steps: tuple[Step, ...] = ()
    urgency: str = Urgency.NORMAL
    # For a finished request: how many days ago it was signed (0: today, as played), and
    # whether its decision came after the deadline.
    signed_days_ago: int = 0
    decided_late: bool = False


SIGN = step("sign")
ACK = step("acknowledge")
ASSIGN = step("assign")
CLOSE = step("close")


def decide(resolution: str, reason_code: str = "", remarks: str = "", **agreements) -> Step:
    return step(
        "decide", resolution=resolution, reason_code=reason_code, remarks=remarks, **agreements
    )


def deliver(channel: str) -> Step:
    return step("record_delivery", channel=channel)


def past_due(due_field: str, days_ago: int) -> Step:
    """Demo data shaping: the deadline passed `days_ago` business days ago (no service goes
    back in time)."""
    return step("past_due", field=due_field, days_ago=days_ago)


INSTRUCTION = "instruction-intk1826096j"

SCENARIOS: tuple[Scenario, ...] = (
    # Montélimar (26198)
    Scenario(
        key="DEMO-BR-2026-0101",
        commune="26198",
        category="general-threat-briefing",
        legal_basis=INSTRUCTION,
        purpose=(
            "Point de situation sur l'état général de la menace dans la commune, en vue du "
            "conseil municipal restreint consacré à la sécurité du trimestre prochain."
        ),
    ),
    Scenario(
        key="DEMO-BR-2026-0102",
        commune="26198",
        category="fsprt-presence",
        legal_basis=INSTRUCTION,
        purpose=(
            "Demande d'information sur le niveau de la menace liée à la radicalisation dans "
            "les quartiers prioritaires de la commune, avant les festivités de l'été."
        ),
        urgency=Urgency.URGENT,
        steps=(SIGN,),
    ),
    Scenario(
        key="DEMO-BR-2026-0103",
        commune="26198",
        category="municipal-employee-sensitive-post",
        legal_basis=INSTRUCTION,
        purpose=(
            "Vérification préalable concernant un agent pressenti pour un poste d'animateur "
            "auprès de mineurs ; l'identité de l'agent figure dans le courrier sécurisé."
        ),
        steps=(
            SIGN,
            ACK,
            ASSIGN,
            step(
                "note",
                text=(
                    "Saisine du service départemental du renseignement territorial effectuée ; "
                    "retour attendu sous quinze jours."
                ),
            ),
        ),
    ),
    Scenario(
        key="DEMO-BR-2026-0104",
        commune="26198",
        category="association-subsidy",
        legal_basis=INSTRUCTION,
        purpose=(
            "Avis sur une association sportive sollicitant une subvention municipale et la mise "
            "à disposition d'un gymnase ; l'association est désignée dans le courrier sécurisé."
        ),
        steps=(
            SIGN,
            ACK,
            step(
                "request_clarification",
                message=(
                    "Merci de préciser le montant de la subvention envisagée et la séance du "
                    "conseil municipal au cours de laquelle elle sera votée."
                ),
            ),
        ),
    ),
    Scenario(
        key="DEMO-BR-2026-0105",
        commune="26198",
        signed_days_ago=40,
        category="report-feedback",
        legal_basis="cpp-11-2",
        purpose=(
            "Retour sur le signalement transmis par le maire au référent de la préfecture au "
            "sujet d'un comportement inquiétant constaté dans un équipement sportif municipal."
        ),
        steps=(
            SIGN,
            ACK,
            ASSIGN,
            decide(Resolution.GRANTED, procureur_agreement=AgreementStatus.AGREED),
            deliver(DeliveryChannel.BILATERAL_MEETING),
        ),
    ),
    Scenario(
        key="DEMO-BR-2026-0106",
        commune="26198",
        signed_days_ago=150,
        category="general-threat-briefing",
        legal_basis="csi-d132-7",
        purpose=(
            "Présentation de l'état de la menace aux membres du CLSPD lors de la séance "
            "plénière semestrielle."
        ),
        steps=(
            SIGN,
            ACK,
            decide(Resolution.GRANTED),
            deliver(DeliveryChannel.CLSPD_SESSION),
            CLOSE,
        ),
    ),
    # Valence (26362)
    Scenario(
        key="DEMO-BR-2026-0201",
        commune="26362",
        category="social-support",
        legal_basis="csi-l132-5",
        purpose=(
            "Coordination de l'accompagnement social d'une famille suivie par le centre "
            "communal d'action sociale, dans le cadre de la cellule de prévention de la "
            "radicalisation ; la famille est désignée dans le courrier sécurisé."
        ),
        steps=(
            SIGN,
            ACK,
            decide(Resolution.GRANTED),
            past_due("delivery_due", days_ago=3),  # an overdue delivery
        ),
    ),
    Scenario(
        key="DEMO-BR-2026-0202",
        commune="26362",
        category="fsprt-presence",
        legal_basis=INSTRUCTION,
        purpose=(
            "Nombre de personnes inscrites au FSPRT résidant dans la commune et répartition "
            "par quartier, pour orienter les actions de prévention."
        ),
        steps=(
            SIGN,
            ACK,
            decide(
                Resolution.REFUSED,
                ReasonCode.NATIONAL_DEFENCE_SECRET,
                remarks="Un point général sur la menace peut être proposé en entretien.",
            ),
        ),
    ),
    Scenario(
        key="DEMO-BR-2026-0203",
        commune="26362",
        signed_days_ago=95,
        category="report-feedback",
        legal_basis="cpp-11-2",
        purpose=(
            "Suites données au signalement de la police municipale après des inscriptions "
            "à caractère prosélyte relevées dans un parc public."
        ),
        steps=(
            SIGN,
            ACK,
            decide(
                Resolution.REFUSED,
                ReasonCode.INVESTIGATION_SECRET,
                procureur_agreement=AgreementStatus.DISAGREED,
            ),
            CLOSE,
        ),
    ),
    Scenario(
        key="DEMO-BR-2026-0204",
        commune="26362",
        category="clspd-cpraf-working-group",
        legal_basis="circulaire-2014-04-29-cpraf",
        purpose=(
            "Participation de la commune à la cellule de prévention de la radicalisation et "
            "d'accompagnement des familles, et désignation de son représentant."
        ),
        steps=(SIGN, ACK, decide(Resolution.REDIRECTED)),
    ),
    Scenario(
        key="DEMO-BR-2026-0205",
        commune="26362",
        category="municipal-employee-sensitive-post",
        legal_basis=INSTRUCTION,
        purpose=(
            "Avis sur le recrutement d'un agent de surveillance de la voie publique ; "
            "l'identité du candidat est transmise par courrier sécurisé."
        ),
        # The decision deadline passed in silence: the deadline service rejects implicitly.
        steps=(SIGN, ACK, past_due("decision_due", days_ago=2), step("expire")),
    ),
    Scenario(
        key="DEMO-BR-2026-0206",
        commune="26362",
        category="general-threat-briefing",
        legal_basis=INSTRUCTION,
        purpose=(
            "Point sur la menace aux abords des établissements scolaires avant la rentrée, "
            "pour adapter la présence de la police municipale."
        ),
        # The mayor sent the draft back instead of signing: the legal officer has it to redo.
        steps=(
            step(
                "send_back",
                remark="Préciser les établissements concernés et la période visée.",
            ),
        ),
    ),
    # Arras (62041)
    Scenario(
        key="DEMO-BR-2026-0301",
        commune="62041",
        category="general-threat-briefing",
        legal_basis=INSTRUCTION,
        purpose=(
            "Point sur l'état de la menace à l'approche des rassemblements de fin d'année "
            "organisés dans le centre-ville."
        ),
        steps=(SIGN, past_due("acknowledgement_due", days_ago=4)),  # an overdue acknowledgement
    ),
    Scenario(
        key="DEMO-BR-2026-0302",
        commune="62041",
        signed_days_ago=60,
        category="association-subsidy",
        legal_basis=INSTRUCTION,
        purpose=(
            "Avis sur une association culturelle sollicitant le prêt régulier d'une salle "
            "municipale ; l'association est désignée dans le courrier sécurisé."
        ),
        steps=(
            SIGN,
            step("withdraw", reason="L'association a renoncé à sa demande de prêt de salle."),
        ),
    ),
    Scenario(
        key="DEMO-BR-2026-0303",
        commune="62041",
        category="social-support",
        legal_basis=INSTRUCTION,
        purpose=(
            "Articulation entre le suivi social assuré par la commune et l'accompagnement "
            "décidé en cellule préfectorale pour un jeune majeur désigné par courrier sécurisé."
        ),
        steps=(
            SIGN,
            ACK,
            ASSIGN,
            step(
                "request_clarification",
                message="Merci d'indiquer quel service municipal assure aujourd'hui le suivi.",
            ),
            step(
                "clarify",
                message="Le suivi est assuré par le service de prévention spécialisée.",
            ),
            step("extend", days=30, reason="Consultation du procureur en cours."),
        ),
    ),
    # Lens (62498)
    Scenario(
        key="DEMO-BR-2026-0401",
        commune="62498",
        category="clspd-cpraf-working-group",
        legal_basis="csi-l132-5",
        purpose=(
            "Inscription à l'ordre du jour du prochain groupe de travail du CLSPD d'un point "
            "sur la prévention de la radicalisation en milieu scolaire."
        ),
        steps=(step("withdraw", reason="Le point sera traité directement en séance du CLSPD."),),
    ),
    # A draft its legal officer gave up before the mayor saw it: out of the lists, kept.
    Scenario(
        key="DEMO-BR-2026-0405",
        commune="62498",
        category="clspd-cpraf-working-group",
        legal_basis="csi-l132-5",
        purpose=(
            "Point sur la sécurisation des abords du marché hebdomadaire, rédigé en double "
            "d'une demande déjà transmise."
        ),
        steps=(step("discard"),),
    ),
    Scenario(
        key="DEMO-BR-2026-0402",
        commune="62498",
        category="municipal-employee-sensitive-post",
        legal_basis=INSTRUCTION,
        purpose=(
            "Vérification avant la prise de poste d'un agent affecté à la sécurité d'un "
            "établissement recevant du public ; identité transmise par courrier sécurisé."
        ),
        urgency=Urgency.URGENT,
        steps=(SIGN, ACK, ASSIGN),
    ),
    Scenario(
        key="DEMO-BR-2026-0403",
        commune="62498",
        category="association-subsidy",
        legal_basis=INSTRUCTION,
        purpose=(
            "Avis sur une association de quartier candidate à une subvention pour des "
            "activités périscolaires ; l'association est désignée dans le courrier sécurisé."
        ),
        steps=(
            SIGN,
            ACK,
            decide(
                Resolution.PARTIALLY_GRANTED,
                ReasonCode.INFORMATION_NOT_HELD,
                intelligence_agreement=AgreementStatus.AGREED,
            ),
        ),
    ),
    Scenario(
        key="DEMO-BR-2026-0404",
        commune="62498",
        signed_days_ago=200,
        category="report-feedback",
        legal_basis=INSTRUCTION,
        purpose=(
            "Retour sur le signalement adressé par le maire au sujet de propos tenus lors "
            "d'une activité périscolaire organisée par la commune."
        ),
        steps=(
            SIGN,
            ACK,
            decide(Resolution.PARTIALLY_GRANTED, ReasonCode.INVESTIGATION_SECRET),
            deliver(DeliveryChannel.SECURE_PHONE),
            CLOSE,
        ),
    ),
    # Privas (07186)
    Scenario(
        key="DEMO-BR-2026-0501",
        commune="07186",
        category="general-threat-briefing",
        legal_basis=INSTRUCTION,
        purpose=(
            "Demande de point annuel sur l'état de la menace dans le département, à présenter "
            "en commission municipale de sécurité."
        ),
    ),
    Scenario(
        key="DEMO-BR-2026-0502",
        commune="07186",
        category="fsprt-presence",
        legal_basis=INSTRUCTION,
        purpose=(
            "Information sur la présence éventuelle de personnes suivies pour radicalisation "
            "parmi les bénévoles d'une manifestation culturelle municipale."
        ),
        steps=(SIGN,),
    ),
    Scenario(
        key="DEMO-BR-2026-0503",
        commune="07186",
        signed_days_ago=120,
        category="association-subsidy",
        legal_basis=INSTRUCTION,
        purpose=(
            "Avis sur une association sollicitant l'usage d'un local communal ; "
            "l'association est désignée dans le courrier sécurisé."
        ),
        steps=(
            SIGN,
            ACK,
            decide(Resolution.REFUSED, ReasonCode.NO_LEGAL_BASIS),
            CLOSE,
        ),
    ),
    Scenario(
        key="DEMO-BR-2026-0504",
        commune="07186",
        category="social-support",
        legal_basis=INSTRUCTION,
        purpose=(
            "Demande d'éléments sur un dossier relevant d'une autre commune, transmise par "
            "erreur au titre de l'accompagnement social."
        ),
        steps=(
            SIGN,
            ACK,
            decide(Resolution.REFUSED, ReasonCode.OUTSIDE_COMPETENCE),
        ),
    ),
)


# --- history -------------------------------------------------------------------------------------
#
# Finished requests signed over the last twelve months: each commune asks something every two
# months or so (few, since each goes through the services and costs a demo load about a tenth
# of a second), and each request went the whole way (decided, delivered or not, closed; a few
# withdrawn). Their dates are moved back by `_back_date`.

HISTORY_CASES: tuple[tuple[str, str, str, tuple[Step, ...]], ...] = (
    (
        "general-threat-briefing",
        INSTRUCTION,
        "Point de situation sur l'état de la menace dans la commune, en vue de la réunion "
        "trimestrielle de la cellule municipale de sécurité.",
        (SIGN, ACK, decide(Resolution.GRANTED), deliver(DeliveryChannel.BILATERAL_MEETING), CLOSE),
    ),
    (
        "association-subsidy",
        INSTRUCTION,
        "Avis sur une association sollicitant le renouvellement de sa subvention municipale ; "
        "l'association est désignée dans le courrier sécurisé.",
        (SIGN, ACK, decide(Resolution.GRANTED), deliver(DeliveryChannel.SECURE_PHONE), CLOSE),
    ),
    (
        "fsprt-presence",
        INSTRUCTION,
        "Demande d'information sur la présence de personnes suivies pour radicalisation dans "
        "la commune, pour préparer le plan local de prévention.",
        (SIGN, ACK, decide(Resolution.REFUSED, ReasonCode.NO_LEGAL_BASIS), CLOSE),
    ),
    (
        "clspd-cpraf-working-group",
        "csi-l132-5",
        "Inscription d'un point sur la prévention de la radicalisation à l'ordre du jour du "
        "groupe de travail restreint du CLSPD.",
        (SIGN, ACK, decide(Resolution.GRANTED), deliver(DeliveryChannel.CLSPD_SESSION), CLOSE),
    ),
    (
        "report-feedback",
        "cpp-11-2",
        "Retour sur le signalement transmis par le maire après des faits constatés lors d'une "
        "manifestation municipale ; le signalement est désigné dans le courrier sécurisé.",
        (
            SIGN,
            ACK,
            decide(Resolution.PARTIALLY_GRANTED, ReasonCode.INVESTIGATION_SECRET),
            deliver(DeliveryChannel.BILATERAL_MEETING),
            CLOSE,
        ),
    ),
    (
        "social-support",
        "csi-l132-5",
        "Coordination de l'accompagnement d'un jeune suivi par le service municipal de "
        "prévention ; la personne est désignée dans le courrier sécurisé.",
        (SIGN, ACK, decide(Resolution.REDIRECTED), CLOSE),
    ),
    (
        "municipal-employee-sensitive-post",
        INSTRUCTION,
        "Vérification préalable au recrutement d'un agent affecté à l'accueil de mineurs ; "
        "l'identité du candidat est transmise par courrier sécurisé.",
        (
            SIGN,
            ACK,
            decide(
                Resolution.GRANTED,
                procureur_agreement=AgreementStatus.AGREED,
                intelligence_agreement=AgreementStatus.AGREED,
            ),
            deliver(DeliveryChannel.SECURE_PHONE),
            CLOSE,
        ),
    ),
    (
        "association-subsidy",
        INSTRUCTION,
        "Avis sur une association demandant la mise à disposition d'un local communal ; "
        "l'association est désignée dans le courrier sécurisé.",
        (SIGN, step("withdraw", reason="La commune a retiré sa délibération.")),
    ),
)
HISTORY_PER_COMMUNE = 5


def history_scenarios() -> tuple[Scenario, ...]:
    """HISTORY_PER_COMMUNE finished requests per demo commune, signed from about ten months
    ago to two weeks ago, the communes' dates staggered."""
    scenarios = []
    for index, commune in enumerate(COMMUNES):
        for number in range(HISTORY_PER_COMMUNE):
            category, legal_basis, purpose, steps = HISTORY_CASES[
                (number + index) % len(HISTORY_CASES)
            ]
            scenarios.append(
                Scenario(
                    key=f"DEMO-HIST-2026-{index + 1}{number + 1:02d}",
                    commune=commune,
                    category=category,
                    legal_basis=legal_basis,
                    purpose=purpose,
                    steps=steps,
                    signed_days_ago=14 + number * 62 + index * 11,
                    # One in five decided late, long enough ago to have run its course.
                    decided_late=number == 2,
                )
            )
    return tuple(scenarios)


HISTORY = history_scenarios()


# --- loading -----------------------------------------------------------------------------------


@dataclass
class DemoResult:
    territories: LoadResult
    organisations_created: int = 0
    users_created: int = 0
    memberships_created: int = 0
    requests_created: int = 0
    requests_skipped: int = 0
    logins: list[tuple[str, str]] = field(default_factory=list)  # (username, what it is)


@dataclass
class _Demo:
    prefectures: dict[str, Organization]
    communes: dict[str, Organization]
    users: dict[str, User]
    result: DemoResult


def demo_load(*, password: str, departements: Collection[str] | None = None) -> DemoResult:
    """Loads territories, the demo organisations, users and requests; safe to run again.

    `departements` limits the territories loaded (the demo's own are always included).
    """
    if not password:
        raise ValueError("the demo password cannot be empty")
    if departements is not None:
        departements = sorted({*departements, *PREFECTURES})
    with transaction.atomic():
        result = DemoResult(territories=territories_load(departements=departements))
        demo = _Demo(
            prefectures=_organisations(OrgKind.PREFECTURE, PREFECTURES),
            communes=_organisations(OrgKind.COMMUNE, COMMUNES),
            users={},
            result=result,
        )
        _prefecture_contacts(demo.prefectures)
        oversight = _oversight(result)
        _sirets([*demo.prefectures.values(), *demo.communes.values(), *oversight.values()])
        _people(demo, oversight, password)
        _habits(demo)
        for scenario in (*SCENARIOS, *HISTORY):
            _play(demo, scenario)
    return result


def _organisations(kind: str, codes: Collection[str]) -> dict[str, Organization]:
    found = {o.code: o for o in Organization.objects.filter(kind=kind, code__in=codes)}
    missing = set(codes) - set(found)
    if missing:
        raise RuntimeError(f"territories missing after the load: {kind} {sorted(missing)}")
    return found


def _prefecture_contacts(prefectures: dict[str, Organization]) -> None:
    for code, (postal_address, phone) in PREFECTURE_CONTACTS.items():
        prefecture = prefectures[code]
        if (prefecture.postal_address, prefecture.phone) != (postal_address, phone):
            prefecture.postal_address, prefecture.phone = postal_address, phone
            prefecture.save(update_fields=["postal_address", "phone"])


def demo_siret(organization: Organization) -> str:
    """A plausible SIRET: a commune's SIREN is 21, its département, 0, its number in the
    département and a key; the State's services start with 1."""
    code = organization.code
    if organization.kind == OrgKind.COMMUNE and code.isdigit() and len(code) == 5:
        siren = with_luhn_key(f"21{code[:2]}0{code[2:]}")
    elif organization.kind == OrgKind.PREFECTURE and code.isdigit():
        siren = with_luhn_key(f"17{code.zfill(2)}0001")
    else:
        digits = "".join(str(ord(ch) % 10) for ch in code)[:6].ljust(6, "0")
        siren = with_luhn_key(f"11{digits}")
    return with_luhn_key(f"{siren}0001")


def _sirets(organizations: list[Organization]) -> None:
    """Each demo organisation gets a SIRET (for ProConnect), unless one was set already."""
    for organization in organizations:
        if not organization.siret:
            organization.siret = demo_siret(organization)
            organization.save(update_fields=["siret"])


# Fictitious agents' names, so that pages show people rather than usernames.
DEMO_NAMES = [
    ("Claire", "Dubois"),
    ("Thomas", "Lefèvre"),
    ("Nadia", "Benali"),
    ("Julien", "Moreau"),
    ("Sophie", "Garnier"),
    ("Karim", "Haddad"),
    ("Élodie", "Rousseau"),
    ("Marc", "Fontaine"),
    ("Aïcha", "Diallo"),
    ("Pierre", "Lambert"),
    ("Hélène", "Mercier"),
    ("Yann", "Le Goff"),
]


def _oversight(result: DemoResult) -> dict[str, Organization]:
    bodies = {}
    for code, name, departement_code in OVERSIGHT:
        body, created = Organization.objects.get_or_create(
            kind=OrgKind.OVERSIGHT,
            code=code,
            defaults={"name": name, "departement_code": departement_code},
        )
        if not created and (body.name, body.departement_code) != (name, departement_code):
            body.name, body.departement_code = name, departement_code
            body.save(update_fields=["name", "departement_code"])
        result.organisations_created += created
        bodies[code] = body
    return bodies


def _user(demo: _Demo, name: str, password_hash: str, *, superuser: bool = False) -> User:
    user, created = User.objects.get_or_create(
        username=name, defaults={"email": f"{name}@demo.relais.test"}
    )
    user.is_active = True
    user.is_staff = user.is_superuser = superuser
    if not (user.first_name or user.last_name):
        user.first_name, user.last_name = DEMO_NAMES[len(demo.users) % len(DEMO_NAMES)]
    user.password = password_hash
    user.save()
    demo.result.users_created += created
    demo.users[name] = user
    return user


def _member(demo: _Demo, organization: Organization, role: str, password_hash: str) -> None:
    user = _user(demo, username(role, organization.code), password_hash)
    exists = Membership.objects.filter(user=user, organization=organization, role=role).exists()
    membership_create(user=user, organization=organization, role=role, actor=None)
    demo.result.memberships_created += not exists
    demo.result.logins.append((user.username, f"{Role(role).label} ({organization.name})"))


def _people(demo: _Demo, oversight: dict[str, Organization], password: str) -> None:
    # One hash for every demo account: the password is shared and printed anyway, and hashing
    # it nineteen times would add about ten seconds to every run.
    password_hash = make_password(password)
    for code in COMMUNES:
        for role in sorted(COMMUNE_ROLES):
            _member(demo, demo.communes[code], role, password_hash)
    for code in PREFECTURES:
        for role in sorted(PREFECTURE_ROLES):
            _member(demo, demo.prefectures[code], role, password_hash)
    for body in oversight.values():
        _member(demo, body, Role.AUDITOR, password_hash)
    _user(demo, ADMIN_USERNAME, password_hash, superuser=True)
    demo.result.logins.append((ADMIN_USERNAME, "Administration de la plateforme (staff)"))


# Each prefecture's reusable wordings (kind, title, text), as its admin would write them.
DEMO_TEMPLATES = (
    (
        "clarification",
        "Périmètre et période",
        "Merci de préciser le périmètre géographique et la période visés par la demande.",
    ),
    (
        "clarification",
        "Cadre de l'échange",
        "Merci d'indiquer dans quel cadre (CLSPD, réunion bilatérale) l'information serait "
        "utilisée.",
    ),
    (
        "decision",
        "Remise en réunion",
        "L'information sera remise lors de la prochaine réunion bilatérale.",
    ),
)


def _habits(demo: _Demo) -> None:
    """The administration's habits, once: message templates in each prefecture, Montélimar's
    mayor delegating signature to the commune's legal officer, and a cover in Drôme."""
    for code, prefecture in demo.prefectures.items():
        if MessageTemplate.objects.filter(prefecture=prefecture).exists():
            continue
        admin = demo.users[username(Role.PREFECTURE_ADMIN, code)]
        for kind, title, text in DEMO_TEMPLATES:
            message_template_create(
                actor=admin, prefecture=prefecture, kind=kind, title=title, text=text
            )
    commune = demo.communes["26198"]
    if not SignatureDelegation.objects.filter(commune=commune).exists():
        today = timezone.localdate()
        signature_delegation_create(
            actor=demo.users[username(Role.MAYOR, commune.code)],
            commune=commune,
            deputy=demo.users[username(Role.LEGAL_OFFICER, commune.code)],
            starts_on=today,
            ends_on=today + timedelta(days=180),
            order_reference=f"ARR-{today.year}-042",
        )
    # Drôme's liaison away for two weeks, covered by the prefecture's administrator, whose
    # "En remplacement" list then holds the liaison's open requests.
    prefecture = demo.prefectures["26"]
    if not AbsenceCover.objects.filter(prefecture=prefecture).exists():
        today = timezone.localdate()
        liaison = demo.users[username(Role.LIAISON, prefecture.code)]
        absence_cover_create(
            actor=liaison,
            prefecture=prefecture,
            absent=liaison,
            colleague=demo.users[username(Role.PREFECTURE_ADMIN, prefecture.code)],
            starts_on=today,
            ends_on=today + timedelta(days=14),
        )


def _play(demo: _Demo, scenario: Scenario) -> None:
    if InfoRequest.objects.filter(secure_channel_ref=scenario.key).exists():
        demo.result.requests_skipped += 1
        return
    commune = demo.communes[scenario.commune]
    dep = commune.prefecture.code
    legal_officer = demo.users[username(Role.LEGAL_OFFICER, commune.code)]
    mayor = demo.users[username(Role.MAYOR, commune.code)]
    liaison = demo.users[username(Role.LIAISON, dep)]
    admin = demo.users[username(Role.PREFECTURE_ADMIN, dep)]
    info_request = info_request_create(
        actor=legal_officer,
        commune=commune,
        category=Category.objects.get(code=scenario.category),
        legal_basis=LegalBasis.objects.get(code=scenario.legal_basis),
        purpose=scenario.purpose,
        urgency=scenario.urgency,
        secure_channel_ref=scenario.key,
    )
    today = timezone.localdate()
    actions: dict[str, Callable[[InfoRequest, dict], object]] = {
        "sign": lambda r, o: info_request_sign(info_request=r, actor=mayor),
        "send_back": lambda r, o: info_request_send_back(info_request=r, actor=mayor, **o),
        "withdraw": lambda r, o: info_request_withdraw(info_request=r, actor=mayor, **o),
        "discard": lambda r, o: info_request_discard(info_request=r, actor=legal_officer),
        "clarify": lambda r, o: info_request_clarify(info_request=r, actor=legal_officer, **o),
        "acknowledge": lambda r, o: info_request_acknowledge(info_request=r, actor=liaison),
        "assign": lambda r, o: info_request_assign(info_request=r, actor=admin, liaison=liaison),
        "request_clarification": lambda r, o: info_request_request_clarification(
            info_request=r, actor=liaison, **o
        ),
        "decide": lambda r, o: info_request_decide(info_request=r, actor=liaison, **o),
        "record_delivery": lambda r, o: info_request_record_delivery(
            info_request=r, actor=liaison, delivered_on=today, **o
        ),
        "close": lambda r, o: info_request_close(info_request=r, actor=liaison),
        "extend": lambda r, o: info_request_extend(
            info_request=r,
            actor=liaison,
            new_due_date=_later_due(r, o["days"]),
            reason=o["reason"],
        ),
        "note": lambda r, o: note_add(info_request=r, actor=liaison, **o),
        "expire": lambda r, o: info_request_expire(info_request=r),
        "past_due": lambda r, o: _move_due_date_back(r, today=today, **o),
    }
    for current in scenario.steps:
        outcome = actions[current.action](info_request, current.options)
        info_request = outcome if isinstance(outcome, InfoRequest) else info_request
    if scenario.signed_days_ago:
        _back_date(
            info_request,
            signed_days_ago=scenario.signed_days_ago,
            seed=scenario.key,
            decided_late=scenario.decided_late,
        )
    demo.result.requests_created += 1


def _later_due(info_request: InfoRequest, days: int) -> date:
    running = info_request.decision_due or timezone.localdate()
    return deadlines.next_business_day(
        running + timedelta(days=days),
        departement_code=info_request.commune.departement_code,
    )


def _move_due_date_back(
    info_request: InfoRequest, *, today: date, field: str, days_ago: int
) -> InfoRequest:
    """Demo data shaping, not a lifecycle step: a fresh demo has no past, so a due date (and
    nothing else) is moved `days_ago` business days back to show an overdue request."""
    if field not in {"acknowledgement_due", "decision_due", "delivery_due"}:
        raise ValueError(f"{field} is not a due date")
    day = today
    while days_ago > 0:
        day -= timedelta(days=1)
        if deadlines.is_business_day(day, departement_code=info_request.commune.departement_code):
            days_ago -= 1
    InfoRequest.objects.filter(pk=info_request.pk).update(**{field: day})
    info_request.refresh_from_db()
    return info_request


# Days between two steps of a finished request, (shortest, longest), drawn for each request.
DURATIONS = {
    "submitted_at": (0, 4),  # drafted, then signed by the mayor
    "acknowledged_at": (1, 7),
    "decided_at": (5, 50),
    "delivered_at": (2, 14),
    "closed_at": (1, 10),
    "withdrawn_at": (3, 25),
}
LATE_DECISION = (65, 80)  # days after the acknowledgement: past the usual two months
FINISHED = {Status.DELIVERED, Status.CLOSED, Status.WITHDRAWN}


def _working_time(day: date, *, rng: random.Random, departement_code: str) -> datetime:
    """A time during office hours on the first business day from `day`."""
    day = deadlines.next_business_day(day, departement_code=departement_code)
    at = time(hour=rng.randint(8, 17), minute=rng.randrange(0, 60, 5))
    return datetime.combine(day, at, tzinfo=timezone.get_current_timezone())


def _back_date(
    info_request: InfoRequest, *, signed_days_ago: int, seed: str, decided_late: bool = False
) -> None:
    """Demo data shaping, not a lifecycle step: a finished request's dates moved back to a
    plausible past (signed `signed_days_ago` days ago, each later step a few days or weeks
    after the one before, never later than yesterday), its deadlines recomputed from those
    dates, its notices marked read and its e-mails cancelled (nobody is told today about a
    request closed months ago). Open requests keep their dates: their deadlines run."""
    info_request.refresh_from_db()
    if info_request.status not in FINISHED or info_request.submitted_at is None:
        return
    rng = random.Random(seed)  # noqa: S311 - demo dates, not a secret
    dep = info_request.commune.departement_code
    today = timezone.localdate()
    signed = _working_time(today - timedelta(days=signed_days_ago), rng=rng, departement_code=dep)
    created = signed - timedelta(days=rng.randint(*DURATIONS["submitted_at"]), hours=2)
    dates = {"created_at": created, "submitted_at": signed}
    previous = signed
    for name in ("acknowledged_at", "decided_at", "delivered_at", "closed_at", "withdrawn_at"):
        if getattr(info_request, name) is not None:
            late = decided_late and name == "decided_at"
            days = rng.randint(*(LATE_DECISION if late else DURATIONS[name]))
            previous = _working_time(
                previous.date() + timedelta(days=days), rng=rng, departement_code=dep
            )
            dates[name] = previous
    # A recent request whose steps would run past today: the same steps, closer together.
    latest = datetime.combine(
        today - timedelta(days=1), time(hour=18), tzinfo=timezone.get_current_timezone()
    )
    if previous > latest:
        ratio = (latest - signed) / (previous - signed)
        for name in ("acknowledged_at", "decided_at", "delivered_at", "closed_at", "withdrawn_at"):
            if name in dates:
                dates[name] = signed + (dates[name] - signed) * ratio
        previous = latest
    category = info_request.category
    signed_on = timezone.localdate(signed)
    dates["acknowledgement_due"] = deadlines.add_business_days(
        signed_on, category.acknowledgement_days, departement_code=dep
    )
    dates["decision_due"] = deadlines.add_months(
        signed_on, category.decision_months, departement_code=dep
    )
    if info_request.delivery_due is not None and "decided_at" in dates:
        dates["delivery_due"] = deadlines.add_business_days(
            timezone.localdate(dates["decided_at"]),
            category.delivery_days,
            departement_code=dep,
        )
    if info_request.delivered_on is not None and "delivered_at" in dates:
        dates["delivered_on"] = timezone.localdate(dates["delivered_at"])
    dates["updated_at"] = previous
    InfoRequest.objects.filter(pk=info_request.pk).update(**dates)
    Notification.objects.filter(info_request=info_request).update(
        created_at=previous, read_at=previous
    )
    Reminder.objects.filter(info_request=info_request, status=ReminderStatus.PENDING).update(
        status=ReminderStatus.CANCELLED, last_error="demo_history"
    )
