"""Notifications, in three parts with one direction between them: `recipients` (who is told),
`rendering` (what they read, in the app and by e-mail) and `outbox` (the notice and e-mail
rows written with the change they announce). Callers import from the part they need; nothing
is re-exported here."""
