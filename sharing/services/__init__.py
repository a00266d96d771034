"""Every write on a request, one module per topic (the shape of Zulip's `zerver/actions/`):
`drafting`, `handling`, `clarification`, `notes`, `inbox`. Callers import from the topic's
module; nothing is re-exported here.

One service per transition, all of the same shape: lock the row, check permission, repeat
quietly, check the transition table, save the changed fields, audit in the same transaction,
side effects on commit (`_common.begin`, `_common.audit_request`)."""
