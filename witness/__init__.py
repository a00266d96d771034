"""A transparency-log witness (C2SP tlog-witness, tlog-cosignature v1): a small service that an
oversight body runs on its own machine, with its own SQLite file and its own Ed25519 key.

It cosigns a log's checkpoint only when it is consistent with the last one it cosigned, and
refuses a fork. No Django: standard library, `cryptography`, and the log's offline verifier
modules (`audit.verifier`). Run it with `python -m witness --help`."""
