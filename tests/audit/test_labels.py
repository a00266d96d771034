"""Every action the code records has a label on the auditors' pages (a raw code otherwise)."""

import re
from pathlib import Path

from django.utils import translation

from audit.labels import ACTION_LABELS, OUTCOME_LABELS, action_label

ROOT = Path(__file__).resolve().parents[2]
# `action="request.viewed"`, also `action="a.b" if … else "c.d"` on the same line.
RECORDED = re.compile(r'"([a-z_]+(?:\.[a-z_]+)+)"')


def recorded_actions() -> set[str]:
    found = set()
    for app in ("accounts", "audit", "sharing"):
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for line in path.read_text(encoding="utf-8").splitlines():
                if "action=" in line and "NotAllowed(" not in line:
                    after = line.split("action=", 1)[1]
                    found.update(RECORDED.findall(after))
    return found


def test_every_recorded_action_has_a_label():
    actions = recorded_actions()
    assert "request.viewed" in actions  # the scan finds what it should
    assert sorted(actions - set(ACTION_LABELS)) == []


def test_a_family_reads_as_a_family():
    with translation.override("fr"):
        assert action_label("member.*") == "Toutes les actions sur les membres"
    with translation.override("en"):
        assert action_label("member.*") == "Every action on members"


def test_every_recorded_outcome_has_a_label():
    outcomes = set()
    for app in ("accounts", "audit", "sharing"):
        for path in (ROOT / app).rglob("*.py"):
            for line in path.read_text(encoding="utf-8").splitlines():
                if "outcome=" in line:
                    after = line.split("outcome=", 1)[1].split("details=", 1)[0]
                    outcomes.update(re.findall(r'"([a-z_]+)"', after))
    assert {"ok", "refused"} <= outcomes
    assert sorted(outcomes - set(OUTCOME_LABELS)) == []
