"""python -m audit.verifier EXPORT.zip --pubkey KEY [--known-checkpoint FILE] [--max-gap S]
    [--witness-key FILE ... --witness-quorum N]

Exit status: 0 verified, 1 verification failed, 2 usage error."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .export import verify_export
from .notes import NoteError, VerifierKey, split_notes


def _keys(path: str, *, cosigner: bool = False) -> list[VerifierKey]:
    lines = [line for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    return [VerifierKey.parse(line, cosigner=cosigner) for line in lines]


def _known(path: str) -> list[str]:
    text = Path(path).read_text(encoding="utf-8")
    return split_notes(text if text.endswith("\n\n") else text + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m audit.verifier", description="Verify a Relais audit export offline."
    )
    parser.add_argument("export", help="the export zip")
    parser.add_argument(
        "--pubkey",
        required=True,
        action="append",
        help="file with the trusted verifier key(s), one '<name>+<id>+<key>' per line",
    )
    parser.add_argument(
        "--known-checkpoint",
        action="append",
        default=[],
        help="a checkpoint kept from before (e.g. a previous export's last); repeatable",
    )
    parser.add_argument(
        "--max-gap",
        type=int,
        default=900,
        help="seconds allowed between checkpoints; 0 skips the check (default 900; never "
        "taken from the export)",
    )
    parser.add_argument(
        "--witness-key",
        action="append",
        default=[],
        help="file with trusted witness key(s) ('<name>+<id>+<base64>', alg 0x04); repeatable",
    )
    parser.add_argument(
        "--witness-quorum",
        type=int,
        default=None,
        help="cosignatures required on the final checkpoint (default: every --witness-key)",
    )
    args = parser.parse_args(argv)
    try:
        trusted = [key for path in args.pubkey for key in _keys(path)]
        witnesses = [key for path in args.witness_key for key in _keys(path, cosigner=True)]
        known = [note for path in args.known_checkpoint for note in _known(path)]
    except (OSError, UnicodeDecodeError, NoteError) as exc:
        print(f"usage error: {exc}", file=sys.stderr)
        return 2
    if not trusted:
        print("usage error: no key in --pubkey", file=sys.stderr)
        return 2
    quorum = len(witnesses) if args.witness_quorum is None else args.witness_quorum
    report, _manifest = verify_export(
        args.export,
        trusted_keys=trusted,
        known_checkpoints=known,
        max_gap_seconds=args.max_gap,
        witness_keys=witnesses,
        witness_quorum=quorum,
    )
    for line in report.lines():
        print(line)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
