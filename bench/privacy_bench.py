"""Personal-data screen benchmark: quality on the held-out corpus, speed and memory.

    uv run python bench/privacy_bench.py [--part test|dev] [--runs 200]

Reports, as Markdown:
  - recall (identifying texts refused) and false-positive rate (legitimate texts refused) on
    the chosen part of the labelled corpus (default: the held-out test part, which the screen
    is never tuned on), overall and per kind of identifier (kind recall: texts where that kind
    was found among those labelled with it), for the combined screen, the rules alone (rules
    and lexicons, no model) and the model alone (any person entity of spaCy's pipeline);
  - the screen's time for 2,000-character texts: p50 and p95, wall clock and CPU;
  - how much a fresh process grows (resident memory) once the screen and its model are loaded.
Targets (issue "a screen that understands French"): recall >= 0.97 at a false-positive rate
<= 0.03 on the test part; p95 <= 30 ms; growth <= 300 MB.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

_RSS_PROBE = """
import sys
sys.path.insert(0, {base!r})
def rss():
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * 4096
import django, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
django.setup()
before = rss()
from sharing.privacy import find_identifiers, model
find_identifiers("Le maire souhaite un point avec Mme Dupont sur la situation.")
find_identifiers("Selon le club, Zephyrin Okonkwo aurait changé de comportement.")
assert model._nlp is not None, "the model was not loaded"
print(rss() - before)
"""


def corpus(part: str) -> tuple[list[tuple[str, set[str]]], list[str]]:
    if part == "test":
        from tests.sharing.privacy_corpus_heldout import IDENTIFYING, LEGITIMATE
    else:
        from tests.sharing.privacy_corpus import LEGITIMATE as legit
        from tests.sharing.privacy_corpus import WITH_IDENTIFIERS as IDENTIFYING

        LEGITIMATE = legit
    return IDENTIFYING, [text for text, _ in LEGITIMATE]


def quality(part: str) -> list[str]:
    from sharing.privacy import LABELS, _detect, model

    identifying, legitimate = corpus(part)
    screens = {
        "combined": lambda text: set(_detect(text, every=False)),
        "rules alone": lambda text: set(_detect(text, every=False, ner=False)),
        "model alone": lambda text: {"person_name"} if model.person_entities(text) else set(),
    }
    lines = [
        f"Corpus part: {part} ({len(identifying)} identifying, {len(legitimate)} legitimate)",
        "",
        "| screen | recall | false-positive rate | " + " | ".join(kind for kind in LABELS) + " |",
        "|---|---|---|" + "---|" * len(LABELS),
    ]
    for name, screen in screens.items():
        found = [screen(text) for text, _ in identifying]
        refused = sum(1 for kinds in found if kinds)
        false_positives = sum(1 for text in legitimate if screen(text))
        per_kind = []
        for kind in LABELS:
            labelled = [i for i, (_, kinds) in enumerate(identifying) if kind in kinds]
            hits = sum(1 for i in labelled if kind in found[i])
            per_kind.append(f"{hits / len(labelled):.2f} ({len(labelled)})" if labelled else "-")
        lines.append(
            f"| {name} | {refused / len(identifying):.3f} | "
            f"{false_positives / len(legitimate):.3f} | " + " | ".join(per_kind) + " |"
        )
    return lines


def timing(runs: int) -> list[str]:
    from sharing.privacy import find_identifiers
    from tests.sharing.privacy_corpus import LEGITIMATE
    from tests.sharing.privacy_corpus_heldout import LEGITIMATE as HELD_OUT_LEGITIMATE

    pool = [text for text, _ in LEGITIMATE + HELD_OUT_LEGITIMATE]
    rng = random.Random(9)
    texts = []
    for _ in range(runs):
        parts: list[str] = []
        while sum(len(p) + 1 for p in parts) < 2000:
            parts.append(rng.choice(pool))
        texts.append(" ".join(parts)[:2000])
    find_identifiers(texts[0])  # loads the model
    wall, cpu = [], []
    for text in texts:
        started, started_cpu = time.perf_counter(), time.process_time()
        find_identifiers(text)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)

    def p(values: list[float], q: int) -> float:
        return statistics.quantiles(values, n=100)[q - 1]

    return [
        f"Screen time, {runs} legitimate texts of 2,000 characters (the worst case: every "
        "detector and the model run):",
        f"wall p50 {p(wall, 50):.1f} ms, p95 {p(wall, 95):.1f} ms; "
        f"CPU p50 {p(cpu, 50):.1f} ms, p95 {p(cpu, 95):.1f} ms",
    ]


def memory() -> list[str]:
    probe = _RSS_PROBE.format(base=str(BASE_DIR))
    output = subprocess.check_output([sys.executable, "-c", probe], text=True)  # noqa: S603
    grown = int(output.split()[-1])
    return [f"Process growth with the screen and its model loaded: {grown / 2**20:.0f} MB"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("test", "dev"), default="test")
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    django.setup()
    for line in [*quality(args.part), "", *timing(args.runs), "", *memory()]:
        print(line)


if __name__ == "__main__":
    main()
