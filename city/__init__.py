"""The city: one ingest server on PostgreSQL that every hall's event outbox flows up to."""
