"""The loyalty pages' forms, one module per part: the rewards catalogue and the desk
(``rewards``), referrals and owners' clubs (``clubs``), partners and the liability
(``partners``). They parse and bound what was typed; the services decide."""

from .clubs import ClubForm, EventForm, JoinForm, MembersForm, PeriodForm, ReferralForm, ThankForm  # noqa: F401
from .partners import CloseForm, LiabilityForm, MovementForm, PartnerEditForm, PartnerForm, ReverseForm  # noqa: F401
from .rewards import CancelForm, CodeForm, EarnForm, FindForm, OrderForm, RewardForm  # noqa: F401
from .rules import RulesForm  # noqa: F401
