"""python -m audit.verifier EXPORT.zip --pubkey KEY-OR-FILE [--known-checkpoint FILE]
    [--max-gap S] [--witness-key KEY-OR-FILE ... --witness-quorum N]

Exit status: 0 verified, 1 verification failed, 2 usage error."""

from __future__ import annotations

import argparse
import sys

from .export import verify_export
from .notes import NoteError, read_keys, read_known


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m audit.verifier", description="Verify a Relais audit export offline."
    )
    parser.add_argument("export", help="the export zip")
    parser.add_argument(
        "--pubkey",
        required=True,
        action="append",
        help="a trusted verifier key '<name>+<id>+<key>', or a file of them, one a line;"
        " repeatable",
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
        help="a trusted witness key ('<name>+<id>+<base64>', alg 0x04) or a file of them;"
        " repeatable",
    )
    parser.add_argument(
        "--witness-quorum",
        type=int,
        default=None,
        help="cosignatures required on the final checkpoint (default: every --witness-key)",
    )
    args = parser.parse_args(argv)
    try:
        trusted = read_keys(args.pubkey)
        witnesses = read_keys(args.witness_key, cosigner=True)
        known = read_known(args.known_checkpoint)
    except (OSError, UnicodeDecodeError, NoteError) as exc:
        print(f"usage error: {exc}", file=sys.stderr)
        return 2
    if not trusted:
        print("usage error: no key in --pubkey", file=sys.stderr)
        return 2
    quorum = (
        len({key.name for key in witnesses}) if args.witness_quorum is None else args.witness_quorum
    )
    if witnesses and quorum < 1:
        print("usage error: --witness-quorum is at least 1 with --witness-key", file=sys.stderr)
        return 2
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
