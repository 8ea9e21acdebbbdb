"""The loyalty pages' addresses (the member card, the desk, the catalogue... come with the
programme's next parts; the ledger itself is reached through the services and the API)."""

app_name = "loyalty"

urlpatterns: list = []
