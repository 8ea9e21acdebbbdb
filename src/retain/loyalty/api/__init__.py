"""The loyalty API (registered in ``retain.api``)."""
