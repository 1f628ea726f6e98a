"""Fixtures for the browser tests: the demo on a real server, Debian's chromium, axe-core.

* ``site``: the demo (``load_demo``) committed to the test database, static files collected
  (so the pages link the built stylesheet), and one ``performance-platform serve`` for the
  module. After the module the database is flushed, as a transactional test would leave it.
  The demo is loaded, and the server runs, with the clock fixed at ``FROZEN_NOW``
  (time-machine; the server's through ``clock/sitecustomize.py``), so what the pages say
  about "now" and "last week" does not depend on when the tests run.
* ``browser``: Debian's ``chromium`` driven by Playwright (``playwright install`` downloads a
  browser build, which cannot be done here). While Playwright's sync API runs, its event
  loop counts as running in this thread, and Django refuses database calls from it
  (``SynchronousOnlyOperation``). So no database work may happen while the browser is
  open: it starts after the demo is loaded and the server is up, and closes before the
  flush. Its scope is the module, and every browser test is in one module: one browser per
  session.
* The tests are not marked ``django_db``: they never touch the database (the server does),
  and a marked test runs in a transaction of its own, opened while the browser is running.
  pytest-django creates the test database only when some collected test is marked, so when
  these tests run alone ``test_database`` creates it.
* ``js``: every test runs twice, in a context with JavaScript (``js``) and one without
  (``nojs``, ``java_script_enabled=False``).

axe-core is put into the page with ``evaluate`` (through the DevTools protocol), not as a
``<script>`` tag: the pages' Content-Security-Policy forbids inline scripts, and the tests
keep the policy as it is (a violation on any page fails its test).

axe-core without JavaScript: Playwright's ``evaluate`` still runs with
``java_script_enabled=False``, but timers never fire, so ``axe.run`` never finishes.
``run_axe`` therefore re-enables script execution through the DevTools protocol *after*
the page has loaded without it, for axe alone: the page's own scripts were skipped when
it was parsed and do not run later (each no-JS audit checks that the body never got
GOV.UK Frontend's ``js-enabled`` class), so axe audits exactly the page a visitor without
JavaScript gets. Script execution is switched off again afterwards, before the test goes
on.
"""

import functools
import os
import shutil

import dj_database_url
import pytest
import time_machine
from django.core.management import call_command

from tests.conftest import FROZEN_NOW, ROOT, start_server

AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
APP_CSS = ROOT / "src" / "performance_platform" / "site" / "static" / "site" / "app.css"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CLOCK = ROOT / "tests" / "browser" / "clock"
# WCAG 2.2 level AA, as axe-core tags its rules.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
VIEWPORT = {"width": 1280, "height": 900}
#: A small phone's screen (an iPhone mini's width), for the pages' mobile layout.
PHONE = {"width": 375, "height": 812}


@pytest.fixture(scope="module")
def test_database(django_db_setup, django_db_blocker):
    """The test database, created here when pytest-django has not (no marked test ran)."""
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    # pytest-django points the connection at the test database when it creates one.
    if connection.settings_dict["NAME"] != dj_database_url.parse(settings.DATABASE_URL)["NAME"]:
        yield
        return
    with django_db_blocker.unblock():
        created = setup_databases(verbosity=0, interactive=False, aliases={"default"})
    yield
    with django_db_blocker.unblock():
        teardown_databases(created, verbosity=0)


@pytest.fixture(scope="module")
def server_env() -> dict:
    """Extra environment for the module's server (a module overrides it, e.g. to keep the
    server's emails in files it can read)."""
    return {}


@pytest.fixture(scope="module")
def site(test_database, django_db_blocker, server_env):
    """A server on the test database with the demo loaded and committed."""
    from performance_platform.demo.data import load_demo

    if not APP_CSS.is_file():
        pytest.fail(f"{APP_CSS} is missing: build the stylesheet first (npm run build)")
    with django_db_blocker.unblock():
        # `make install` builds the static files; build them again here so the pages link
        # what the sources hold now (start_server then starts with --no-collectstatic).
        call_command("collectstatic", interactive=False, verbosity=0)
        with time_machine.travel(FROZEN_NOW, tick=False):
            load_demo()
    python_path = os.pathsep.join(filter(None, [str(CLOCK), os.environ.get("PYTHONPATH")]))
    try:
        # REDIS_URL unset: each worker caches pages in its own memory, nothing outlives it.
        server = start_server(
            extra_env={
                "REDIS_URL": "",
                "PYTHONPATH": python_path,
                "PP_TEST_FROZEN_NOW": FROZEN_NOW.isoformat(),
                **server_env,
            }
        )
    except BaseException:
        _flush(django_db_blocker)
        raise
    yield server
    server.stop()
    _flush(django_db_blocker)


def _flush(django_db_blocker):
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture(scope="module")
def chromium_path():
    """Debian's chromium; a clear failure (never a skip) when it or axe-core is missing."""
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail(
            "chromium is not installed: the browser tests drive Debian's package "
            "(apt-get install chromium; `make install` and CI install it)",
            pytrace=False,
        )
    if not AXE_JS.is_file():
        pytest.fail(f"{AXE_JS} is missing: run npm ci (make install)", pytrace=False)
    return executable


@pytest.fixture(scope="module")
def browser(chromium_path, site):
    """Chromium under Playwright (after ``site``: it closes before the flush)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture(params=[True, False], ids=["js", "nojs"])
def js(request):
    """Whether the test's browser context runs JavaScript."""
    return request.param


class Visit:
    """A page in a fresh browser context, and the checks every page gets."""

    def __init__(self, browser, base_url: str, js: bool, viewport: dict = VIEWPORT):
        self.js = js
        self.base_url = base_url
        self.viewport = viewport
        self.context = browser.new_context(
            java_script_enabled=js, viewport=viewport, accept_downloads=True
        )
        self.context.set_default_timeout(10_000)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(f"script error: {error}"))
        self.page.on("console", self._check_console)
        self.page.on("response", self._check_response)

    def _check_console(self, message):
        # Chromium reports what the Content-Security-Policy blocked on the console: every
        # page must keep to its policy.
        if "Content Security Policy" in message.text:
            self.errors.append(f"CSP violation: {message.text}")

    def _check_response(self, response):
        # Every asset a page loads must be there; the page itself may be a 404 on purpose.
        if response.status >= 400 and response.request.resource_type != "document":
            self.errors.append(f"{response.status} for {response.url}")

    def goto(self, path: str, status: int = 200):
        response = self.page.goto(self.base_url + path)
        assert response is not None and response.status == status, (path, response)
        return response

    @property
    def mode(self) -> str:
        return "js" if self.js else "nojs"

    def check(self, name: str):
        """Axe finds no violations, the page ran JavaScript or not as asked, and a screenshot."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=SCREENSHOTS / f"{name}-{self.mode}.png", full_page=True)
        assert self.ran_javascript() == self.js, f"{name}: the page's scripts ran: {not self.js}"
        violations = run_axe(self.page, self.js)
        assert not violations, f"axe on {name} ({self.mode}, {self.page.url}):\n" + describe(
            violations
        )
        assert self.ran_javascript() == self.js
        # axe only asks for a review (not a violation) when no ID that an aria-labelledby
        # names exists; a page should never name an element it does not have.
        assert not self.page.evaluate(MISSING_IDS), f"{name}: {self.page.evaluate(MISSING_IDS)}"
        assert not self.errors, "\n".join(self.errors)

    def ran_javascript(self) -> bool:
        # base.html's first script adds the class; without JavaScript it never does.
        return self.page.evaluate("document.body.classList.contains('js-enabled')")

    def close(self):
        self.context.close()


@pytest.fixture
def visit(browser, site, js):
    opened = Visit(browser, site.url, js)
    yield opened
    opened.close()


@pytest.fixture
def phone(browser, site, js):
    """A visit on a phone's screen (375 px wide)."""
    opened = Visit(browser, site.url, js, viewport=PHONE)
    yield opened
    opened.close()


MISSING_IDS = """() => {
  const attributes = ["aria-labelledby", "aria-describedby", "aria-controls", "aria-owns"];
  const missing = [];
  for (const element of document.querySelectorAll(attributes.map(a => `[${a}]`).join())) {
    for (const attribute of attributes) {
      for (const id of (element.getAttribute(attribute) || "").split(/\\s+/).filter(Boolean)) {
        if (!document.getElementById(id)) missing.push(`${attribute}="${id}" on #${element.id}`);
      }
    }
  }
  return missing;
}"""

RUN_AXE = """async (tags) => {
  const results = await axe.run(document, {
    runOnly: {type: "tag", values: tags},
    resultTypes: ["violations"],
  });
  return results.violations;
}"""


@functools.cache
def axe_source() -> str:
    return AXE_JS.read_text()


def run_axe(page, js: bool) -> list[dict]:
    """axe-core's WCAG 2.2 AA violations on the page as it is now."""
    cdp = None
    if not js:
        cdp = page.context.new_cdp_session(page)
        # Chromium applies only a change of this setting: switch it on, then off.
        cdp.send("Emulation.setScriptExecutionDisabled", {"value": True})
        cdp.send("Emulation.setScriptExecutionDisabled", {"value": False})
    try:
        # Through the DevTools protocol, as the page's own code is not: the page's
        # Content-Security-Policy forbids inline scripts, so add_script_tag (which inserts
        # one) is refused, and the policy is not to be weakened for the tests.
        page.evaluate(axe_source() + "\n;true")
        return page.evaluate(RUN_AXE, AXE_TAGS)
    finally:
        if cdp is not None:
            cdp.send("Emulation.setScriptExecutionDisabled", {"value": True})
            cdp.detach()


def describe(violations: list[dict]) -> str:
    """Violations as a reader wants them: the rule, why, and each element with its fix."""
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']}"
            f" <{violation['helpUrl']}>"
        )
        for node in violation["nodes"]:
            lines.append(f"    at {' '.join(map(str, node['target']))}: {node['html'][:200]}")
            for summary in node.get("failureSummary", "").splitlines():
                lines.append(f"      {summary}")
    return "\n".join(lines)
