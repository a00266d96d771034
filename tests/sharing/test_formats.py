"""Dates written out in both languages, and names sorted as a reader expects."""

from datetime import date

from sharing.formats import alphabetical, long_date


def test_dates_are_written_out_with_1er_in_french():
    assert long_date(date(2026, 12, 1), "fr") == "1er décembre 2026"
    assert long_date(date(2026, 12, 12), "fr") == "12 décembre 2026"
    assert long_date(date(2026, 12, 1), "en") == "1 December 2026"
    assert long_date(date(2026, 8, 12), "en") == "12 August 2026"


def test_accented_names_sort_with_their_base_letter():
    names = ["Zonza", "Étoile-sur-Rhône", "Eurre", "Œuilly", "Ancône"]
    assert sorted(names, key=alphabetical) == [
        "Ancône",
        "Étoile-sur-Rhône",
        "Eurre",
        "Œuilly",
        "Zonza",
    ]
