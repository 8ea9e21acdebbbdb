"""The card's small forms are fetched when opened (htmx), not rendered with every card."""

import pytest

from tests.conftest import make_customer

FORMS = {"tags": "/tags/", "classification": "/classify/", "consent": "/consent/", "vehicle": "/vehicles/new/",
         "transaction": "/transactions/new/", "merge": "/merge/"}


@pytest.fixture
def customer(org):
    return make_customer(dealer=org.d1, owner=org.staff["consultant"], name="王先生")


def test_the_card_renders_no_form_fields_only_their_folds(org, client, customer):
    client.force_login(org.staff["dealer_gm"])
    card = client.get(f"/customers/{customer.pk}/").content.decode()
    assert 'name="plate"' not in card and 'name="amount"' not in card
    for name in FORMS:
        assert f'hx-get="/customers/{customer.pk}/forms/{name}/"' in card, name


@pytest.mark.parametrize("name", FORMS)
def test_each_form_opens_as_a_fragment_and_as_a_page(org, client, customer, name):
    client.force_login(org.staff["dealer_gm"])
    url = f"/customers/{customer.pk}/forms/{name}/"
    fragment = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert fragment.startswith("<form") and f'action="/customers/{customer.pk}{FORMS[name]}"' in fragment
    assert "csrfmiddlewaretoken" in fragment and "<html" not in fragment
    page = client.get(url).content.decode()
    assert "<html" in page and f'action="/customers/{customer.pk}{FORMS[name]}"' in page and "王先生" in page


def test_forms_follow_the_policy_and_reveal_nothing_outside_scope(org, client, customer):
    client.force_login(org.staff["colleague"])  # another consultant: the customer is not theirs
    assert client.get(f"/customers/{customer.pk}/forms/vehicle/").status_code == 404
    client.force_login(org.staff["consultant"])
    assert client.get(f"/customers/{customer.pk}/forms/vehicle/").status_code == 200
    assert client.get(f"/customers/{customer.pk}/forms/merge/").status_code in (403, 404)  # consultants do not merge
    assert client.get(f"/customers/{customer.pk}/forms/nonsense/").status_code == 404


def test_the_care_contact_form_folds_too(org, client, customer):
    """Sales' section of the card follows the same pattern through its own door."""
    client.force_login(org.staff["consultant"])
    card = client.get(f"/customers/{customer.pk}/").content.decode()
    assert f'hx-get="/sales/customers/{customer.pk}/contact/form/"' in card and 'name="result"' not in card
    fragment = client.get(f"/sales/customers/{customer.pk}/contact/form/", HTTP_HX_REQUEST="true").content.decode()
    assert f'action="/sales/customers/{customer.pk}/contact/"' in fragment and 'name="result"' in fragment
    client.force_login(org.staff["colleague"])
    assert client.get(f"/sales/customers/{customer.pk}/contact/form/").status_code == 404
