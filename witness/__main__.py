"""python -m witness --db FILE --key FILE --name NAME --log ORIGIN=VKEY [--listen HOST:PORT]
[--init]

Creates the key file (mode 0600) on first start and prints the witness's verifier key with
--print-key. Keeps its state in the SQLite file across restarts; the first start, and only
it, is given --init to create that file."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sqlite3
import sys
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from audit.verifier.notes import (
    ALG_COSIGNATURE_V1,
    NoteError,
    SignerKey,
    VerifierKey,
    private_key_pem,
)

from .server import MAX_CONNECTIONS, READ_TIMEOUT, Witness, serve
from .store import Store, StoreError


def load_or_create_key(path: Path, name: str) -> SignerKey:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(private_key_pem(Ed25519PrivateKey.generate()))
    return SignerKey.from_material(name=name, material=path.read_bytes(), alg=ALG_COSIGNATURE_V1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m witness", description=__doc__)
    parser.add_argument("--db", required=True, help="SQLite file holding the witness's state")
    parser.add_argument("--key", required=True, help="Ed25519 private key file (PEM)")
    parser.add_argument("--name", required=True, help="the witness's name, e.g. ctrl.example/w1")
    parser.add_argument(
        "--log",
        action="append",
        default=[],
        help="a log this witness follows: ORIGIN=VERIFIER-KEY (repeatable)",
    )
    parser.add_argument("--listen", default="127.0.0.1:8080", help="HOST:PORT")
    parser.add_argument("--prefix", default="", help="URL prefix (default: none)")
    parser.add_argument(
        "--read-timeout",
        type=float,
        default=READ_TIMEOUT,
        help=f"seconds a connection may stay silent (default {READ_TIMEOUT:g})",
    )
    parser.add_argument(
        "--max-connections",
        type=int,
        default=MAX_CONNECTIONS,
        help=f"connections served at once, more are answered 503 (default {MAX_CONNECTIONS})",
    )
    parser.add_argument(
        "--init",
        action="store_true",
        help="first start: create the store (refused if it already holds a witness's state)",
    )
    parser.add_argument("--print-key", action="store_true", help="print the verifier key, exit")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    try:
        key = load_or_create_key(Path(args.key), args.name)
        logs: dict[str, list[VerifierKey]] = {}
        for entry in args.log:
            origin, sep, vkey = entry.partition("=")
            if not sep:
                raise NoteError("--log is ORIGIN=VERIFIER-KEY")
            logs.setdefault(origin, []).append(VerifierKey.parse(vkey))
    except (OSError, NoteError, ValueError) as exc:
        print(f"usage error: {exc}", file=sys.stderr)
        return 2
    if args.print_key:
        print(key.verifier.encode())
        return 0
    host, _, port = args.listen.rpartition(":")
    try:
        store = Store(Path(args.db), init=args.init)
    except (StoreError, sqlite3.Error) as exc:
        print(f"witness: {exc}", file=sys.stderr)
        return 2
    witness = Witness(key=key, store=store, logs=logs)
    server = serve(
        witness,
        host,
        int(port),
        args.prefix,
        read_timeout=args.read_timeout,
        max_connections=args.max_connections,
    )
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"witness {key.verifier.encode()} listening on {args.listen}", flush=True)
    try:
        server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.server_close()
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
