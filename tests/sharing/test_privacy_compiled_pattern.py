"""spaCy's French tokenizer pattern, compiled once per machine (privacy/compiled_pattern.py)."""

import os
import re
import subprocess
import sys
from re import _compiler

import pytest

from sharing.privacy import compiled_pattern
from sharing.privacy.model import pipeline

# Inline flags as spaCy writes them, named and unnamed groups, classes, repeats and a lookahead.
PATTERN = (
    r"(?iu)^(?P<saint>saint|sainte)[-\u2010](?:[^\W\d_]+[-'\u2019])*[^\W\d_]+$"
    r"|^(\d+)(?=er\b)|aujourd'hui"
)
SAMPLES = [
    "Saint-Étienne-du-Rouvray",
    "SAINTE-Marie",
    "saint-",
    "1er",
    "12e",
    "Aujourd'hui",
    "aujourd\u2019hui",
    "Dupont",
    "",
]


def _forget(pattern: str) -> None:
    re._cache.pop((str, pattern, 0), None)  # type: ignore[attr-defined]


def test_a_kept_program_matches_as_the_pattern_compiled_by_re(tmp_path):
    path = compiled_pattern.save(tmp_path / "kept", program=compiled_pattern.program_of(PATTERN))
    _forget(PATTERN)
    try:
        assert compiled_pattern.seed(path)
        seeded = re.compile(PATTERN)
        compiled = _compiler.compile(PATTERN, 0)  # re's own compilation, past its cache
        assert seeded is re._cache[(str, PATTERN, 0)]  # type: ignore[attr-defined]
        assert seeded.flags == compiled.flags == re.IGNORECASE | re.UNICODE
        assert seeded.groupindex == compiled.groupindex == {"saint": 1}
        assert seeded.groups == compiled.groups == 2
        for text in SAMPLES:
            found, expected = seeded.search(text), compiled.search(text)
            assert (found and found.span()) == (expected and expected.span()), text
            assert (found and found.groups()) == (expected and expected.groups()), text
    finally:
        _forget(PATTERN)


@pytest.mark.parametrize(
    "damage",
    [
        "missing",
        "not marshal",
        "no code",
        "code cut short",
    ],
)
def test_a_missing_or_damaged_file_leaves_re_to_compile(tmp_path, damage):
    program = compiled_pattern.program_of(PATTERN)
    path = tmp_path / "kept"
    if damage == "not marshal":
        path.write_bytes(b"\x00 not a program")
    elif damage == "no code":
        del program["code"]
        compiled_pattern.save(path, program=program)
    elif damage == "code cut short":
        program["code"] = program["code"][: len(program["code"]) // 2]
        compiled_pattern.save(path, program=program)
    _forget(PATTERN)
    assert compiled_pattern.seed(path) is False
    assert (str, PATTERN, 0) not in re._cache  # type: ignore[attr-defined]


def test_the_model_takes_spacys_pattern_from_the_kept_file(tmp_path):
    """A program kept under spaCy's own pattern text is what a new process's tokenizer uses:
    here one that only matches "zzz", so that its use shows."""
    pipeline()
    program = compiled_pattern.program_of("zzz")
    program["pattern"] = compiled_pattern.spacy_pattern()
    compiled_pattern.save(tmp_path / compiled_pattern.cache_file().name, program=program)
    check = (
        "from sharing.privacy.model import pipeline\n"
        "match = pipeline().tokenizer.token_match\n"
        "print(bool(match('zzz')), bool(match('Saint-Étienne-du-Rouvray')))\n"
    )
    shown = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", check],
        env={**os.environ, "RELAIS_CACHE_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert shown == ["True", "False"]


def test_set_up_goes_on_where_the_file_cannot_be_written(tmp_path, monkeypatch, capsys):
    (tmp_path / "not-a-directory").write_text("")
    monkeypatch.setenv("RELAIS_CACHE_DIR", str(tmp_path / "not-a-directory"))
    compiled_pattern.prepare()
    assert "each process will compile it" in capsys.readouterr().out
    assert not compiled_pattern.cache_file().exists()
