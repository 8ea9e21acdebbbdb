"""The loyalty app's records, one module per kind, gathered here for Django."""

from .account import MEMBER_KINDS, SYSTEM_KINDS, Account, AccountKind  # noqa: F401
from .club import Club, ClubEvent, ClubMembership  # noqa: F401
from .idempotency import IdempotencyKey  # noqa: F401
from .lot import Lot, LotUse  # noqa: F401
from .partner import Partner, PartnerKind, Settlement  # noqa: F401
from .programme import MAX_POINTS, MAX_RESERVATION_HOURS, Programme  # noqa: F401
from .referral import CODE_ALPHABET, Referral, ReferralCode  # noqa: F401
from .reward import LimitPeriod, Reward, RewardKind, Voucher, VoucherStatus  # noqa: F401
from .rules import EVENTS, PURCHASES, EarningRule, EventKind, Membership, Tier, TierChange  # noqa: F401
from .transfer import AppendOnlyQuerySet, Origin, Transfer, TransferKind  # noqa: F401
