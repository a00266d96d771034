"""The demo data of DESIGN.md ("Interfaces", `manage.py demo`), built through the real services.

Organisations: the prefectures of Drôme (26), Pas-de-Calais (62) and Ardèche (07), the
communes of Montélimar, Valence, Arras, Lens and Privas, a national oversight body and one
scoped to Drôme. Users are named `<role>-<code>` (a contract outside clients rely on), plus a
staff superuser `admin`, all with one password. Requests cover every status and every
resolution, an overdue and an urgent case, and are driven by the services of
`sharing/services.py`; the only direct writes move a few due dates into the past, since a
fresh demo has no history.

Idempotent: every demo request carries a secure-channel reference starting with "DEMO-"
(its scenario key); a scenario whose key exists is skipped, existing users and memberships
are kept and passwords reset. Everything runs in one transaction, so a failure leaves
nothing half built.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date, timedelta

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

from . import deadlines, services
from .models import (
    AgreementStatus,
    Category,
    DeliveryChannel,
    InfoRequest,
    LegalBasis,
    ReasonCode,
    Resolution,
    Urgency,
)

DEFAULT_PASSWORD = "relais-demo-2026"  # noqa: S105 - documented demo password, local use only
DEMO_MARKER = "DEMO-"

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
        for scenario in SCENARIOS:
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
    info_request = services.info_request_create(
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
        "sign": lambda r, o: services.info_request_sign(info_request=r, actor=mayor),
        "send_back": lambda r, o: services.info_request_send_back(info_request=r, actor=mayor, **o),
        "withdraw": lambda r, o: services.info_request_withdraw(info_request=r, actor=mayor, **o),
        "clarify": lambda r, o: services.info_request_clarify(
            info_request=r, actor=legal_officer, **o
        ),
        "acknowledge": lambda r, o: services.info_request_acknowledge(
            info_request=r, actor=liaison
        ),
        "assign": lambda r, o: services.info_request_assign(
            info_request=r, actor=admin, liaison=liaison
        ),
        "request_clarification": lambda r, o: services.info_request_request_clarification(
            info_request=r, actor=liaison, **o
        ),
        "decide": lambda r, o: services.info_request_decide(info_request=r, actor=liaison, **o),
        "record_delivery": lambda r, o: services.info_request_record_delivery(
            info_request=r, actor=liaison, delivered_on=today, **o
        ),
        "close": lambda r, o: services.info_request_close(info_request=r, actor=liaison),
        "extend": lambda r, o: services.info_request_extend(
            info_request=r,
            actor=liaison,
            new_due_date=_later_due(r, o["days"]),
            reason=o["reason"],
        ),
        "note": lambda r, o: services.note_add(info_request=r, actor=liaison, **o),
        "expire": lambda r, o: services.info_request_expire(info_request=r),
        "past_due": lambda r, o: _move_due_date_back(r, today=today, **o),
    }
    for current in scenario.steps:
        outcome = actions[current.action](info_request, current.options)
        info_request = outcome if isinstance(outcome, InfoRequest) else info_request
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
