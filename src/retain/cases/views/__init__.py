"""The cases pages, one module per kind of record."""
