"""The OpenAPI schema describes every API endpoint without a warning, and the docs page renders
it in Chromium from our own static files under the strict CSP."""

import io
import json
import re

import pytest
import yaml
from django.contrib.admindocs.views import simplify_regex
from django.core.management import call_command
from django.test import Client
from django.urls import URLResolver, get_resolver

from kelurahan.models import ApiToken
from tests.browser import PHONE, sign_in
from tests.personas import PASSWORD

# Served under /api/v1/ but not part of the API they describe.
NOT_DESCRIBED = {"/api/v1/schema/", "/api/v1/docs/"}


def _api_paths():
    """Every URL pattern under /api/v1/ as a path with `{}` for each parameter."""
    found = set()

    def walk(patterns, prefix):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif "api/v1/" in route and "<format>" not in simplify_regex(route):
                found.add(_placeholders(simplify_regex(route)))

    walk(get_resolver().url_patterns, "")
    return found


def _placeholders(path):
    return re.sub(r"<[^>]+>|\{[^}]+\}", "{}", path)


@pytest.mark.django_db
def test_the_schema_validates_without_warnings_and_covers_every_endpoint(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(target), stderr=io.StringIO()
    )
    schema = yaml.safe_load(target.read_text())
    assert schema["info"]["title"] == "JakCCTV API" and "servers" not in schema
    described = {_placeholders(path) for path in schema["paths"]}
    routes = _api_paths() - NOT_DESCRIBED
    assert len(routes) > 20
    assert routes <= described, routes - described
    assert {"/api/v1/ingest/reports/", "/api/v1/ingest/detections/"} <= described
    assert "apiToken" in schema["components"]["securitySchemes"]


@pytest.mark.django_db
def test_the_schema_is_for_signed_in_users_and_tokens(demo_users, signed_in):
    assert Client().get("/api/v1/schema/").status_code == 403
    response = signed_in("fkdm.kebonjeruk").get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    assert json.loads(response.content)["openapi"].startswith("3.")
    _token, key = ApiToken.issue(user=demo_users["operator.jakbar"], name="JAKI")
    by_token = Client().get("/api/v1/schema/", headers={"Authorization": f"Token {key}"})
    assert by_token.status_code == 200 and b"/api/v1/ingest/reports/" in by_token.content
    assert Client().get("/api/v1/docs/").status_code == 302  # to the sign-in page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_docs_page_renders_the_operations_in_chromium(open_page, demo_users, tmp_path):
    page = open_page("/accounts/login/")
    sign_in(page, "operator.jakbar", PASSWORD)
    page.goto("/api/v1/docs/")
    page.wait_for_selector("[data-api-docs][data-ready] .opblock", timeout=20000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    flat = {p.replace("\u200b", "") for p in paths}
    for expected in ("/api/v1/cameras/", "/api/v1/ingest/reports/", "/api/v1/me/"):
        assert expected in flat, flat
    page.screenshot(path=tmp_path / "docs-desktop.png")
    # "Try it out" runs as the signed-in user.
    me = page.locator(".opblock-get", has_text="/api/v1/me/").first
    me.locator(".opblock-summary").click()
    me.locator("button.try-out__btn").click()
    me.locator("button.execute").click()
    answer = me.locator(".live-responses-table tr.response")
    answer.wait_for()
    assert answer.locator(".response-col_status").inner_text().strip() == "200"
    assert '"username": "operator.jakbar"' in answer.locator(".microlight").first.inner_text()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_docs_page_fits_a_phone(open_page, demo_users, tmp_path):
    page = open_page("/accounts/login/", **PHONE)
    sign_in(page, "fkdm.kebonjeruk", PASSWORD)
    page.goto("/api/v1/docs/")
    page.wait_for_selector("[data-api-docs][data-ready] .opblock", timeout=20000)
    page.screenshot(path=tmp_path / "docs-phone.png")
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1]


@pytest.mark.django_db
def test_every_operation_lists_its_refusals_and_types_its_parameters(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(target), stderr=io.StringIO())
    schema = yaml.safe_load(target.read_text())
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses, parameters = operation["responses"], operation.get("parameters", [])
            assert "403" in responses, (method, path)
            if "{" in path or any(p["name"] == "page" for p in parameters):
                assert "404" in responses, (method, path)
            if "requestBody" in operation or any(p["in"] == "query" for p in parameters):
                assert "400" in responses, (method, path)
            for parameter in parameters:
                if parameter["in"] == "path" and parameter["name"] != "code":
                    assert parameter["schema"]["type"] == "integer", (method, path, parameter)
    page_size = next(
        p
        for p in schema["paths"]["/api/v1/cameras/"]["get"]["parameters"]
        if p["name"] == "page_size"
    )
    assert (page_size["schema"]["minimum"], page_size["schema"]["maximum"]) == (1, 1000)
