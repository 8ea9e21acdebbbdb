"""The README keeps up with the code: every setting and every API endpoint is documented."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
SETTINGS = (ROOT / "src/retain/settings.py").read_text()


def test_every_setting_is_documented():
    settings = set(re.findall(r"RETAIN_[A-Z_]+", SETTINGS))
    assert settings, "settings.py reads no RETAIN_ variables?"
    table = {m for m in re.findall(r"^\| `(RETAIN_[A-Z_]+)`", README, flags=re.M)}
    assert settings - table == set(), "settings missing from the README's configuration table"
    assert table - settings == set(), "the README documents settings the code does not read"


def test_every_api_endpoint_is_documented():
    from retain.api import api

    schema = api.get_openapi_schema()
    documented = set(re.findall(r"^\| `(GET|POST|PATCH|PUT|DELETE) (/api/v1/\S+)`", README, flags=re.M))
    actual = {(method.upper(), re.sub(r"\{\w+_id\}", "{id}", path))
              for path, operations in schema["paths"].items() for method in operations}
    assert actual == documented


def test_readme_opens_with_the_two_commands():
    fences = re.findall(r"```(?:sh|bash)?\n(.*?)```", README, flags=re.S)
    assert "retain demo" in fences[0] and "pytest" in fences[1]
