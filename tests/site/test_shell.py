"""The site's shell: the homepage and its JSON twin, the accessibility statement, robots.txt,
the sitemap, the error pages, caching headers and ETags, and hostile input."""

import re
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from performance_platform.dashboards.models import Dashboard, Organisation
from performance_platform.site import caching, views

pytestmark = pytest.mark.django_db

SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
PUBLIC_PAGES = [
    ("/performance", "text/html", 7200),
    ("/performance.json", "application/json", 7200),
    ("/performance/accessibility", "text/html", 7200),
    ("/robots.txt", "text/plain", 7200),
    ("/sitemap.xml", "application/xml", 7200),
    ("/performance/web-traffic", "text/html", 7200),
    ("/performance/web-traffic.json", "application/json", 7200),
    ("/performance/other", "text/html", 7200),
    ("/performance/other.json", "application/json", 7200),
]


def text_of(response) -> str:
    """The body with tags dropped and whitespace collapsed, as a reader would see it."""
    body = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(body.split())


@pytest.fixture
def dashboards():
    """Four published service dashboards, two other published ones, three unpublished."""
    department = Organisation.objects.create(
        slug="dept-of-tests", name="Department of Tests", abbreviation="DoT", type="department"
    )
    agency = Organisation.objects.create(
        slug="test-agency", name="Test Agency", type="agency", parent=department
    )
    made = {}
    for slug, kind, status in [
        ("renew-a-licence", "transaction", "published"),
        ("pay-a-fee", "transaction", "published"),
        ("file-a-return", "high-volume-transaction", "published"),
        ("benefits", "service-group", "published"),
        ("test-agency", "agency", "published"),
        ("site-traffic", "content", "published"),
        ("draft-service", "transaction", "draft"),
        ("preview-service", "high-volume-transaction", "unlisted"),
        ("reviewed-service", "service-group", "in_review"),
    ]:
        made[slug] = Dashboard.objects.create(
            slug=slug,
            title=slug.replace("-", " ").capitalize(),
            dashboard_type=kind,
            status=status,
            organisation=agency if kind == "agency" else department,
        )
    return made


# --------------------------------------------------------------------------- homepage


def test_root_redirects_permanently_to_the_homepage(client):
    response = client.get("/")
    assert response.status_code == 301
    assert response["Location"] == "/performance"


def test_homepage_trailing_slash_redirects(client):
    response = client.get("/performance/")
    assert response.status_code == 301
    assert response["Location"] == "/performance"


def test_homepage_is_a_gov_uk_page(client):
    response = client.get("/performance")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    html = response.content.decode()
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="en" class="govuk-template">' in html
    assert (
        "<title>Find performance data of government services – Performance – GOV.UK style</title>"
        in html
    )
    # Skip link first, pointing at <main id="main-content">.
    assert html.index('class="govuk-skip-link"') < html.index('class="govuk-header')
    assert '<a href="#main-content" class="govuk-skip-link"' in html
    assert '<main class="govuk-main-wrapper" id="main-content">' in html
    assert re.search(
        r'<a href="/performance" class="govuk-header__link govuk-header__service-name">\s*'
        r"Performance\s*</a>",
        html,
    )
    assert re.search(r'href="/performance/services">\s*Services\s*</a>', html)
    footer = html[html.index('<footer class="govuk-footer">') :]
    assert 'href="/performance/accessibility"' in footer
    assert 'href="/api/openapi.json"' in footer
    assert '<link rel="stylesheet" href="/static/site/app.css">' in html


def test_homepage_javascript_is_a_module_and_optional(client):
    html = client.get("/performance").content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)
    # No inline script (the Content-Security-Policy forbids them): files only.
    assert scripts and all(body.strip() == "" and "src=" in attrs for attrs, body in scripts)
    modules = [attrs for attrs, _ in scripts if 'type="module"' in attrs]
    assert len(modules) == 1 and "site/init" in modules[0]
    # The body class pattern of GOV.UK Frontend (styles for JS only when modules work),
    # and the components started from a module: both from the site's own static files.
    static = Path(__file__).resolve().parents[2] / "src/performance_platform/site/static/site"
    marker = (static / "js-enabled.js").read_text()
    assert '"noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported"' in marker
    assert "js-enabled" in marker
    assert (
        'import { initAll } from "../govuk/govuk-frontend.min.js"'
        in (static / "init.js").read_text()
    )


def test_homepage_counts_published_dashboards_only(client, dashboards):
    text = text_of(client.get("/performance"))
    assert "4 service dashboards" in text
    assert "1 web traffic dashboard " in text
    assert "1 other dashboard " in text
    html = client.get("/performance").content.decode()
    # Each count is a link to the list of what it counts.
    for path in ["/performance/services", "/performance/web-traffic", "/performance/other"]:
        assert re.search(rf'<a class="[^"]*" href="{path}">\s*<span', html), path


@pytest.mark.parametrize(
    ("path", "count_key", "expected"),
    [
        ("/performance/web-traffic", "web_traffic_dashboards", ["site-traffic"]),
        ("/performance/other", "other_dashboards", ["test-agency"]),
    ],
)
def test_every_dashboard_the_homepage_counts_is_listed(
    client, dashboards, path, count_key, expected
):
    """ "1 other dashboard" is a link to a page that lists it (as the original's
    /performance/other and /performance/web-traffic did), with a .json twin."""
    facts = client.get("/performance.json").json()
    response = client.get(path)
    assert response.status_code == 200
    links = re.findall(
        r'<li><a class="govuk-link" href="/performance/([a-z0-9-]+)">', response.content.decode()
    )
    assert links == expected
    assert facts[count_key] == len(links)
    for slug in links:
        assert client.get(f"/performance/{slug}").status_code == 200
    listing = client.get(f"{path}.json").json()
    assert [d["slug"] for d in listing["dashboards"]] == expected
    assert listing["dashboards"][0]["url"] == f"/performance/{expected[0]}"
    # Unpublished dashboards are neither listed nor counted.
    Dashboard.objects.filter(slug=expected[0]).update(status="draft")
    assert client.get(f"{path}.json").json()["dashboards"] == []
    assert client.get("/performance.json").json()[count_key] == 0
    assert "There are no dashboards here yet" in text_of(client.get(path))


def test_homepage_counts_are_singular_for_one(client, dashboards):
    Dashboard.objects.exclude(slug__in=["pay-a-fee", "site-traffic", "test-agency"]).delete()
    text = text_of(client.get("/performance"))
    assert "1 service dashboard " in text + " "
    assert "1 web traffic dashboard " in text + " "
    assert "1 other dashboard " in text + " "
    assert "dashboards" not in text.split("Measuring")[0]


def test_homepage_with_no_dashboards(client):
    text = text_of(client.get("/performance"))
    assert "0 service dashboards" in text
    assert "0 web traffic dashboards" in text
    assert "0 other dashboards" in text


def test_homepage_explains_the_four_kpis(client):
    html = client.get("/performance").content.decode()
    text = text_of(client.get("/performance"))
    assert "Measuring how services are performing" in text
    for kpi, title in [
        ("cost_per_transaction", "Cost per transaction"),
        ("user_satisfaction", "User satisfaction"),
        ("completion_rate", "Completion rate"),
        ("digital_takeup", "Digital take-up"),
    ]:
        assert f'<h3 class="govuk-heading-m" id="kpi-{kpi}">{title}</h3>' in html
    assert "The average cost to government of each transaction." in text
    assert "The percentage of people who finish a transaction once they have started it." in text
    assert "0% (very dissatisfied) to 100% (very satisfied)" in text


def test_homepage_json_has_the_same_facts(client, dashboards):
    response = client.get("/performance.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    facts = response.json()
    assert facts["service_dashboards"] == 4
    assert facts["web_traffic_dashboards"] == 1
    assert facts["other_dashboards"] == 1
    assert facts["services_url"] == "/performance/services"
    assert facts["web_traffic_url"] == "/performance/web-traffic"
    assert facts["other_url"] == "/performance/other"
    assert [kpi["kpi"] for kpi in facts["kpis"]] == [
        "cost_per_transaction",
        "user_satisfaction",
        "completion_rate",
        "digital_takeup",
    ]
    html = client.get("/performance").content.decode()
    for kpi in facts["kpis"]:
        assert kpi["summary"] in html
        assert kpi["description"] in html


def test_unpublishing_a_dashboard_changes_the_counts(client, dashboards):
    assert client.get("/performance.json").json()["service_dashboards"] == 4
    Dashboard.objects.filter(slug="pay-a-fee").update(status="draft")
    assert client.get("/performance.json").json()["service_dashboards"] == 3


def test_pages_refuse_methods_that_change_things(client):
    for path in ["/performance", "/performance.json", "/robots.txt", "/sitemap.xml"]:
        response = client.post(path)
        assert response.status_code == 405, path
        assert "GET" in response["Allow"]


# --------------------------------------------------------------------------- accessibility


def test_accessibility_statement(client):
    response = client.get("/performance/accessibility")
    assert response.status_code == 200
    html = response.content.decode()
    text = text_of(response)
    assert "<title>Accessibility statement – Performance – GOV.UK style</title>" in html
    assert '<h1 class="govuk-heading-xl">Accessibility statement for Performance</h1>' in html
    assert "Web Content Accessibility Guidelines version 2.2 AA standard" in text
    assert "axe-core" in text
    assert "keyboard" in text
    assert "JavaScript turned off" in text
    assert "Stop updating this figure" in text  # the realtime figure's button (realtime.js)
    assert "Reporting accessibility problems with this website" in text
    assert "Enforcement procedure" in text
    assert "mailto:" not in html  # no CONTACT_EMAIL set: no address to give
    assert "contact the team that runs this website" in text


def test_accessibility_statement_gives_the_contact_address(client, settings):
    settings.CONTACT_EMAIL = "performance@example.gov.uk"
    response = client.get("/performance/accessibility")
    html = response.content.decode()
    assert html.count('href="mailto:performance@example.gov.uk"') == 2
    assert "reply in 5 working days" in text_of(response)


@pytest.mark.parametrize(
    "value", ["not an address", "a@b", '"><script>alert(1)</script>@x.org', "x@y.org\nBcc: z"]
)
def test_a_contact_setting_that_is_not_an_address_is_not_shown(client, settings, value):
    settings.CONTACT_EMAIL = value
    html = client.get("/performance/accessibility").content.decode()
    assert "mailto:" not in html and "<script>alert" not in html


# --------------------------------------------------------------------------- robots, sitemap


def test_robots_txt(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    assert "Allow: /performance" in lines
    for path in ["/admin/", "/data/", "/data-sets/"]:
        assert f"Disallow: {path}" in lines
    assert not any(line.startswith("Disallow: /performance") for line in lines)
    assert "Sitemap: http://testserver/sitemap.xml" in lines


def sitemap(client) -> dict[str, str | None]:
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(response.content)
    entries = {}
    for url in root.findall("s:url", SITEMAP_NS):
        lastmod = url.find("s:lastmod", SITEMAP_NS)
        entries[url.find("s:loc", SITEMAP_NS).text] = None if lastmod is None else lastmod.text
    return entries


def test_sitemap_lists_published_dashboards_only(client, dashboards):
    entries = sitemap(client)
    published = [slug for slug, d in dashboards.items() if d.status == "published"]
    assert set(entries) == {
        "http://testserver/performance",
        "http://testserver/performance/services",
        "http://testserver/performance/web-traffic",
        "http://testserver/performance/other",
        *(f"http://testserver/performance/{slug}" for slug in published),
    }
    for slug in ["draft-service", "preview-service", "reviewed-service"]:
        assert f"http://testserver/performance/{slug}" not in entries


def test_sitemap_lastmod_is_when_the_dashboard_changed(client, dashboards):
    entries = sitemap(client)
    dashboard = Dashboard.objects.get(slug="pay-a-fee")
    lastmod = datetime.fromisoformat(entries["http://testserver/performance/pay-a-fee"])
    assert lastmod == dashboard.updated_at
    newest = max(d.updated_at for d in Dashboard.objects.filter(status="published"))
    assert datetime.fromisoformat(entries["http://testserver/performance"]) == newest


def test_sitemap_without_dashboards_lists_the_four_pages(client):
    entries = sitemap(client)
    assert entries == {
        "http://testserver/performance": None,
        "http://testserver/performance/services": None,
        "http://testserver/performance/web-traffic": None,
        "http://testserver/performance/other": None,
    }


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "path", ["/performance/no-such-dashboard", "/performance/a/b/c", "/performance.csv"]
)
def test_not_found_under_performance_is_a_gov_uk_page(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "text/html; charset=utf-8"
    html = response.content.decode()
    assert '<html lang="en" class="govuk-template">' in html
    assert "<title>Page not found – Performance – GOV.UK style</title>" in html
    assert '<h1 class="govuk-heading-l">Page not found</h1>' in html
    assert "If you typed the web address, check it is correct." in html
    assert "If you pasted the web address, check you copied the entire address." in html
    assert '<meta name="robots" content="noindex">' in html


@pytest.mark.parametrize("path", ["/data/x/y", "/no/such/path", "/data-sets"])
def test_not_found_elsewhere_stays_json(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["status"] == "error"
    assert b"<html" not in response.content


def test_server_error_under_performance_is_a_gov_uk_page():
    response = views.server_error(RequestFactory().get("/performance/broken"))
    assert response.status_code == 500
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["Cache-Control"] == "public, max-age=5"
    html = response.content.decode()
    assert "<title>Sorry, there is a problem with the service – Performance" in html
    assert '<h1 class="govuk-heading-l">Sorry, there is a problem with the service</h1>' in html
    assert "Try again later." in html


def test_server_error_page_survives_a_broken_template(monkeypatch):
    def broken(name):
        raise RuntimeError("templates are broken")

    monkeypatch.setattr(views.loader, "get_template", broken)
    response = views.server_error(RequestFactory().get("/performance"))
    assert response.status_code == 500
    assert b"<h1>Sorry, there is a problem with the service</h1>" in response.content


def test_server_error_elsewhere_stays_json():
    response = views.server_error(RequestFactory().get("/data/x/y"))
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert b'"Internal Server Error"' in response.content


def test_error_handlers_are_the_sites():
    from performance_platform import urls

    assert urls.handler404 == "performance_platform.site.views.not_found"
    assert urls.handler500 == "performance_platform.site.views.server_error"


# --------------------------------------------------------------------------- caching


@pytest.mark.parametrize("path,content_type,max_age", PUBLIC_PAGES)
def test_pages_are_cacheable_with_a_strong_etag(client, dashboards, path, content_type, max_age):
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(content_type)
    assert response["Cache-Control"] == f"public, max-age={max_age}"
    etag = response["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag), etag  # strong: no W/ prefix
    assert etag == caching.etag_for(response.content)

    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert again["Cache-Control"] == f"public, max-age={max_age}"

    head = client.head(path, headers={"If-None-Match": etag})
    assert head.status_code == 304

    stale = client.get(path, headers={"If-None-Match": '"0123456789abcdef0123456789abcdef"'})
    assert stale.status_code == 200
    assert stale.content == response.content


def test_etag_changes_when_the_page_does(client, dashboards):
    before = client.get("/performance")["ETag"]
    Dashboard.objects.filter(slug="pay-a-fee").update(status="draft")
    response = client.get("/performance", headers={"If-None-Match": before})
    assert response.status_code == 200
    assert response["ETag"] != before


def test_error_pages_are_cached_briefly_and_never_304(client):
    response = client.get("/performance/nothing-here")
    assert response.status_code == 404
    assert response["Cache-Control"] == "public, max-age=5"
    etag = response["ETag"]
    again = client.get("/performance/nothing-here", headers={"If-None-Match": etag})
    assert again.status_code == 404
    assert b"Page not found" in again.content


def test_public_page_decorator_for_dashboards():
    @caching.public_page(caching.DASHBOARD_MAX_AGE)
    def view(request):
        return HttpResponse("a dashboard")

    factory = RequestFactory()
    response = view(factory.get("/performance/x"))
    assert response["Cache-Control"] == "public, max-age=600"
    assert response["ETag"] == caching.etag_for(b"a dashboard")
    not_modified = view(factory.get("/performance/x", headers={"If-None-Match": response["ETag"]}))
    assert not_modified.status_code == 304
    assert not_modified["Cache-Control"] == "public, max-age=600"


def test_public_page_keeps_a_views_own_cache_control():
    @caching.public_page(caching.DASHBOARD_MAX_AGE)
    def preview(request):
        response = HttpResponse("an unpublished dashboard")
        response["Cache-Control"] = "no-cache"
        return response

    response = preview(RequestFactory().get("/performance/x"))
    assert response["Cache-Control"] == "no-cache"
    assert response["ETag"] == caching.etag_for(b"an unpublished dashboard")


def test_public_page_renders_template_responses_before_hashing():
    from django.template.response import TemplateResponse

    @caching.public_page(caching.PAGE_MAX_AGE)
    def view(request):
        return TemplateResponse(request, "site/accessibility.html")

    response = view(RequestFactory().get("/performance/accessibility"))
    assert response.is_rendered
    assert response["ETag"] == caching.etag_for(response.content)
    assert b"Accessibility statement" in response.content


def test_post_with_matching_etag_is_not_a_304():
    @caching.public_page(caching.PAGE_MAX_AGE)
    def view(request):
        return HttpResponse("page")

    etag = caching.etag_for(b"page")
    response = view(RequestFactory().post("/performance", headers={"If-None-Match": etag}))
    assert response.status_code == 200


# --------------------------------------------------------------------------- hostile input

HOSTILE = "<script>alert(1)</script>"


@pytest.mark.parametrize(
    "path",
    [
        "/performance/%00",
        "/performance/%00/%00",
        "/performance%00",
        "/performance/%ff%fe",
        "/performance/" + "a" * 10_000,
        "/performance/" + "/".join(["x"] * 2_000),
        "/performance/%3Cscript%3Ealert(1)%3C/script%3E",
        "/performance/a&b",
        "/performance/..%2F..%2Fetc%2Fpasswd",
    ],
)
def test_hostile_paths_are_not_found_and_not_reflected(client, path):
    response = client.get(path)
    assert response.status_code == 404
    body = response.content.decode(errors="replace")
    assert "<script>alert" not in body
    assert "alert(1)" not in body
    assert "aaaaaaaaaa" not in body
    assert "passwd" not in body


@pytest.mark.parametrize("path", [p for p, _, _ in PUBLIC_PAGES])
@pytest.mark.parametrize(
    "query", [{"x": HOSTILE}, {"x": "\x00"}, {"x": "a" * 20_000}, {HOSTILE: HOSTILE}]
)
def test_hostile_query_strings_are_ignored(client, path, query):
    response = client.get(path, query)
    assert response.status_code == 200
    body = response.content.decode()
    assert "<script>alert" not in body
    assert "alert(1)" not in body
    assert "a" * 100 not in body


def test_hostile_host_header_does_not_reach_the_sitemap(client):
    response = client.get("/sitemap.xml", HTTP_HOST="evil.example<script>")
    assert response.status_code == 400
    assert b"<script>" not in response.content
