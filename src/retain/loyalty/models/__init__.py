"""The loyalty app's records, one module per kind, gathered here for Django."""

from .account import MEMBER_KINDS, SYSTEM_KINDS, Account, AccountKind  # noqa: F401
from .idempotency import IdempotencyKey  # noqa: F401
from .lot import Lot, LotUse  # noqa: F401
from .programme import MAX_POINTS, Programme  # noqa: F401
from .rules import EVENTS, PURCHASES, EarningRule, EventKind, Membership, Tier, TierChange  # noqa: F401
from .transfer import AppendOnlyQuerySet, Origin, Transfer, TransferKind  # noqa: F401
