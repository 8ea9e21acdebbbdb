"""Headers and transport (issue 7, A8): CSP, no-store on personal data, RETAIN_HTTPS; and the
server log's one line per refusal (A14)."""

import io
import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import make_customer

TEMPLATES = sorted(Path(__file__).resolve().parents[2].joinpath("src", "retain").rglob("templates/**/*.html"))


def _directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def test_content_security_policy_allows_scripts_from_this_site_only(org, client):
    directives = _directives(client.get("/login/"))
    assert directives["script-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"] and directives["frame-ancestors"] == ["'none'"]
    client.force_login(org.staff["consultant"])
    assert _directives(client.get("/customers/"))["script-src"] == ["'self'"]


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_no_template_has_inline_script_or_handlers(template):
    """What the CSP would block must not be written: every <script> has a src, no on*= attribute,
    no javascript: URL. Chart data goes in json_script blocks (type application/json), which may."""
    text = template.read_text()
    for tag in re.findall(r"<script\b[^>]*>", text):
        assert "src=" in tag or 'type="application/json"' in tag, (template, tag)
    assert not re.search(r"\son[a-z]+\s*=", text), template
    assert "javascript:" not in text, template


def test_signed_in_pages_and_api_answers_are_not_stored(org, client):
    customer = make_customer(dealer=org.d1, owner=org.staff["consultant"])
    client.force_login(org.staff["consultant"])
    for response in (client.get(f"/customers/{customer.pk}/"), client.get("/api/v1/customers"),
                     client.post(f"/customers/{customer.pk}/reveal/", {"field": "mobile", "reason": "回电"}),
                     client.post(f"/api/v1/customers/{customer.pk}/reveal",
                                 json.dumps({"field": "mobile", "reason": "回电"}), content_type="application/json")):
        assert response.status_code == 200, response.content
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def _settings_with(**env) -> dict:
    code = ("import json, retain.settings as s; print(json.dumps({k: getattr(s, k, None) for k in ("
            "'SECURE_HSTS_SECONDS', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_PROXY_SSL_HEADER')}))")
    result = subprocess.run([sys.executable, "-c", code], env={**os.environ, **env}, capture_output=True, text=True,
                            check=True)
    return json.loads(result.stdout)


def test_retain_https_switches_on_hsts_secure_cookies_and_the_proxy_header():
    on = _settings_with(RETAIN_HTTPS="true")
    assert on["SECURE_HSTS_SECONDS"] >= 31536000 and on["SESSION_COOKIE_SECURE"] and on["CSRF_COOKIE_SECURE"]
    assert on["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    off = _settings_with(RETAIN_HTTPS="false")
    assert not off["SECURE_HSTS_SECONDS"] and not off["SESSION_COOKIE_SECURE"] and not off["SECURE_PROXY_SSL_HEADER"]


def test_a_refusal_is_one_line_in_the_server_log(org, client):
    """A 403 is logged as one line, not a traceback (A14); the handler is the configured one."""
    handler = next(h for h in logging.getLogger().handlers if h.name == "console")
    stream = io.StringIO()
    # Swapped by hand, not with setStream, which flushes the old stream: an earlier test's
    # captured stderr may be closed by now.
    previous, handler.stream = handler.stream, stream
    try:
        client.force_login(org.staff["consultant"])
        assert client.get("/org/audit/").status_code == 403
    finally:
        handler.stream = previous
    lines = stream.getvalue().splitlines()
    assert lines == ["Forbidden (Permission denied): /org/audit/"]


@pytest.mark.browser
def test_plotly_draws_under_the_sites_policy(client, page):
    """The policy's design for charts: Plotly.js from the plotly wheel plus a static script that
    reads a json_script block draws a bar and a funnel with no CSP violation."""
    import plotly

    policy = client.get("/login/")["Content-Security-Policy"]
    plotly_js = (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_text()
    html = ('<!doctype html><html><head><script src="/plotly.min.js"></script><script src="/chart.js" defer>'
            '</script></head><body><div id="c" style="width:400px;height:300px"></div>'
            '<script type="application/json" id="data">{"x": ["a", "b"], "y": [3, 5]}</script></body></html>')
    chart = ("const d = JSON.parse(document.getElementById('data').textContent);"
             "Plotly.newPlot('c', [{type: 'bar', x: d.x, y: d.y}, {type: 'funnel', x: [5, 3], y: ['s', 't']}])"
             ".then(() => { document.title = 'drawn'; });")
    bodies = {"/plotly.min.js": (plotly_js, "application/javascript"), "/chart.js": (chart, "application/javascript")}

    def serve(route):
        path = "/" + route.request.url.split("/", 3)[3]
        body, kind = bodies.get(path, (html, "text/html"))
        route.fulfill(body=body, content_type=kind, headers={"Content-Security-Policy": policy})

    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.route("http://charts.test/**", serve)
    page.goto("http://charts.test/")
    page.wait_for_function("document.title === 'drawn'")
    assert problems == [] and page.locator("#c .plot-container").count() == 1
