"""The loyalty pages' addresses: the rewards catalogue and the service desk (the ledger itself is
reached through the services and the API)."""

from django.urls import path

from .views import desk, rewards

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
]
