"""Sales API: planning."""

from ninja import Router

router = Router(tags=["sales"])
