"""The ``list`` module: a list of links. (Named ``list_`` so as not to hide the builtin.)"""

import re

from .registry import renders
from .tables import Column, Table


@renders("list")
def render_list(view, rows, options, params, *, annotations, full, now):
    label_attr, link_attr = options["label-attr"], options["link-attr"]
    pattern = re.compile(options["label-regex"]) if options.get("label-regex") else None
    root = options.get("url-root", "")
    for row in rows:
        label = row.get(label_attr)
        if label is None:
            continue
        label = str(label)
        if pattern is not None:
            match = pattern.search(label)
            if match and match.groups():
                label = match.group(1)
        link = row.get(link_attr)
        url = f"{root}{link}" if isinstance(link, str) else ""
        # Absolute http(s) links, or paths on this site ("//host" would leave it).
        if not url.startswith(("https://", "http://", "/")) or url.startswith("//"):
            url = ""
        view.items.append({"label": label, "url": url})
    view.table = Table(
        caption=view.title,
        columns=[Column("label", "Item", "text"), Column("url", "Link", "text")],
        rows=view.items,
    )
