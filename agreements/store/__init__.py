"""The store: engine and sessions, tables, migrations, the hash chain and the search index."""
