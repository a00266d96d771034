"""The integrity page's findings in the reader's language, the verifier's line kept beside."""

from django.utils import translation

from audit.findings import checkpoint_reason, findings, readable
from audit.verifier.chain import Report


def test_an_edited_event_is_told_in_french_and_in_english():
    message = "seq 42: hash does not match the event's content (edited event)"
    with translation.override("fr"):
        assert readable(message) == (
            "Événement n° 42 : son contenu a été modifié après son enregistrement."
        )
    with translation.override("en"):
        assert readable(message) == "Event no. 42: its content was changed after it was recorded."


def test_each_family_of_findings_has_its_own_words():
    messages = [
        "seq 7: prev_hash does not match the hash of seq 6 (event removed)",
        "seq 9 follows seq 7: events (replayed, duplicated or out of order)",
        "checkpoint 3 is not signed by any known key",
        "checkpoint row 4: columns disagree with its signed note",
        "missing periodic checkpoint: 7200 s between checkpoints 1 and 2",
        "the chain head says seq 10, the last event is seq 12 (events removed)",
    ]
    with translation.override("fr"):
        texts = [readable(message) for message in messages]
    assert len(set(texts)) == len(texts)
    assert "n° 7" in texts[0]
    assert "n° 9" in texts[1]
    assert "n° 7" in texts[1]
    assert "n° 3" in texts[2]
    assert all("Anomalie technique" not in text for text in texts)


def test_an_unknown_finding_points_to_the_verifiers_detail():
    with translation.override("fr"):
        assert "voir le détail" in readable("something no pattern knows")


def test_findings_keep_the_verifiers_lines_and_count_the_suppressed():
    report = Report(errors=["seq 1: hash does not match the event's content"], suppressed=5)
    report.warnings.append("missing periodic checkpoint: the latest, 2, is from 2026-01-01")
    with translation.override("fr"):
        errors, warnings = findings(report)
    assert [finding.line for finding in errors] == [
        "ERROR seq 1: hash does not match the event's content",
        "ERROR ... and 5 more errors",
    ]
    assert "5 autres anomalies" in errors[1].text
    assert warnings[0].line.startswith("WARNING missing periodic")


def test_checkpoint_reasons_in_plain_words():
    with translation.override("en"):
        assert checkpoint_reason("rotation") == "Signing key changed"
        assert checkpoint_reason("unheard-of") == "unheard-of"


def test_an_exports_filters_in_plain_words():
    from audit.labels import filters_in_words

    recorded = {
        "action": "request.viewed",
        "date_from": "2026-12-01T00:00:00+01:00",
        "date_to": "2026-12-09T00:00:00+01:00",  # the day after the last day asked for
        "reference": "26198-2026-0007",
    }
    with translation.override("fr"):
        assert filters_in_words(recorded) == [
            ("Du", "1er décembre 2026"),
            ("Au (inclus)", "8 décembre 2026"),
            ("Action", "Demande consultée"),
            ("Référence de demande", "26198-2026-0007"),
        ]
    with translation.override("en"):
        assert ("Action", "Request viewed") in filters_in_words(recorded)
