"""The loyalty app's business actions, the only writers of its records: one module per concern.
Each is one transaction (``ledger.ledger_write``) with keyword-only ``actor`` first (None: the
system, for jobs) and one audit row."""
