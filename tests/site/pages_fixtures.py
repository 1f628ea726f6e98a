"""Helpers for the services, dashboard and module page tests.

* ``demo``: the demo (``load_demo``) loaded once per test module inside a transaction that
  is rolled back after the module's last test, so no other module sees it. Each test runs
  in its own savepoint on top of it (as ``tests/test_demo.py`` does). The clock stands
  still at ``FROZEN_NOW`` (time-machine) from the load to the module's last test: the
  demo's figures ("the past 24 hours", "last week", "users online at 3:40pm") are relative to
  when it was loaded, so a test that reads a page and then its twin would otherwise get
  different answers whenever a second, a five-minute step or a Monday passed between.
* ``fresh_page_cache``: rendered pages are cached under a key that includes every data
  set's version. A test that writes and is rolled back leaves a page cached under a
  version the next writing test reaches again, so page tests start with an empty cache.
* A small HTML tree (the standard library's parser; no third-party dependency) to find
  elements by tag, class, id and attribute, and read their text.
"""

import csv
import io
import re
from html.parser import HTMLParser

import orjson
import pytest
import time_machine
from django.core.cache import cache
from django.db import transaction

from performance_platform.demo.data import load_demo
from tests.conftest import FROZEN_NOW


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Load the demo once for the module, with the clock fixed; roll it back after the
    module's last test."""
    with (
        time_machine.travel(FROZEN_NOW, tick=False),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        yield load_demo()
        transaction.set_rollback(True)


@pytest.fixture
def fresh_page_cache():
    cache.clear()
    yield
    cache.clear()


# --- a small HTML tree ---------------------------------------------------------------------

VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


class Node:
    """One element: its tag, attributes, children (nodes and text) and parent."""

    def __init__(self, tag: str, attrs, parent=None):
        self.tag = tag
        self.attrs = {k: (v if v is not None else "") for k, v in attrs}
        self.parent = parent
        self.children: list = []

    def __repr__(self) -> str:
        return f"<{self.tag} {self.attrs}>"

    def get(self, name: str, default=None):
        return self.attrs.get(name, default)

    @property
    def classes(self) -> set[str]:
        return set(self.get("class", "").split())

    def iter(self):
        """Every element below this one, in document order."""
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.iter()

    def matches(self, tag=None, class_=None, **attrs) -> bool:
        if tag is not None and self.tag != tag:
            return False
        if class_ is not None and class_ not in self.classes:
            return False
        return all(self.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())

    def find_all(self, tag=None, class_=None, **attrs) -> list["Node"]:
        return [n for n in self.iter() if n.matches(tag, class_, **attrs)]

    def find(self, tag=None, class_=None, **attrs) -> "Node | None":
        return next((n for n in self.iter() if n.matches(tag, class_, **attrs)), None)

    def one(self, tag=None, class_=None, **attrs) -> "Node":
        found = self.find_all(tag, class_, **attrs)
        assert len(found) == 1, f"expected one {tag} .{class_} {attrs}, found {len(found)}"
        return found[0]

    def ancestors(self):
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def closest(self, tag=None, class_=None, **attrs) -> "Node | None":
        return next((n for n in self.ancestors() if n.matches(tag, class_, **attrs)), None)

    def text(self) -> str:
        """The text inside, whitespace collapsed, as a reader would see it."""
        parts = []

        def walk(node):
            for child in node.children:
                if isinstance(child, Node):
                    walk(child)
                else:
                    parts.append(child)

        walk(self)
        return " ".join("".join(parts).split())


class _Builder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", [])
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, self.stack[-1])
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Node(tag, attrs, self.stack[-1]))

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, 0, -1):
            if self.stack[index].tag == tag:
                del self.stack[index:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def parse(html: str | bytes) -> Node:
    if isinstance(html, bytes):
        html = html.decode()
    builder = _Builder()
    builder.feed(html)
    builder.close()
    return builder.root


def main_of(response) -> Node:
    """The page's ``<main>``."""
    return parse(response.content).one("main")


def body_rows(table: Node) -> list[list[str]]:
    """A table's body rows as lists of cell texts (header cell first)."""
    body = table.one("tbody")
    return [
        [cell.text() for cell in row.children if isinstance(cell, Node)]
        for row in body.find_all("tr")
    ]


def header_cells(table: Node) -> list[str]:
    return [th.text() for th in table.one("thead").find_all("th")]


def json_of(response):
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    return orjson.loads(response.content)


def csv_rows(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv"), response["Content-Type"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff"), "CSV downloads start with a byte order mark for Excel"
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def api_rows(client, url: str) -> list[dict]:
    """GET a read-API URL (as the page links it) and return its ``data``."""
    assert url.startswith("/data/"), url
    response = client.get(url)
    assert response.status_code == 200, (url, response.content[:300])
    return json_of(response)["data"]


def visible_text(response) -> str:
    """The body with tags dropped and whitespace collapsed."""
    body = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(body.split())
