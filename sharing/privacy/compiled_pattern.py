"""spaCy's French tokenizer pattern, compiled once per machine instead of once per process.

Importing spaCy's French language compiles one regular expression of 1.4 MB (its exceptions for
hyphenated and elided words): 3 to 6 s of CPU in every process that loads the screen's model
(a web node's master, each Celery worker, each test process), where the rest of the model
loads in 0.3 s. Python keeps no compiled pattern from one process to the next.

`prepare()`, which `dev.py` runs at set-up (and a deployment's build step may run), writes the
pattern and its compiled program to a file. `seed()`, called before the model loads, hands that
program to the `re` module's own cache of compiled patterns, where spaCy's `re.compile` of the
same text then finds it and compiles nothing. `_sre` validates a program before accepting it.

The file is named after the interpreter's bytecode tag, its regular-expression engine's version
and spaCy's: another version finds no file and compiles as before, and so does a missing,
unreadable or foreign file. The directory (`RELAIS_CACHE_DIR`, by default `~/.cache/relais`)
deserves the trust given to `__pycache__`: whoever can write there can change how texts are cut
into words before the screen sees them.
"""

import _sre
import importlib
import marshal
import os
import re
import sys
from importlib import metadata
from pathlib import Path
from re import _compiler, _parser  # type: ignore[attr-defined]  # CPython's, as re uses them
from typing import Any

MODULE = "spacy.lang.fr.tokenizer_exceptions"
# spaCy writes its flags inside the pattern ("(?iu)…") and calls re.compile without any.
FLAGS = 0


def cache_file() -> Path:
    base = os.environ.get("RELAIS_CACHE_DIR") or (
        Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "relais"
    )
    version = f"{sys.implementation.cache_tag}-sre{_sre.MAGIC}-spacy{metadata.version('spacy')}"
    return Path(base) / f"fr-token-match-{version}.marshal"


def program_of(pattern: str) -> dict[str, Any]:
    """What `re.compile(pattern)` hands to `_sre.compile`, in plain types."""
    parsed = _parser.parse(pattern, FLAGS)
    groups = parsed.state.groups
    indexgroup = [None] * groups
    for name, index in parsed.state.groupdict.items():
        indexgroup[index] = name
    return {
        "pattern": pattern,
        "flags": FLAGS | parsed.state.flags,
        "code": [int(op) for op in _compiler._code(parsed, FLAGS)],
        "groups": groups - 1,
        "groupindex": dict(parsed.state.groupdict),
        "indexgroup": indexgroup,
    }


def _compiled(program: dict[str, Any]) -> re.Pattern:
    return _sre.compile(
        program["pattern"],
        program["flags"],
        program["code"],
        program["groups"],
        program["groupindex"],
        tuple(program["indexgroup"]),
    )


def seed(path: Path | None = None) -> bool:
    """Puts the kept pattern in `re`'s cache; False (and nothing changed) when there is no
    usable file, and the pattern is then compiled as usual."""
    if sys.implementation.name != "cpython":
        return False
    try:
        # Trusted as __pycache__ is (above); _sre validates the program it is given.
        program = marshal.loads((path or cache_file()).read_bytes())  # noqa: S302
        compiled = _compiled(program)
    except (OSError, EOFError, ValueError, TypeError, KeyError, RuntimeError):
        return False
    re._cache[(str, program["pattern"], FLAGS)] = compiled  # type: ignore[attr-defined]
    return True


def spacy_pattern() -> str:
    return importlib.import_module(MODULE).TOKEN_MATCH.__self__.pattern


def save(path: Path | None = None, *, program: dict[str, Any] | None = None) -> Path:
    """Compiles spaCy's French pattern as `re` would and writes it, atomically."""
    path = path or cache_file()
    path.parent.mkdir(parents=True, exist_ok=True)  # before the compiling, which takes seconds
    data = marshal.dumps(program or program_of(spacy_pattern()))
    partial = path.with_name(f"{path.name}.{os.getpid()}")
    partial.write_bytes(data)
    partial.replace(path)
    return path


def prepare() -> None:
    """Writes the file unless it is there: about twice a model's load, once per machine. Where
    it cannot be written, says so and leaves each process to compile the pattern."""
    path = cache_file()
    if path.exists():
        return
    print(f"Compiling spaCy's French tokenizer pattern once, into {path.parent}", flush=True)
    try:
        save(path)
    except OSError as error:
        print(f"Not kept ({error.strerror}): each process will compile it.", flush=True)
