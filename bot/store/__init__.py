"""The database: engine and migrations, the tables, and keyword-only queries."""
