"""The production stack answers as a hosting team expects: health endpoints, pages with their
static files in a real browser behind TLS, metrics behind a token, the privacy screen's model
loaded once before gunicorn forks, a reminder sent by the worker, checkpoints issued on beat's
schedule."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from .conftest import METRICS_TOKEN, PASSWORD, wait_for

pytestmark = pytest.mark.stack

HASHED_STATIC = re.compile(r"/static/.+\.[0-9a-f]{12}\.(css|js|woff2?|svg|png|ico)$")


def test_liveness_and_readiness_answer_200_behind_the_proxy(stack):
    assert stack.get("/healthz").status == 200
    ready = stack.get("/readyz", headers={"Accept": "application/json"})
    assert ready.status == 200, ready.body
    checks = ready.json()
    assert set(checks.values()) == {"OK"}
    assert {name.split("(")[0] for name in checks} == {
        "Database",
        "Broker",
        "Migrations",
        "SigningKey",
    }


def test_plain_http_to_the_application_is_redirected_to_https(stack):
    answer = stack.get("/connexion/", base=stack.web_url)
    assert answer.status == 301
    assert answer.headers["Location"].startswith("https://")


def test_pages_answer_over_tls_with_secure_headers(stack):
    answer = stack.get("/connexion/")
    assert answer.status == 200
    assert "max-age=" in answer.headers["Strict-Transport-Security"]
    assert "Secure" in answer.headers.get("Set-Cookie", "Secure")


def test_a_page_and_its_static_files_load_in_a_real_browser(stack, browser):
    context = browser.new_context(ignore_https_errors=True, base_url=stack.url)
    page = context.new_page()
    statics: dict[str, int] = {}
    failed: list[str] = []
    page.on(
        "response",
        lambda response: (
            statics.__setitem__(response.url, response.status)
            if "/static/" in response.url
            else None
        ),
    )
    page.on("requestfailed", lambda request: failed.append(request.url))
    try:
        page.goto("/connexion/")
        page.fill("#id_username", "liaison-26")
        page.fill("#id_password", PASSWORD)
        page.click("main form button[type=submit]")
        page.wait_for_load_state("networkidle")
        assert page.url.startswith(stack.url)
        assert "/connexion/" not in page.url  # signed in, through Secure cookies over TLS
        # The DSFR stylesheet applied: the header has the DSFR's layout, the body its font.
        font = page.evaluate("getComputedStyle(document.body).fontFamily")
        assert "Marianne" in font
        page.goto("/demandes/")
        page.wait_for_load_state("networkidle")
        assert page.locator("main h1").count() == 1
    finally:
        context.close()
    assert failed == []
    assert statics
    assert {url: status for url, status in statics.items() if status != 200} == {}
    assert any(url.endswith(".css") and HASHED_STATIC.search(url) for url in statics)


def test_static_files_are_compressed_and_cached_for_ever(stack):
    page = stack.get("/connexion/").body.decode()
    stylesheet = re.search(r'href="(/static/dsfr/[^"]+\.css)"', page).group(1)
    answer = stack.get(stylesheet, headers={"Accept-Encoding": "gzip"})
    assert answer.status == 200
    assert answer.headers["Content-Encoding"] == "gzip"
    assert "immutable" in answer.headers["Cache-Control"]


def test_metrics_need_the_token_and_count_requests(stack):
    assert stack.get("/metrics").status == 404
    answer = stack.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert answer.status == 200
    text = answer.body.decode()
    assert 'relais_http_requests_total{method="GET",route="healthz",status="200"}' in text
    assert "relais_celery_queue_length" in text
    assert "relais_reminders_owed" in text


def test_a_reminder_goes_out_through_the_worker(stack):
    legal_officer = stack.token("legal_officer-26198")
    created = stack.call(
        "POST",
        "/api/v1/requests/",
        headers=legal_officer,
        body={
            "category": "general-threat-briefing",
            "legal_basis": "instruction-intk1826096j",
            "purpose": "Point sur le niveau de menace avant la fête votive du quartier.",
        },
    )
    assert created.status == 201, created.body
    reference = created.json()["reference"]
    signed = stack.call(
        "POST", f"/api/v1/requests/{reference}/sign/", headers=stack.token("mayor-26198")
    )
    assert signed.status == 200, signed.body

    def mailed():
        from sharing.mail_backends import read_messages

        return [m for m in read_messages(stack.mail) if reference in m.get("subject", "")]

    # Behind the demo's own reminders, which the sweep found overdue at the start.
    messages = wait_for(mailed, timeout=120, what=f"an e-mail about {reference}")
    assert messages


def test_the_master_loads_the_language_model_and_the_workers_screen_with_it(stack):
    # gunicorn's master (the Procfile's web process) loaded the model before forking: spaCy's
    # compiled modules are mapped in its memory.
    master = stack.processes["web"].pid
    maps = Path(f"/proc/{master}/maps").read_text()
    assert "/spacy/" in maps
    assert "/thinc/" in maps
    # A forked worker screens with it: a name no rule or list knows, which only the model finds.
    text = "Selon le club, Zephyrin Okonkwo aurait changé de comportement."
    refused = stack.call(
        "POST",
        "/api/v1/requests/",
        headers=stack.token("legal_officer-26198"),
        body={
            "category": "general-threat-briefing",
            "legal_basis": "instruction-intk1826096j",
            "purpose": text,
        },
    )
    assert refused.status == 400, refused.body
    assert list(refused.json()) == ["purpose"]
    assert "Okonkwo" not in refused.body.decode()


def test_beat_has_the_worker_issue_checkpoints(stack):
    def fresh_checkpoint():
        answer = stack.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        text = answer.body.decode()
        match = re.search(r"^relais_audit_checkpoint_age_seconds (\S+)$", text, re.M)
        # Issued after the processes started: beat sent the task, a worker signed.
        return match and float(match.group(1)) < time.time() - stack.started_at

    wait_for(fresh_checkpoint, timeout=90, what="a checkpoint issued on beat's schedule")


def test_every_process_is_still_running(stack):
    for name, process in stack.processes.items():
        assert process.poll() is None, f"{name} exited:\n{stack.log_tail(name)}"
