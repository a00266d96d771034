"""The French and English catalogues are complete: every message has a translation."""

import re
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parents[2] / "locale"


def entries(language: str) -> list[tuple[str, list[str]]]:
    """(msgid, msgstrs) for each entry of the catalogue, header excluded."""
    text = (LOCALE / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    found = []
    for block in text.split("\n\n"):
        if "#, fuzzy" in block:
            found.append(("FUZZY", [""]))
        msgid = re.search(r'^msgid ((?:".*"\n?)+)', block, re.M)
        if msgid is None:
            continue
        ident = "".join(re.findall(r'"(.*)"', msgid.group(1)))
        if not ident:
            continue
        strings = [
            "".join(re.findall(r'"(.*)"', part))
            for part in re.findall(r'^msgstr(?:\[\d\])? ((?:".*"\n?)+)', block, re.M)
        ]
        found.append((ident, strings))
    return found


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_message_is_translated(language):
    catalogue = entries(language)
    assert len(catalogue) > 400
    untranslated = [ident for ident, strings in catalogue if not all(strings)]
    assert untranslated == []
    assert (LOCALE / language / "LC_MESSAGES" / "django.mo").exists()


def test_english_is_not_a_copy_of_french():
    english = dict(entries("en"))
    assert english["Demandes de la commune"] == ["Requests of the commune"]
    assert english["Close"] == ["Closed"]
