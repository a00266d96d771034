"""Offline verification of Relais audit exports: standard library and `cryptography` only,
no Django. `python -m audit.verifier EXPORT.zip --pubkey KEY [--known-checkpoint FILE]`."""
