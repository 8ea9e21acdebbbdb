"""The loyalty programme: a points ledger that behaves like money (issue 11), and what stands on it."""
