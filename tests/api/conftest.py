"""Helpers for the JSON API tests: a JSON client logged in as a role, and a record or two."""

import json

import pytest

from tests.conftest import make_customer


class JsonClient:
    """Django's test client speaking JSON to ``/api/v1/`` (a session login, CSRF checks on)."""

    def __init__(self, client):
        self.client = client

    def _send(self, method, path, body, raw):
        data = body if raw else json.dumps(body)
        return getattr(self.client, method)("/api/v1" + path, data, content_type="application/json")

    def get(self, path, params=None):
        return self.client.get("/api/v1" + path, params or {})

    def post(self, path, body=None, raw=False):
        return self._send("post", path, body, raw)

    def patch(self, path, body=None, raw=False):
        return self._send("patch", path, body, raw)

    def put(self, path, body=None, raw=False):
        return self._send("put", path, body, raw)


@pytest.fixture
def as_role(org, client):
    def login(role):
        client.force_login(org.staff[role])
        return JsonClient(client)

    return login


@pytest.fixture
def customer(org):
    return make_customer(dealer=org.d1, owner=org.staff["consultant"], name="王先生")


def fields_named(response) -> set[str]:
    """The fields a 422 answer names (the last part of each error's ``loc``)."""
    return {str(error["loc"][-1]) for error in response.json()["detail"]}
