"""Security headers on pages, API responses and error pages; no inline script or style.

The Content-Security-Policy forbids inline scripts and styles, so no template may hold
one: the pages' scripts are static files. HSTS depends on how the platform is deployed
(environment variables read at start), so it is checked on real servers in
``tests/server/test_https_headers.py``.
"""

import re
from pathlib import Path

import pytest

from performance_platform.datastore.models import DataGroup, DataSet, DataType

pytestmark = pytest.mark.django_db

EXPECTED_CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "performance_platform"


def policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    directives = [part.strip().split(None, 1) for part in header.split(";") if part.strip()]
    return {name: value for name, value in directives}


def assert_security_headers(response):
    assert policy(response) == EXPECTED_CSP
    permissions = response["Permissions-Policy"]
    for feature in ("camera", "geolocation", "microphone", "payment", "usb"):
        assert f"{feature}=()" in permissions
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    # Not over HTTPS (and not configured as such): no HSTS.
    assert "Strict-Transport-Security" not in response


@pytest.fixture
def published_data_set():
    group = DataGroup.objects.create(name="hdr-group")
    dtype = DataType.objects.create(name="hdr-type")
    return DataSet.objects.create(data_group=group, data_type=dtype, raw_queries_allowed=True)


@pytest.mark.parametrize(
    ("path", "status", "content_type"),
    [
        ("/performance", 200, "text/html"),
        ("/performance/services", 200, "text/html"),
        ("/performance/no-such-service", 404, "text/html"),  # the HTML error page
        ("/_status", 200, "application/json"),
        ("/data/hdr-group/hdr-type", 200, "application/json"),
        ("/data/no/such", 404, "application/json"),  # the API's error
        ("/api/openapi.json", 200, "application/json"),
    ],
)
def test_every_kind_of_response_has_the_headers(
    client, published_data_set, path, status, content_type
):
    response = client.get(path)
    assert response.status_code == status
    assert response["Content-Type"].startswith(content_type)
    assert_security_headers(response)


def test_the_admin_sign_in_page_has_the_headers(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert_security_headers(response)


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.I)


@pytest.mark.parametrize("path", ["/performance", "/performance/services", "/performance/x"])
def test_pages_have_no_inline_script_or_style(client, path):
    html = client.get(path).content.decode()
    assert not INLINE_SCRIPT.findall(html)
    assert not INLINE_STYLE.findall(html)
    assert re.search(r'<script src="[^"]*site/js-enabled\.js"></script>', html)


def test_no_template_holds_inline_script_or_style():
    offenders = []
    for template in sorted(TEMPLATES.rglob("templates/**/*.html")):
        text = template.read_text()
        if INLINE_SCRIPT.search(text) or INLINE_STYLE.search(text):
            offenders.append(str(template.relative_to(TEMPLATES)))
    assert not offenders, offenders
