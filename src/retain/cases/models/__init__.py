"""The cases app's records, one module per kind, gathered here for Django."""
