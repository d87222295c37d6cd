"""Which databases a test runs on. The `database_url` fixture (conftest.py) gives every test that
asks for it a SQLite database and a PostgreSQL one; a test about SQLite itself (a file path, its
own upgrade) narrows that to SQLite with SQLITE_ONLY, a comment beside it saying why."""

import pytest

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
