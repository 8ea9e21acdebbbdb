"""Sales API: tables."""

from ninja import Router

router = Router(tags=["sales"])
