from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class LoyaltyConfig(AppConfig):
    name = "retain.loyalty"
    label = "loyalty"
    verbose_name = _("Loyalty")

    def ready(self):
        from retain.customers import cards, moves

        from . import append_only, jobs  # noqa: F401 (register the periodic jobs)
        from .cards import points_section, referrals_section
        from .models import Account, Referral, ReferralCode
        from .services.merge import merge_points

        post_migrate.connect(append_only.on_post_migrate, sender=self, dispatch_uid="loyalty.append_only")
        # a merged duplicate's points move to the survivor, by a transfer
        moves.register(merge=merge_points)
        # the customer card's points section
        cards.register(points_section, reads=((Account, "customer"),))
        # the referrals section: the member's code, whom they brought
        cards.register(referrals_section, reads=((ReferralCode, "customer"), (Referral, "referrer")))
