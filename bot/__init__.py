"""kpibot: the world — settings, database, imports, chat adapters, jobs and the CLI."""
