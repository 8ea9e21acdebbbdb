"""The cases API, one router per kind of record (registered in ``retain.api``)."""
