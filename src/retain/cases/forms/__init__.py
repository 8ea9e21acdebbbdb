"""The cases forms, one module per kind of record."""
