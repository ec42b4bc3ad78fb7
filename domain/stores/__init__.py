"""Store adapters: the library's SQLite, PostgreSQL and in-memory recorders, plus the command log.

Each event store also keeps `pooling_commands`, one row per applied command (unit, serial, digest, first
answer), written in the same transaction as the command's events. It is what makes a resent serial answer
`replayed` (INTERCHANGE.md): a table keyed by (unit, serial), not one aggregate per command in the event log,
so the log holds only facts about persons and national runs. The library loads these adapters by topic from
`PERSISTENCE_MODULE` (domain/settings.py); no domain module imports them."""
