"""Streaming verification of a hash chain against signed checkpoints; see docs/audit-format.md,
section 6. Used by `manage.py audit_verify` and by the standalone verifier alike.

Standard library and `cryptography` only.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .encoding import (
    BODY_FIELDS,
    FORMAT_VERSION,
    GENESIS_HASH,
    TIMESTAMP_PATTERN,
    EncodingError,
    body_hash_unchecked,
    is_hex64,
    link_hash_of_checked,
)
from .merkle import EMPTY_ROOT, CompactRange, event_leaf
from .notes import Checkpoint, NoteError, VerifierKey, parse_checkpoint

MAX_REPORTED = 1000


@dataclass
class Report:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    events: int = 0
    redacted: int = 0
    first_seq: int | None = None
    last_seq: int | None = None
    checkpoints: int = 0
    suppressed: int = 0
    # The note of the latest checkpoint whose events were all verified (audit_verify
    # --incremental starts after it next time).
    verified_checkpoint: str | None = None

    @property
    def ok(self) -> bool:
        return not self.errors and not self.suppressed

    def error(self, message: str) -> None:
        if len(self.errors) < MAX_REPORTED:
            self.errors.append(message)
        else:
            self.suppressed += 1

    def lines(self) -> list[str]:
        out = [f"ERROR {message}" for message in self.errors]
        if self.suppressed:
            out.append(f"ERROR ... and {self.suppressed} more errors")
        out += [f"WARNING {message}" for message in self.warnings]
        span = f"seq {self.first_seq}..{self.last_seq}" if self.events else "no events"
        out.append(
            f"{'OK' if self.ok else 'FAILED'}: {self.events} events ({span}, "
            f"{self.redacted} redacted), {self.checkpoints} checkpoints"
        )
        return out


_FULL_KEYS = {"seq", "prev_hash", "hash", "body"}
_REDACTED_KEYS = {"seq", "prev_hash", "hash", "body_hash"}


class ChainVerifier:
    """Feed checkpoints once, then events in seq order; `finish()` returns the report.

    trusted_keys: keys the verifier trusts out of band. candidate_keys: keys found beside the
    data (pubkey.txt, database); they count only once linked to a trusted key by rotations.
    """

    def __init__(
        self,
        *,
        trusted_keys: list[VerifierKey],
        candidate_keys: list[VerifierKey] = (),
        origin: str | None = None,
        max_gap: timedelta | None = None,
        now: datetime | None = None,
        require_complete_tail: bool = False,
        require_from_number_one: bool = False,
        require_purge_anchor: bool = False,
        end_seq: int | None = None,
        segment: bool = False,
        require_run_from_anchor: bool = False,
        witness_keys: list[VerifierKey] = (),
        witness_quorum: int = 0,
        start_seq: int | None = None,
    ) -> None:
        """segment: a slice of a longer chain checked in parallel; its first event is linked
        to the previous slice by the caller (`join_segment`), not by an anchor."""
        self.report = Report()
        self.segment = segment
        self.first_prev_hash: str | None = None
        self.trusted = list(trusted_keys)
        self.candidates = list(trusted_keys) + list(candidate_keys)
        self.origin = origin
        self.max_gap = max_gap
        self.now = now
        self.require_complete_tail = require_complete_tail
        self.require_from_number_one = require_from_number_one
        self.require_purge_anchor = require_purge_anchor
        self.end_seq = end_seq
        self.require_run_from_anchor = require_run_from_anchor
        # Where the events fed start (a verification from an anchor): with none fed, the log
        # is then complete up to start_seq - 1.
        self.start_seq = start_seq
        self.witness_keys = list(witness_keys)
        self.witness_quorum = witness_quorum
        self.run: list[Checkpoint] = []
        self.by_size: dict[int, Checkpoint] = {}
        self.by_number: dict[int, Checkpoint] = {}
        self._expected_seq: int | None = None
        self._prev_stored: str | None = None
        self._checkpoints_loaded = False
        self._known_by_size: dict[int, Checkpoint] = {}
        # The Merkle tree, recomputed from the events' hashes: from seq 1, or from the compact
        # range at the anchor (an export's tree.txt), checked against every format-2 root.
        self.tree: CompactRange | None = None
        self.leaves: list[bytes] = []  # segment mode: the leaves, for the caller to append
        self.root_errors: list[str] = []  # segment mode with a starting tree
        self.merkle_roots_checked = 0

    def start_tree(self, compact: CompactRange) -> None:
        """The compact range of the events before the first one fed (from an export)."""
        self.tree = compact

    def _check_root(self, seq: int) -> None:
        cp = self.by_size.get(seq)
        if cp is None or cp.root_hash is None or self.tree is None:
            return
        self.merkle_roots_checked += 1
        if self.tree.root().hex() != cp.root_hash:
            message = (
                f"seq {seq}: checkpoint {cp.number}'s Merkle root does not match the events "
                "(history rewritten after it was checkpointed)"
            )
            if self.segment:
                self.root_errors.append(message)  # they count once the seam is checked
            else:
                self.report.error(message)

    # -- checkpoints -------------------------------------------------------------------------

    def load_checkpoints(self, raws: list[str]) -> None:
        report = self.report
        parsed: list[Checkpoint] = []
        for position, raw in enumerate(raws, start=1):
            try:
                parsed.append(parse_checkpoint(raw))
            except NoteError as exc:
                report.error(f"checkpoint at position {position} is malformed: {exc}")
        report.checkpoints = len(parsed)
        self._checkpoints_loaded = True
        if not parsed:
            report.error("no checkpoint: nothing anchors the chain")
            return
        origin = self.origin or parsed[0].origin
        for cp in parsed:
            if cp.origin != origin:
                report.error(
                    f"checkpoint {cp.number} has origin {cp.origin!r}, expected {origin!r}"
                )
        self._check_signatures(parsed)
        for cp in parsed:
            if cp.rotate_to is not None and cp.rotate_to.name != origin:
                report.warnings.append(
                    f"rotation checkpoint {cp.number} hands over to a key named "
                    f"{cp.rotate_to.name!r}, not the log's origin {origin!r}"
                )
        self._split_run(parsed)
        self._check_run()
        self._check_witnesses()

    def _check_witnesses(self) -> None:
        """The latest checkpoint carries cosignatures by a quorum of the trusted witnesses;
        an earlier one without them is covered by a later cosigned one (a gap, reported)."""
        report = self.report
        for cp in self.run:
            for key in self.witness_keys:
                if cp.note.badly_signed_by(key):
                    report.error(
                        f"checkpoint {cp.number} carries a cosignature line of witness "
                        f"{key.encode()} that does not verify (altered)"
                    )
        if self.witness_quorum <= 0 or not self.run:
            return
        # Witnesses counted by name: a key given twice, or two keys of one witness, is one.
        witnesses = {key.name for key in self.witness_keys}
        if len(witnesses) < self.witness_quorum:
            report.error(
                f"a quorum of {self.witness_quorum} witnesses is required but only "
                f"{len(witnesses)} witnesses' keys are given (--witness-key)"
            )
            return
        cosigned = [
            len({key.name for key in self.witness_keys if cp.note.cosigned_by(key) is not None})
            >= self.witness_quorum
            for cp in self.run
        ]
        last = max((i for i, ok in enumerate(cosigned) if ok), default=None)
        if last is None or last != len(self.run) - 1:
            since = self.run[0 if last is None else last + 1]
            report.error(
                f"checkpoints {since.number}..{self.run[-1].number} are not cosigned by "
                f"{self.witness_quorum} witness(es): unwitnessed (witness down, or a fork the "
                "witnesses refused)"
            )
        gaps = [cp.number for cp, ok in zip(self.run, cosigned, strict=True) if not ok]
        covered = [n for n in gaps if last is not None and n < self.run[last].number]
        if covered:
            report.warnings.append(
                f"{len(covered)} checkpoints without a witness quorum (first {covered[0]}, "
                f"last {covered[-1]}), covered by the cosigned checkpoint "
                f"{self.run[last].number}"
            )

    def _find_key(self, cp: Checkpoint) -> VerifierKey | None:
        for key in self.trusted + self.candidates:
            if cp.note.signed_by(key):
                return key
        return None

    def _check_signatures(self, parsed: list[Checkpoint]) -> None:
        """Each checkpoint is signed by the key of its epoch; a rotation is signed by both keys."""
        report = self.report
        epoch_key = self._find_key(parsed[0])
        if epoch_key is None:
            report.error(f"checkpoint {parsed[0].number} is not signed by any known key")
        epoch_keys = [epoch_key] if epoch_key else []
        known = list(self.candidates)
        for cp in parsed:
            if cp.rotate_to is not None:
                known.append(cp.rotate_to)
            for key in known:
                if cp.note.badly_signed_by(key):
                    report.error(
                        f"checkpoint {cp.number} carries a signature line of {key.encode()} "
                        "that does not verify (altered)"
                    )
            if epoch_key is None:
                epoch_key = self._find_key(cp)
                if epoch_key is None:
                    report.error(f"checkpoint {cp.number} is not signed by any known key")
                    continue
                epoch_keys.append(epoch_key)
            if not cp.note.signed_by(epoch_key):
                other = self._find_key(cp)
                if other is None:
                    report.error(
                        f"checkpoint {cp.number} has no valid signature by the current key "
                        f"{epoch_key.encode()} (forged or altered)"
                    )
                else:
                    report.error(
                        f"checkpoint {cp.number} is signed by {other.encode()}, not by the current "
                        f"key {epoch_key.encode()} (retired or unannounced key)"
                    )
                continue
            if cp.rotate_to is not None:
                if cp.rotate_to == epoch_key:
                    report.warnings.append(
                        f"rotation checkpoint {cp.number} hands over to the key already current"
                    )
                if not cp.note.signed_by(cp.rotate_to):
                    report.error(f"rotation checkpoint {cp.number} is not signed by the new key")
                    continue
                epoch_key = cp.rotate_to
                epoch_keys.append(epoch_key)
        trusted_ids = {(k.name, k.public_bytes) for k in self.trusted}
        if epoch_keys and not any((k.name, k.public_bytes) in trusted_ids for k in epoch_keys):
            report.error("no checkpoint is signed by a trusted key (check --pubkey)")

    def _split_run(self, parsed: list[Checkpoint]) -> None:
        """The run is the contiguous tail of checkpoints; before it only key history may come."""
        start = len(parsed) - 1
        while start > 0 and parsed[start - 1].number == parsed[start].number - 1:
            start -= 1
        history, self.run = parsed[:start], parsed[start:]
        report = self.report
        if history and self.require_from_number_one:
            report.error(
                f"checkpoints are not contiguous: number jumps from {history[-1].number} "
                f"to {self.run[0].number} (missing or deleted checkpoint)"
            )
        for previous, cp in zip(history, history[1:] + self.run[:1], strict=False):
            if cp.number <= previous.number:
                report.error(
                    f"checkpoint {cp.number} comes after checkpoint {previous.number} "
                    "(replayed, duplicated or out of order)"
                )
        for cp in history:
            if cp.reason != "rotation" and not self.require_from_number_one:
                report.error(
                    f"checkpoints are not contiguous around checkpoint {cp.number} "
                    "(missing or deleted checkpoint)"
                )
                break
        if self.require_from_number_one and self.run and self.run[0].number != 1 and not history:
            report.error(f"the first checkpoint has number {self.run[0].number}, not 1")

    def _check_run(self) -> None:
        report = self.report
        first = self.run[0]
        if first.number == 1 and first.prev != GENESIS_HASH:
            report.error("checkpoint 1 does not start from the genesis hash")
        for previous, cp in zip(self.run, self.run[1:], strict=False):
            if previous.root_hash is not None and cp.root_hash is None:
                report.error(
                    f"checkpoint {cp.number} is in format 1 after the format-2 checkpoint "
                    f"{previous.number} (downgraded)"
                )
            if cp.prev != previous.text_hash:
                report.error(
                    f"checkpoint {cp.number} does not link to checkpoint {previous.number} "
                    "(altered, replaced or replayed checkpoint)"
                )
            if cp.size < previous.size:
                report.error(
                    f"checkpoint {cp.number} has size {cp.size}, smaller than {previous.size} "
                    f"in checkpoint {previous.number} (the log shrank)"
                )
            if cp.time < previous.time:
                report.error(f"checkpoint {cp.number} is dated before checkpoint {previous.number}")
            elif self.max_gap is not None and cp.time - previous.time > self.max_gap:
                report.error(
                    f"missing periodic checkpoint: {int((cp.time - previous.time).total_seconds())}"
                    f" s between checkpoints {previous.number} and {cp.number}"
                )
        for cp in self.run:
            self.by_number[cp.number] = cp
            if cp.size == 0 and cp.root_hash not in (None, EMPTY_ROOT.hex()):
                report.error(f"checkpoint {cp.number} has size 0 but not the empty tree's root")
            if cp.size == 0 and cp.head_hash != GENESIS_HASH:
                report.error(f"checkpoint {cp.number} has size 0 but not the genesis hash")
            other = self.by_size.get(cp.size)
            if (
                other is not None
                and other.root_hash
                and cp.root_hash
                and (other.root_hash != cp.root_hash)
            ):
                report.error(
                    f"checkpoints {other.number} and {cp.number} disagree on the Merkle root at "
                    f"size {cp.size} (fork)"
                )
            if other is not None and other.head_hash != cp.head_hash:
                report.error(
                    f"checkpoints {other.number} and {cp.number} disagree on the hash at size "
                    f"{cp.size} (fork)"
                )
            kept = self.by_size.get(cp.size)
            if kept is None or (kept.root_hash is None and cp.root_hash is not None):
                self.by_size[cp.size] = cp
        last = self.run[-1]
        if (
            self.now is not None
            and self.max_gap is not None
            and self.now - last.time > self.max_gap
        ):
            report.error(
                f"missing periodic checkpoint: the latest, {last.number}, is from "
                f"{last.time.isoformat()}, {int((self.now - last.time).total_seconds())} s ago"
            )

    def check_known(self, raw: str) -> None:
        """A checkpoint the auditor kept from before must be consistent with this log."""
        report = self.report
        try:
            known = parse_checkpoint(raw)
        except NoteError as exc:
            report.error(f"known checkpoint is malformed: {exc}")
            return
        if not any(known.note.signed_by(key) for key in self.candidates):
            report.error("known checkpoint is not signed by any known key")
            return
        if not self.run:
            return
        last = self.run[-1]
        same = self.by_number.get(known.number)
        if same is not None:
            if same.note.text != known.note.text:
                report.error(
                    f"checkpoint {known.number} differs from the known checkpoint with that number "
                    "(replaced or forked log)"
                )
        elif known.number > last.number or known.size > last.size:
            report.error(
                f"the known checkpoint {known.number} (size {known.size}) is newer than the latest "
                f"here, {last.number} (size {last.size}): rolled back or truncated"
            )
        else:
            report.warnings.append(
                f"known checkpoint {known.number} precedes the checkpoints here; "
                "compared by size only"
            )
        cp = self.by_size.get(known.size)
        if cp is not None and cp.head_hash != known.head_hash:
            report.error(
                f"the known checkpoint {known.number} and checkpoint {cp.number} disagree on the "
                f"hash at size {known.size} (history rewritten)"
            )
        self._known_by_size[known.size] = known

    # -- events ------------------------------------------------------------------------------

    def feed(self, event: object) -> None:
        report = self.report
        if not isinstance(event, dict) or not isinstance(event.get("seq"), int):
            report.error(f"unreadable event after seq {self.report.last_seq}")
            return
        seq = event["seq"]
        keys = set(event)
        if keys == _FULL_KEYS:
            body = event["body"]
            problem = _body_problem(body)
            if problem:
                report.error(f"seq {seq}: {problem}")
                digest = None
            else:
                try:
                    digest = body_hash_unchecked(body)
                except EncodingError as exc:
                    report.error(f"seq {seq}: body has no canonical encoding: {exc}")
                    digest = None
        elif keys == _REDACTED_KEYS and is_hex64(event["body_hash"]):
            digest = event["body_hash"]
            report.redacted += 1
        elif keys == _REDACTED_KEYS:
            report.error(f"seq {seq}: body_hash is not 64 lowercase hex digits")
            digest = None
        else:
            report.error(f"seq {seq}: unexpected fields {sorted(keys)}")
            digest = None
        self.feed_link(seq, event.get("prev_hash"), event.get("hash"), digest)

    def feed_links(self, links: list[tuple[int, str, str, str]]) -> None:
        """feed_link for a run of (seq, prev_hash, hash, body_hash), with the same checks and
        outcome: the usual event (the next seq, linked to the previous one, its hash
        recomputed equal, no checkpoint at its size, the tree in step) in a tight loop, any
        other through feed_link."""
        sha256 = hashlib.sha256
        fromhex = bytes.fromhex
        by_size = self.by_size
        known = self._known_by_size
        expected, previous = self._expected_seq, self._prev_stored
        checked = 0
        tree, collect, hashes, size = self._fast_tree()
        for seq, prev_hash, stored, digest in links:
            if (
                seq != expected
                or prev_hash != previous
                or seq in by_size
                or seq in known
                or (collect is None and size != seq - 1)
                or sha256(
                    f'{{"body_hash":"{digest}","prev_hash":"{prev_hash}","seq":{seq}}}'.encode()
                ).hexdigest()
                != stored
            ):
                # The first event, a checkpoint's size, or anything that fails: one by one.
                self._end_fast(checked, expected, previous, tree, size)
                checked = 0
                self.feed_link(seq, prev_hash, stored, digest)
                expected, previous = self._expected_seq, self._prev_stored
                tree, collect, hashes, size = self._fast_tree()
                continue
            # hexdigest() equal: stored is 64 lowercase hex digits, and so was prev_hash.
            leaf = sha256(b"\x00" + fromhex(stored)).digest()
            if collect is not None:
                collect(leaf)
            else:
                index = size
                while index & 1:
                    leaf = sha256(b"\x01" + hashes.pop() + leaf).digest()
                    index >>= 1
                hashes.append(leaf)
                size += 1
            checked += 1
            expected = seq + 1
            previous = stored
        self._end_fast(checked, expected, previous, tree, size)

    def _fast_tree(self) -> tuple[CompactRange | None, object, list[bytes], int]:
        """feed_links' view of the tree: (tree, where a segment collects its leaves instead,
        the tree's hashes, its size; -2 when there is no tree, which no seq - 1 equals)."""
        tree = self.tree
        if self.segment and tree is None:
            return None, self.leaves.append, [], -2
        if tree is None:
            return None, None, [], -2
        return tree, None, tree.hashes, tree.size

    def _end_fast(
        self, checked: int, expected: int | None, previous: str | None, tree, size: int
    ) -> None:
        if not checked:
            return
        self.report.events += checked
        self.report.last_seq = expected - 1
        self._expected_seq, self._prev_stored = expected, previous
        if tree is not None:
            tree.size = size

    def feed_link(self, seq: int, prev_hash: object, stored: object, digest: str | None) -> None:
        """The rest of `feed`, for a caller that has computed the body hash itself (None: the
        body was unusable, already reported)."""
        report = self.report
        if not is_hex64(prev_hash) or not is_hex64(stored):
            report.error(f"seq {seq}: hash or prev_hash is not 64 lowercase hex digits")
            return
        report.events += 1
        if self._expected_seq is None:
            report.first_seq = seq
            self.first_prev_hash = prev_hash
            if not self.segment:
                self._check_anchor(seq, prev_hash)
        elif seq != self._expected_seq:
            kind = "missing" if seq > self._expected_seq else "duplicated or out of order"
            report.error(f"seq {seq} follows seq {self._expected_seq - 1}: events {kind}")
            if prev_hash != self._prev_stored:
                report.error(f"seq {seq}: prev_hash does not match the previous event's hash")
        elif prev_hash != self._prev_stored:
            report.error(
                f"seq {seq}: prev_hash does not match the hash of seq {seq - 1} "
                "(event removed, inserted, swapped or rehashed)"
            )
        if digest is not None and link_hash_of_checked(seq, prev_hash, digest) != stored:
            report.error(f"seq {seq}: hash does not match the event's content (edited event)")
        cp = self.by_size.get(seq)
        if cp is not None and cp.head_hash != stored:
            report.error(
                f"seq {seq}: checkpoint {cp.number} commits to another hash at this size "
                "(history rewritten after it was checkpointed)"
            )
        known = self._known_by_size.get(seq)
        if known is not None and known.head_hash != stored:
            report.error(f"seq {seq}: the known checkpoint commits to another hash at this size")
        if self.segment and self.tree is None:
            self.leaves.append(event_leaf(stored))
        elif self.tree is not None:
            if self.tree.size != seq - 1:
                report.error(f"seq {seq}: the Merkle tree holds {self.tree.size} events before it")
                self.tree = None
            else:
                self.tree.append(event_leaf(stored))
                self._check_root(seq)
        self._expected_seq = seq + 1
        self._prev_stored = stored
        report.last_seq = seq

    def join_segment(
        self,
        *,
        first_seq: int,
        first_prev_hash: str,
        last_seq: int,
        last_hash: str,
        events: int,
        leaves: bytes = b"",
        tree_start: CompactRange | None = None,
        tree_end: CompactRange | None = None,
        roots_checked: int = 0,
        root_errors: list[str] = (),
    ) -> None:
        """Continue with a slice verified elsewhere: check the link at the seam, then carry on
        as if its events had been fed here (errors inside it are merged by the caller).

        A slice either returns its leaves, appended here, or was given a compact range to start
        its own tree from (a hint, read from the stored tree) and returns where its tree ended,
        the roots it checked and the root errors it found: these count only if the hint is the
        tree this verifier computed up to the seam."""
        report = self.report
        if self._expected_seq is None:
            report.first_seq = first_seq
            self._check_anchor(first_seq, first_prev_hash)
        elif first_seq != self._expected_seq:
            kind = "missing" if first_seq > self._expected_seq else "duplicated or out of order"
            report.error(f"seq {first_seq} follows seq {self._expected_seq - 1}: events {kind}")
        elif first_prev_hash != self._prev_stored:
            report.error(
                f"seq {first_seq}: prev_hash does not match the hash of seq {first_seq - 1} "
                "(event removed, inserted, swapped or rehashed)"
            )
        if tree_start is not None:
            if self.tree is None or self.tree.size != first_seq - 1:
                pass  # roots after the seam stay unchecked; finish() counts them
            elif tree_start.size != self.tree.size or tree_start.hashes != self.tree.hashes:
                report.error(
                    f"the stored Merkle tree of the first {first_seq - 1} events does not match "
                    "the events (tampered tree nodes)"
                )
                self.tree = None
            else:
                for message in root_errors:
                    report.error(message)
                self.merkle_roots_checked += roots_checked
                self.tree = tree_end
        elif self.tree is not None and self.tree.size == first_seq - 1:
            for offset in range(0, len(leaves), 32):
                self.tree.append(leaves[offset : offset + 32])
                self._check_root(self.tree.size)
        report.events += events
        report.last_seq = last_seq
        self._expected_seq = last_seq + 1
        self._prev_stored = last_hash

    def _check_anchor(self, seq: int, prev_hash: str) -> None:
        report = self.report
        if self.require_purge_anchor:
            purges = [cp.purged_to for cp in self.run if cp.purged_to is not None]
            expected_first = purges[-1] + 1 if purges else 1
            if seq != expected_first:
                report.error(
                    f"the log starts at seq {seq}, but the latest purge checkpoint says it starts "
                    f"at seq {expected_first} (events deleted from the start)"
                )
        if self.require_run_from_anchor and self.run:
            first = self.run[0]
            if seq == 1 and first.number != 1:
                report.error(
                    f"the events start at seq 1 but the checkpoints at number {first.number}, "
                    "not 1 (checkpoints left out)"
                )
            elif seq > 1 and not any(cp.size == seq - 1 for cp in self.run):
                report.error(
                    f"no checkpoint of the contiguous run is the anchor of size {seq - 1} "
                    "(checkpoints left out)"
                )
        if seq == 1:
            if prev_hash != GENESIS_HASH:
                report.error("seq 1 does not start from the genesis hash")
            self.tree = CompactRange()
            return
        anchor = self.by_size.get(seq - 1)
        if self.tree is not None and self.tree.size != seq - 1:
            report.error(f"the Merkle tree given covers {self.tree.size} events, not {seq - 1}")
            self.tree = None
        if (
            self.tree is not None
            and anchor is not None
            and anchor.root_hash is not None
            and self.tree.root().hex() != anchor.root_hash
        ):
            report.error(
                f"the Merkle tree given for the first {seq - 1} events does not match "
                f"checkpoint {anchor.number}'s root"
            )
        if anchor is None:
            report.error(
                f"no checkpoint of size {seq - 1} anchors the first event, seq {seq} "
                "(starting anchor missing)"
            )
        elif anchor.head_hash != prev_hash:
            report.error(
                f"the first event, seq {seq}, does not start where checkpoint {anchor.number} "
                "says (starting anchor mismatch)"
            )

    def finish(self) -> Report:
        report = self.report
        if not self._checkpoints_loaded:
            report.error("no checkpoint was loaded")
        if report.events and report.first_seq is not None:
            rooted = [
                cp
                for size, cp in self.by_size.items()
                if cp.root_hash is not None and report.first_seq <= size <= report.last_seq
            ]
            if rooted and self.merkle_roots_checked < len(rooted):
                report.error(
                    f"{len(rooted) - self.merkle_roots_checked} checkpoint Merkle roots in the "
                    "range could not be checked (no tree for the events before the range)"
                )
        last_seq = report.last_seq if report.events else None
        if last_seq is not None:
            covered_to = last_seq
        elif self.require_complete_tail and self.run:
            covered_to = self.run[0].size  # an export whose range holds no event
        elif self.start_seq is not None:
            covered_to = self.start_seq - 1
        else:
            covered_to = 0
        for cp in self.run:
            if self.end_seq is not None and cp.size > self.end_seq:
                continue
            if cp.size > covered_to:
                report.error(
                    f"checkpoint {cp.number} covers {cp.size} events but the log ends at seq "
                    f"{covered_to} (truncated tail)"
                )
                break
        if self.run and last_seq is not None:
            latest = max(self.run[-1].size, 0)
            if self.require_complete_tail and latest != last_seq:
                report.error(
                    f"the final checkpoint covers {latest} events, the events end at {last_seq}"
                )
            elif last_seq > latest:
                report.warnings.append(
                    f"{last_seq - latest} events after the latest checkpoint are not yet covered"
                )
        return report


_BODY_KEYS = frozenset(BODY_FIELDS)


def _body_problem(body: object) -> str | None:
    if type(body) is not dict:
        return "body is not an object"
    if body.keys() != _BODY_KEYS:
        return f"body fields differ from the format: {sorted(set(body) ^ _BODY_KEYS)}"
    if body["v"] != FORMAT_VERSION:
        return f"unknown format version {body['v']!r}"
    occurred_at = body["occurred_at"]
    if type(occurred_at) is not str or not TIMESTAMP_PATTERN.fullmatch(occurred_at):
        return f"not a canonical timestamp: {occurred_at!r}"
    return None
