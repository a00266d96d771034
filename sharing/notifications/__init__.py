"""Notifications, in parts with one direction between them: `recipients` (who is told),
`texts` (the words of each notice), `rendering` (the messages built from them, in the app and
by e-mail) and `outbox` (the notice and e-mail rows written with the change they announce).
Callers import from the part they need; nothing is re-exported here."""
