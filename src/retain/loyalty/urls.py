"""The loyalty pages' addresses: the rewards catalogue and the service desk, referrals and
influence centres, owners' clubs, coalition partners and their settlements, the points liability
the programme's earning rules and tiers (the member card's sections are registered with the
customer card; the ledger itself is reached through the services and the API)."""

from django.urls import path

from .views import clubs, desk, partners, rewards, rules

app_name = "loyalty"

urlpatterns = [
    path("rewards/", rewards.catalogue, name="rewards"),
    path("rewards/new/", rewards.reward_new, name="reward_new"),
    path("rewards/<int:reward_id>/", rewards.reward_edit, name="reward_edit"),
    path("desk/", desk.desk, name="desk"),
    path("desk/members/<int:customer_id>/", desk.member, name="desk_member"),
    path("desk/members/<int:customer_id>/order/", desk.order, name="desk_order"),
    path("desk/members/<int:customer_id>/earn/", desk.earn, name="desk_earn"),
    path("desk/use/", desk.use, name="desk_use"),
    path("vouchers/<str:code>/", desk.voucher, name="voucher"),
    path("vouchers/<str:code>/use/", desk.use, name="voucher_use"),
    path("vouchers/<str:code>/cancel/", desk.cancel, name="voucher_cancel"),
    # referrals and influence centres
    path("influence-centres/", clubs.influence, name="influence"),
    path("influence-centres/export.csv", clubs.influence, {"export": "csv"}, name="influence_export"),
    path("influence-centres/export.xlsx", clubs.influence, {"export": "xlsx"}, name="influence_export_xlsx"),
    path("influence-centres/<int:customer_id>/thank/", clubs.influence_thank, name="influence_thank"),
    path("influence-centres/<int:customer_id>/join/", clubs.influence_join, name="influence_join"),
    path("members/<int:customer_id>/referral/", clubs.referral_record, name="referral_record"),
    path("members/<int:customer_id>/referral-code/", clubs.referral_code, name="referral_code"),
    # owners' clubs
    path("clubs/", clubs.club_list, name="clubs"),
    path("clubs/<int:club_id>/", clubs.club_detail, name="club"),
    path("clubs/<int:club_id>/members/", clubs.club_members, name="club_members"),
    path("clubs/<int:club_id>/members/<int:customer_id>/leave/", clubs.club_leave, name="club_leave"),
    path("clubs/<int:club_id>/events/", clubs.club_event, name="club_event"),
    path("clubs/<int:club_id>/events/<int:event_id>/attend/<int:customer_id>/", clubs.club_attend,
         name="club_attend"),
    path("partners/", partners.partner_list, name="partners"),
    path("partners/<int:partner_id>/", partners.partner_page, name="partner"),
    path("partners/<int:partner_id>/edit/", partners.partner_edit, name="partner_edit"),
    path("partners/<int:partner_id>/movement/", partners.partner_movement, name="partner_movement"),
    path("partners/<int:partner_id>/movements/<int:transfer_id>/reverse/", partners.partner_reverse,
         name="partner_reverse"),
    path("partners/<int:partner_id>/close/", partners.close_month, name="partner_close"),
    path("liability/", partners.liability_page, name="liability"),
    path("rules/", rules.programme_rules, name="rules"),
]
