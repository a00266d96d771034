"""Nothing user-typed reaches storage unscreened.

Every write endpoint of the API and of the web (each text field of each, every lifecycle
action, notes, messages, remarks, the send-back), every filter and search of every list, and
the headers (User-Agent, X-Request-ID, X-Forwarded-For) are driven with planted identifiers of
every kind, as each role; then every text, varchar and JSON column of every table is read, and
no planted value (nor a distinctive fragment of one) may be found anywhere.

The routes come from the OpenAPI schema and the web URL conf: a new write endpoint, web page or
lifecycle action without a driver here fails the coverage assertions instead of being skipped.
PostgreSQL only (information_schema, the real column types), like the other PostgreSQL tests.
"""

from __future__ import annotations

import base64
import re
from datetime import timedelta
from itertools import cycle
from urllib.parse import quote

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import connection
from django.test import Client
from django.urls import URLPattern, reverse
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from accounts.security_services import token_issue
from audit.models import AuditExport
from audit.sequencer import audit_sequence, sequenced_size
from sharing import web_urls
from sharing.message_templates import message_template_create
from sharing.models import (
    Category,
    InfoRequest,
    LegalBasis,
    Notification,
    Reminder,
    ReminderKind,
    SavedView,
    Status,
)
from sharing.privacy import find_identifiers
from sharing.reminders.personal import personal_reminder_create
from sharing.views.actions import ACTIONS
from tests.factories import PASSWORD, request_in

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="reads every column of every table through PostgreSQL's information_schema",
    ),
]

# One value of every kind the screen knows, each refused by it on its own, and each with the
# fragments that would betray it if any part of it were kept (matched case-insensitively, and
# also against each stored value with its spaces, dots, dashes and slashes removed).
PLANTED = {
    "nir": ("NIR 2 91 07 13 055 348 91", ["055 348", "2910713055348", "13055348"]),
    "date_of_birth": ("née le 17/08/1992", ["17/08/1992", "1992-08-17", "17081992"]),
    "phone": ("tél. 07 81 92 63 54", ["07 81 92 63 54", "0781926354", "81926354"]),
    "email": (
        "contact zephyrin.vandermolk@courriel-exemple.fr",
        ["vandermolk", "courriel-exemple", "zephyrin"],
    ),
    "address": ("domicilié 37 impasse des Ombrelunes", ["ombrelunes"]),
    "person_name": ("Concerne Karim QUILLARDOT", ["quillardot"]),
    "id_document": ("passeport 23XK48613", ["23xk48613", "xk48613"]),
    "watchlist": ("fiche S n° 0481375", ["0481375"]),
    "plate": ("véhicule GZ-481-QW", ["gz-481-qw", "gz481qw"]),
    "iban": (
        "IBAN FR76 3000 6000 0112 3456 7890 189",
        ["3000 6000 0112", "fr7630006000011234567890189", "30006000011234567890189"],
    ),
}
KINDS = list(PLANTED)
# A reference of the routes' shape carrying a NIR's digits: a not-found must not keep it.
NIR_REFERENCE = "26198-2026-13055348"
SEPARATORS = re.compile(r"[\s.\-/]")

WRITE_METHODS = {"post", "put", "patch", "delete"}
SCREENED_PROPERTIES = {"purpose", "message", "text", "remark", "reason", "remarks"}
SCREENED_FILTERS = {"user", "organization", "reference"}


def value(kind: str) -> str:
    return PLANTED[kind][0]


def sentence(kind: str) -> str:
    """A free text as a hurried officer writes it, around the planted value."""
    return f"Point de situation demandé ; {value(kind)}."


def headers(kind: str) -> dict[str, str]:
    """The planted value in each header, its UTF-8 bytes decoded as latin-1 as WSGI does."""
    raw = value(kind).encode("utf-8").decode("latin-1")
    return {
        "HTTP_USER_AGENT": f"Mozilla/5.0 ({raw}) Firefox/133.0",
        "HTTP_X_REQUEST_ID": raw,
        "HTTP_X_FORWARDED_FOR": raw,
    }


def test_every_planted_value_is_refused_by_the_screen():
    for kind, (planted, _fragments) in PLANTED.items():
        assert kind in {finding.kind for finding in find_identifiers(planted)}, kind


# --- the world the probe works in --------------------------------------------------------------


@pytest.fixture
def world(people, orgs, settings, tmp_path):
    settings.AUDIT_TRUSTED_PROXY_COUNT = 1  # X-Forwarded-For is read, so it is probed too
    settings.AUDIT_REQUEST_ID_FROM_PROXY = True  # and X-Request-ID, a proxy's, is kept
    settings.AUDIT_EXPORT_DIR = tmp_path / "exports"
    seed = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    settings.AUDIT_SIGNING_KEY = base64.b64encode(seed).decode("ascii")
    settings.AUDIT_SIGNING_KEY_FILE = ""
    submitted = request_in(Status.SUBMITTED, orgs.montelimar)
    reminder, _created = personal_reminder_create(
        info_request=submitted,
        actor=people.legal_officer,
        remind_on=timezone.localdate() + timedelta(days=10),
    )
    export = AuditExport.objects.create(owner=people.auditor_national, scope=None, filters={})
    template = message_template_create(
        actor=people.prefecture_admin,
        prefecture=orgs.pref26,
        kind="clarification",
        title="Périmètre",
        text="Merci de préciser le périmètre géographique de la demande.",
    )
    return {"submitted": submitted, "reminder": reminder, "export": export, "template": template}


class Requests:
    """Requests to act on, reused along the lifecycle: a refused attempt leaves a request where
    it stands and a clean one moves it on, so a new request is made only when none stands in
    the status an action needs."""

    def __init__(self, commune) -> None:
        self.commune = commune
        self.pool: list[InfoRequest] = []

    def in_status(self, status: str) -> InfoRequest:
        for info_request in self.pool:
            info_request.refresh_from_db()
            if info_request.status == status:
                return info_request
        info_request = request_in(status, self.commune)
        self.pool.append(info_request)
        return info_request


def notification_of(user) -> Notification:
    notice = Notification.objects.filter(user=user).order_by("pk").first()
    assert notice is not None, f"{user} has no notification to drive"
    return notice


# --- what is stored ------------------------------------------------------------------------------


def stored_text() -> list[tuple[str, str, str]]:
    """(table, column, value) for every text, varchar and JSON value of the public schema."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = 'public'"
            " AND data_type IN ('text', 'character varying', 'character', 'json', 'jsonb')"
            " ORDER BY table_name, ordinal_position"
        )
        columns = cursor.fetchall()
        rows = []
        for table, column in columns:
            quoted_table = connection.ops.quote_name(table)
            quoted_column = connection.ops.quote_name(column)
            cursor.execute(
                f"SELECT {quoted_column}::text FROM {quoted_table}"  # noqa: S608
                f" WHERE {quoted_column} IS NOT NULL"
            )
            rows.extend((table, column, text) for (text,) in cursor.fetchall())
    return rows


def leaks() -> list[str]:
    """Where a planted value or a fragment of one is stored, if anywhere."""
    fragments = {
        fragment.lower(): kind
        for kind, (_planted, found_by) in PLANTED.items()
        for fragment in found_by
    }
    plain = re.compile("|".join(re.escape(fragment) for fragment in fragments))
    compact_fragments = {SEPARATORS.sub("", fragment): kind for fragment, kind in fragments.items()}
    compact = re.compile("|".join(re.escape(fragment) for fragment in compact_fragments))
    found = set()
    for table, column, text in stored_text():
        lowered = text.lower()
        for match in plain.finditer(lowered):
            found.add(f"{table}.{column} holds {fragments[match.group()]} ({match.group()!r})")
        for match in compact.finditer(SEPARATORS.sub("", lowered)):
            kind = compact_fragments[match.group()]
            found.add(f"{table}.{column} holds {kind} ({match.group()!r})")
    return sorted(found)


# --- the API, from its schema -------------------------------------------------------------------


def api_schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def body_properties(schema: dict, operation: dict) -> dict[str, dict]:
    content = operation.get("requestBody", {}).get("content", {})
    ref = content.get("application/json", {}).get("schema", {}).get("$ref", "")
    if not ref:
        return {}
    return schema["components"]["schemas"][ref.rsplit("/", 1)[-1]].get("properties", {})


def is_free_text(spec: dict) -> bool:
    return spec.get("type") == "string" and not (
        {"enum", "format", "$ref", "allOf", "oneOf"} & set(spec)
    )


def api_client(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user=user)
    return client


# (method, path) → (who may, the status the request must be in, a valid body)
API_WRITES = {
    ("post", "/api/v1/auth/token/"): (
        None,
        None,
        {"username": "mayor-26198", "password": PASSWORD},
    ),
    ("post", "/api/v1/requests/"): (
        "legal_officer",
        None,
        {
            "category": "general-threat-briefing",
            "legal_basis": "instruction-intk1826096j",
            "purpose": "Point général sur la menace dans la commune.",
            "secure_channel_ref": "BR-2026-0141",
        },
    ),
    ("patch", "/api/v1/requests/{reference}/"): (
        "legal_officer",
        Status.DRAFT,
        {"purpose": "Point général sur la menace, précisé.", "secure_channel_ref": "BR-2026-7"},
    ),
    ("post", "/api/v1/requests/{reference}/sign/"): ("mayor", Status.DRAFT, {}),
    ("post", "/api/v1/requests/{reference}/send-back/"): (
        "mayor",
        Status.DRAFT,
        {"remark": "Préciser le cadre légal."},
    ),
    ("post", "/api/v1/requests/{reference}/acknowledge/"): ("liaison", Status.SUBMITTED, {}),
    ("post", "/api/v1/requests/{reference}/assign/"): (
        "prefecture_admin",
        Status.SUBMITTED,
        {"liaison": "liaison-26"},
    ),
    ("post", "/api/v1/requests/{reference}/request-clarification/"): (
        "liaison",
        Status.ACKNOWLEDGED,
        {"message": "Merci de préciser le cadre."},
    ),
    ("post", "/api/v1/requests/{reference}/clarify/"): (
        "legal_officer",
        Status.CLARIFICATION_REQUESTED,
        {"message": "Voici les précisions demandées."},
    ),
    ("post", "/api/v1/requests/{reference}/decide/"): (
        "liaison",
        Status.ACKNOWLEDGED,
        {"resolution": "granted", "remarks": "Remise en entretien."},
    ),
    ("post", "/api/v1/requests/{reference}/record-delivery/"): (
        "liaison",
        Status.DECIDED,
        {"channel": "secure_phone", "delivered_on": "TODAY"},
    ),
    ("post", "/api/v1/requests/{reference}/close/"): ("liaison", Status.DELIVERED, {}),
    ("post", "/api/v1/requests/{reference}/take/"): ("liaison", Status.SUBMITTED, {}),
    ("post", "/api/v1/requests/{reference}/discard/"): ("legal_officer", Status.DRAFT, {}),
    ("post", "/api/v1/requests/{reference}/withdraw/"): (
        "mayor",
        Status.SUBMITTED,
        {"reason": "La commune renonce."},
    ),
    ("post", "/api/v1/requests/{reference}/extend/"): (
        "liaison",
        Status.ACKNOWLEDGED,
        {"new_due_date": "LATER", "reason": "Avis du parquet attendu."},
    ),
    ("post", "/api/v1/requests/{reference}/notes/"): (
        "liaison",
        Status.SUBMITTED,
        {"text": "Voir avec le service juridique."},
    ),
    ("post", "/api/v1/requests/{reference}/reminders/"): (
        "legal_officer",
        Status.SUBMITTED,
        {"remind_on": "LATER"},
    ),
    ("post", "/api/v1/requests/{reference}/reminders/{id}/cancel/"): (
        "legal_officer",
        "REMINDER",
        {},
    ),
    ("post", "/api/v1/notifications/{id}/read/"): ("liaison", "NOTIFICATION", {}),
    ("post", "/api/v1/notifications/read-all/"): ("liaison", None, {}),
    ("post", "/api/v1/audit/exports/"): ("auditor_national", None, {"action": "request.*"}),
    ("post", "/api/v1/tokens/"): ("legal_officer", None, {"name": "Script du service"}),
    ("delete", "/api/v1/tokens/{token_id}/"): ("legal_officer", "TOKEN", {}),
    ("post", "/api/v1/auth/reauthenticate/"): ("legal_officer", None, {"password": PASSWORD}),
}


def dates(body: dict) -> dict:
    today = timezone.localdate()
    swap = {"TODAY": today.isoformat(), "LATER": (today + timedelta(days=90)).isoformat()}
    return {
        key: swap.get(item, item) if isinstance(item, str) else item for key, item in body.items()
    }


def api_path(path: str, *, people, requests, world, role: str, status) -> str:
    """The route with real ids: a request in the needed status, the user's own notice…"""
    if status == "REMINDER":
        reminder = personal_reminder_create(
            info_request=world["submitted"],
            actor=people.legal_officer,
            remind_on=timezone.localdate() + timedelta(days=20),
        )[0]
        return path.format(reference=world["submitted"].reference, id=reminder.pk)
    if status == "TOKEN":
        user = getattr(people, role)
        issued = token_issue(user=user, name="Script", second_factor=False, actor=user)
        return path.format(token_id=issued.token.pk)
    if status == "NOTIFICATION":
        return path.format(id=notification_of(getattr(people, role)).pk)
    if "{reference}" in path:
        return path.format(reference=requests.in_status(status).reference)
    return path


# Three drives, each its own test so that they run side by side on the test processes; each
# starts from the same world and ends by reading every stored value.
DRIVES = ["api_writes", "api_reads", "web"]


@pytest.mark.parametrize("drive", DRIVES)
def test_no_planted_value_reaches_storage(
    drive, people, orgs, world, django_capture_on_commit_callbacks, settings
):
    settings.AXES_FAILURE_LIMIT = 1000  # the planted passwords are wrong ones, on purpose
    schema = api_schema()
    operations = {
        (method, path): operation
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    }
    writes = {key for key in operations if key[0] in WRITE_METHODS}
    assert writes == set(API_WRITES), "every write route of the schema has a driver here"

    kinds = cycle(KINDS)
    requests = Requests(orgs.montelimar)
    with django_capture_on_commit_callbacks(execute=True):
        if drive == "api_writes":
            drive_api_writes(schema, operations, people, requests, world, kinds)
        elif drive == "api_reads":
            drive_api_reads(operations, people, world, kinds)
        else:
            drive_web(people, requests, world, kinds)

    assert leaks() == []
    assert Reminder.objects.filter(kind=ReminderKind.PERSONAL).exists()  # the world was real


def drive_api_writes(schema, operations, people, requests, world, kinds) -> None:
    """Each write route: each body property planted (free text with several kinds), by who may
    write there and by someone who may not; then once with clean input, which must succeed."""
    for (method, path), (role, status, valid) in API_WRITES.items():
        user = getattr(people, role) if role else None
        properties = body_properties(schema, operations[(method, path)])
        url = api_path(
            path, people=people, requests=requests, world=world, role=role, status=status
        )
        call = getattr(api_client(user), method)
        attempts = [
            (prop, kind)
            for prop, spec in properties.items()
            for kind in [next(kinds) for _ in range(3 if is_free_text(spec) else 1)]
        ]
        for prop, kind in attempts:
            planted = sentence(kind) if prop in SCREENED_PROPERTIES else value(kind)
            response = call(url, {**dates(valid), prop: planted}, format="json", **headers(kind))
            assert response.status_code == 400, (method, path, prop, kind, response.content)
            if prop in SCREENED_PROPERTIES | SCREENED_FILTERS:
                assert "personal data" in response.json()[prop][0], (path, prop, kind)
        if not properties and method != "delete":  # a DELETE has no body to plant
            kind = next(kinds)
            response = call(url, {"comment": sentence(kind)}, format="json", **headers(kind))
            assert response.status_code in {200, 400}, (method, path)
        kind = next(kinds)
        intruder = call.__self__ if user is None else api_client(people.mayor_arras)
        getattr(intruder, method)(
            url, {key: sentence(kind) for key in properties}, format="json", **headers(kind)
        )
        response = call(url, dates(valid), format="json", **headers(next(kinds)))
        assert response.status_code in {200, 201, 202, 204}, (method, path, response.content)
    api_client(people.liaison).get(f"/api/v1/requests/{NIR_REFERENCE}/", **headers("nir"))


def drive_api_reads(operations, people, world, kinds) -> None:
    """Every GET route of the schema with each of its query parameters (and a few it does not
    read) holding a planted value: as the role it serves, then as another role by turns."""
    submitted = world["submitted"]
    roles = cycle(
        [
            "legal_officer",
            "mayor",
            "liaison",
            "prefecture_admin",
            "auditor_national",
            "auditor26",
            "staff",
            "liaison62",
        ]
    )
    audit_sequence()
    ids = {
        "reference": submitted.reference,
        "export_id": str(world["export"].pk),
        "seq": str(sequenced_size()),
    }
    for (method, path), operation in operations.items():
        if method != "get":
            continue
        names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
        code = "instruction-intk1826096j" if "legal-bases" in path else "general-threat-briefing"
        url = path.format(**ids, code=code)
        own = "auditor_national" if path.startswith("/api/v1/audit/") else "liaison"
        for role in (own, next(roles)):
            kind = next(kinds)
            params = {name: value(kind) for name in [*names, "q", "search", "name"]}
            response = api_client(getattr(people, role)).get(url, params, **headers(kind))
            assert response.status_code < 500, (path, kind)


# --- the web, from its URL conf ------------------------------------------------------------------

# Web pages read with planted query parameters: (who, the parameters they read).
WEB_READS = {
    "home": ("mayor", ["next"]),
    "login": (None, ["next"]),
    "requests": (
        "liaison",
        ["reference", "status", "commune", "category", "overdue", "mine", "page", "export"],
    ),
    "request-create": ("legal_officer", ["purpose"]),
    "request-detail": ("liaison", ["tab"]),
    "request-edit": ("legal_officer", ["purpose"]),
    "request-receipt": ("mayor", ["lang"]),
    "request-action": ("liaison", ["message"]),
    "team": ("prefecture_admin", ["page", "q"]),
    "delegations": ("mayor", ["commune"]),
    "covers": ("liaison", ["q"]),
    "message-templates": ("prefecture_admin", ["q"]),
    "message-template-edit": ("prefecture_admin", ["q"]),
    "stats": ("liaison", ["prefecture", "period", "year", "date_from", "date_to", "export"]),
    "notifications": ("mayor", ["page", "unread"]),
    "audit-log": (
        "auditor_national",
        ["date_from", "date_to", "user", "organization", "action", "reference", "before"],
    ),
    "audit-export-list": (
        "auditor_national",
        ["date_from", "date_to", "user", "organization", "action", "reference"],
    ),
    "audit-export-page": ("auditor_national", ["q"]),
    "audit-export-file": ("auditor_national", ["q"]),
    "audit-integrity": ("auditor_national", ["q"]),
    "accessibility": (None, ["q"]),
    "legal-notice": (None, ["q"]),
    "personal-data": (None, ["q"]),
    "saved-views": ("liaison", ["query", "name"]),
    "saved-view-delete": ("liaison", ["q"]),
}
# Web forms posted with planted values, beside the lifecycle actions (ACTIONS, below).
WEB_WRITES = {
    "login": None,
    "logout": "mayor",
    "set_language": "mayor",
    "request-create": "legal_officer",
    "request-edit": "legal_officer",
    "request-action": None,
    "notification-mark-read": "liaison",
    "notifications-mark-read": "liaison",
    "notification-preference": "liaison",
    "audit-export-list": "auditor_national",
    "audit-integrity": "auditor_national",
    "saved-views": "liaison",
    "saved-view-delete": "liaison",
    "delegations": "mayor",
    "delegation-revoke": "mayor",
    "covers": "liaison",
    "cover-end": "liaison",
    "message-templates": "prefecture_admin",
    "message-template-edit": "prefecture_admin",
    "message-template-delete": "prefecture_admin",
    "requests-bulk": "liaison",
    "team-reassign": "prefecture_admin",
}
# Each lifecycle action of the web: (who, the status it needs, a valid form).
WEB_ACTIONS = {
    "sign": ("mayor", Status.DRAFT, {}),
    "send-back": ("mayor", Status.DRAFT, {"remark": "Préciser le cadre."}),
    "acknowledge": ("liaison", Status.SUBMITTED, {}),
    "assign": ("prefecture_admin", Status.SUBMITTED, {"liaison": "liaison-26"}),
    "request-clarification": ("liaison", Status.ACKNOWLEDGED, {"message": "Précisez."}),
    "clarify": ("legal_officer", Status.CLARIFICATION_REQUESTED, {"message": "Voici."}),
    "decide": (
        "liaison",
        Status.ACKNOWLEDGED,
        {
            "resolution": "granted",
            "procureur_agreement": "not_required",
            "intelligence_agreement": "not_required",
            "remarks": "",
        },
    ),
    "record-delivery": ("liaison", Status.DECIDED, {"channel": "secure_phone"}),
    "close": ("liaison", Status.DELIVERED, {}),
    "extend": ("liaison", Status.ACKNOWLEDGED, {"new_due_date": "LATER", "reason": "Avis."}),
    "withdraw": ("mayor", Status.SUBMITTED, {"reason": "La commune renonce."}),
    "take": ("liaison", Status.SUBMITTED, {}),
    "discard": ("legal_officer", Status.DRAFT, {}),
    "remind": ("legal_officer", Status.SUBMITTED, {"remind_on": "LATER"}),
    "notes": ("liaison", Status.SUBMITTED, {"text": "Voir avec le service juridique."}),
}
DRAFT_FORM = {
    "category": "CATEGORY",
    "legal_basis": "BASIS",
    "purpose": "Point général sur la menace dans la commune.",
    "urgency": "normal",
    "secure_channel_ref": "BR-2026-0141",
}


# The lists whose filters are recorded: every kind in every filter.
WEB_FILTERED_LISTS = {"requests", "audit-log", "audit-export-list"}


def web_client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def web_names() -> set[str]:
    return {p.name for p in web_urls.urlpatterns if isinstance(p, URLPattern) and p.name}


def drive_web(people, requests, world, kinds) -> None:
    assert web_names() == set(WEB_READS) | set(WEB_WRITES), "every web route has a driver here"
    assert set(ACTIONS) == set(WEB_ACTIONS), "every lifecycle action of the web has a driver"
    draft_form = {
        **DRAFT_FORM,
        "category": Category.objects.get(code="general-threat-briefing").pk,
        "legal_basis": LegalBasis.objects.get(code="instruction-intk1826096j").pk,
    }
    submitted = world["submitted"]
    draft_reference = requests.in_status(Status.DRAFT).reference
    args = {
        "request-detail": [submitted.reference],
        "request-edit": [draft_reference],
        "request-receipt": [submitted.reference],
        "request-action": [submitted.reference, "notes"],
        "audit-export-page": [world["export"].pk],
        "audit-export-file": [world["export"].pk],
        "saved-view-delete": [999999],
        "message-template-edit": [world["template"].pk],
    }
    # Pages: their parameters planted; the lists' filters with every kind.
    for name, (role, params) in WEB_READS.items():
        url = reverse(name, args=args.get(name, []))
        for kind in KINDS if name in WEB_FILTERED_LISTS else [next(kinds), next(kinds)]:
            user = getattr(people, role) if role else None
            response = web_client(user).get(url, {p: value(kind) for p in params}, **headers(kind))
            assert response.status_code < 500, (name, kind)
    web_client(people.liaison).get(
        reverse("request-detail", args=[NIR_REFERENCE]), **headers("nir")
    )
    # The list's exports, their filters planted (the file is not kept; its record is).
    for kind in KINDS:
        for file_format in ("csv", "ods"):
            response = web_client(people.liaison).get(
                reverse("requests"),
                {"q": value(kind), "reference": value(kind), "export": file_format},
                **headers(kind),
            )
            assert response.status_code == 200, ("requests export", kind)

    # Forms: each text field planted.
    for kind in [next(kinds) for _ in range(3)]:
        for username in (value(kind), "mayor-26198"):
            web_client().post(
                reverse("login"), {"username": username, "password": value(kind)}, **headers(kind)
            )
        for name, url in (
            ("request-create", reverse("request-create")),
            ("request-edit", reverse("request-edit", args=[draft_reference])),
        ):
            for field in ("purpose", "secure_channel_ref"):
                planted = sentence(kind) if field == "purpose" else value(kind)
                response = web_client(people.legal_officer).post(
                    url, {**draft_form, field: planted}, **headers(kind)
                )
                assert response.status_code == 400, (name, field, kind)
        response = web_client(people.auditor_national).post(
            reverse("audit-export-list"),
            {field: value(kind) for field in ("user", "organization", "reference")},
            **headers(kind),
        )
        assert response.status_code == 400, ("audit-export-list", kind)
        # A saved view: its name planted, then its filters (the name clean).
        liaison = web_client(people.liaison)
        response = liaison.post(
            reverse("saved-views"), {"name": sentence(kind), "query": "status=open"}
        )
        assert response.status_code == 400, ("saved-views name", kind)
        filters = "&".join(
            f"{field}={quote(value(kind))}" for field in ("q", "reference", "commune")
        )
        response = liaison.post(
            reverse("saved-views"), {"name": "Vue", "query": filters}, **headers(kind)
        )
        assert response.status_code == 400, ("saved-views query", kind)
        today = timezone.localdate().isoformat()
        response = web_client(people.mayor).post(
            reverse("delegations"),
            {
                "deputy": str(people.legal_officer.pk),
                "order_reference": value(kind),
                "starts_on": today,
                "ends_on": today,
            },
            **headers(kind),
        )
        assert response.status_code == 400, ("delegations", kind)
        web_client(people.mayor).post(
            reverse("delegation-revoke", args=[0]), {"x": value(kind)}, **headers(kind)
        )
        response = web_client(people.liaison).post(
            reverse("covers"),
            {"absent": value(kind), "colleague": value(kind), "starts_on": value(kind)},
            **headers(kind),
        )
        assert response.status_code == 400, ("covers", kind)
        web_client(people.liaison).post(
            reverse("cover-end", args=[0]), {"x": value(kind)}, **headers(kind)
        )
        for field in ("title", "text"):
            planted = {"kind": "clarification", "title": "Périmètre", "text": "Précisez."}
            for url in (
                reverse("message-templates"),
                reverse("message-template-edit", args=[world["template"].pk]),
            ):
                response = web_client(people.prefecture_admin).post(
                    url, {**planted, field: sentence(kind)}, **headers(kind)
                )
                assert response.status_code == 400, ("message-templates", field, kind)
        web_client(people.prefecture_admin).post(
            reverse("message-template-delete", args=[0]), {"x": value(kind)}, **headers(kind)
        )
        # Several requests at once, and a member's requests reassigned: every field planted.
        planted = {
            field: value(kind) for field in ("operation", "selected", "liaison", "remind_on")
        }
        response = web_client(people.liaison).post(
            reverse("requests-bulk"), planted, **headers(kind)
        )
        assert response.status_code < 500, ("requests-bulk", kind)
        response = web_client(people.prefecture_admin).post(
            reverse("team-reassign", args=["liaison-26"]),
            {"liaison": value(kind), "selected": value(kind)},
            **headers(kind),
        )
        assert response.status_code < 500, ("team-reassign", kind)
    kind = next(kinds)
    liaison = web_client(people.liaison)
    response = liaison.post(
        reverse("saved-views"),
        {"name": "En cours", "query": f"status=open&commune={quote(value(kind))}"},
        **headers(kind),
    )
    assert response.status_code == 302, ("saved-views", response.status_code)
    saved = SavedView.objects.get(owner=people.liaison, name="En cours")
    liaison.post(reverse("saved-view-delete", args=[saved.pk]), {"x": value(kind)}, **headers(kind))
    saved_again = liaison.post(
        reverse("saved-views"), {"name": "Mes urgentes", "query": "sort=commune"}
    )
    assert saved_again.status_code == 302
    kind = next(kinds)
    mayor = web_client(people.mayor)
    mayor.post(
        reverse("set_language"), {"language": value(kind), "next": value(kind)}, **headers(kind)
    )
    mayor.post(reverse("logout"), {"next": value(kind)}, **headers(kind))
    liaison = web_client(people.liaison)
    notice = notification_of(people.liaison)
    liaison.post(
        reverse("notification-mark-read", args=[notice.pk]), {"x": value(kind)}, **headers(kind)
    )
    liaison.post(reverse("notifications-mark-read"), {"x": value(kind)}, **headers(kind))
    liaison.post(
        reverse("notification-preference"),
        {"daily_digest": value(kind), "x": value(kind)},
        **headers(kind),
    )
    web_client(people.auditor_national).post(
        reverse("audit-integrity"), {"x": value(kind)}, **headers(kind)
    )
    drive_web_actions(people, requests, kinds)


def drive_web_actions(people, requests, kinds) -> None:
    """Each lifecycle action's form, each field planted (text fields with several kinds), by
    who may act and by someone who may not; then once with clean input, which must succeed."""
    today = timezone.localdate()
    later = (today + timedelta(days=90)).isoformat()
    for slug, (role, status, valid) in WEB_ACTIONS.items():
        reference = requests.in_status(status).reference
        url = reverse("request-action", args=[reference, slug])
        valid = {
            key: later if item == "LATER" else item
            for key, item in {**valid, "delivered_on": today.isoformat()}.items()
        }
        client = web_client(getattr(people, role))
        for field_name, field in ACTIONS[slug].form_class.base_fields.items():
            free_text = type(field).__name__ == "CharField"
            for kind in [next(kinds) for _ in range(3 if free_text else 1)]:
                planted = sentence(kind) if free_text else value(kind)
                response = client.post(url, {**valid, field_name: planted}, **headers(kind))
                assert response.status_code == 400, (slug, field_name, kind)
                if free_text:
                    assert "semble contenir" in response.content.decode(), (slug, field_name)
        kind = next(kinds)
        web_client(people.mayor_arras).post(url, {"x": sentence(kind)}, **headers(kind))
        response = client.post(url, valid, **headers(next(kinds)))
        assert response.status_code == 302, (slug, response.status_code)
