"""A static files finder for the parts of GOV.UK Frontend that pages load, under ``govuk/``.

``npm ci`` (run by ``make install``) puts GOV.UK Frontend in ``node_modules``; the setting
``GOVUK_FRONTEND_DIR`` points at its ``dist/govuk`` folder. That folder holds over 900 files
(Sass sources, Nunjucks macros, ES modules), and listing it in ``STATICFILES_DIRS`` would have
``collectstatic`` (run by every ``serve``) copy and compress all of them. Pages need only:

* ``govuk/assets/fonts/*`` and ``govuk/assets/images/*`` (what the CSS and the template
  refer to; the CSS is built with ``$govuk-assets-path: "/static/govuk/assets/"``), and
  ``govuk/assets/manifest.json``;
* ``govuk/govuk-frontend.min.js`` and its source map.

This finder offers exactly those, under the prefix ``govuk``. When the folder does not
exist (a plain ``pip install`` without npm) it offers nothing and everything still starts:
pages work without GOV.UK Frontend's JavaScript, and the stylesheet link is left out when
the built CSS is missing (see the ``asset`` tag in :mod:`.templatetags.pp`).
"""

import os
import posixpath
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import utils
from django.contrib.staticfiles.finders import BaseFinder, searched_locations
from django.core.files.storage import FileSystemStorage
from django.utils._os import safe_join

PREFIX = "govuk"
#: Paths inside ``dist/govuk`` that are offered: a folder (ending in "/") or one file.
WANTED = (
    "assets/fonts/",
    "assets/images/",
    "assets/manifest.json",
    "govuk-frontend.min.js",
    "govuk-frontend.min.js.map",
)


def wanted(path: str) -> bool:
    """Whether ``path`` (relative to ``dist/govuk``, "/"-separated) is one that pages use."""
    return any(path.startswith(item) if item.endswith("/") else path == item for item in WANTED)


def frontend_dir() -> Path | None:
    """GOV.UK Frontend's ``dist/govuk`` folder, or None when it is not installed."""
    location = getattr(settings, "GOVUK_FRONTEND_DIR", None)
    if location and os.path.isdir(location):
        return Path(location)
    return None


class GovukFrontendFinder(BaseFinder):
    """Find the GOV.UK Frontend files pages use, as ``govuk/<path in dist/govuk>``."""

    def __init__(self, app_names=None, *args, **kwargs):
        self.root = frontend_dir()
        self.storage = None
        if self.root is not None:
            self.storage = FileSystemStorage(location=str(self.root))
            # collectstatic puts a storage's files under its prefix.
            self.storage.prefix = PREFIX
        super().__init__(*args, **kwargs)

    def check(self, **kwargs):
        return []

    def find(self, path, find_all=False, **kwargs):
        found = self._find(path)
        if find_all or kwargs.get("all"):
            return [found] if found else []
        return found

    def _find(self, path: str) -> str | None:
        if self.root is None:
            return None
        if str(self.root) not in searched_locations:
            searched_locations.append(str(self.root))
        relative = path.replace(os.sep, "/")
        if not relative.startswith(PREFIX + "/"):
            return None
        # Normalise first, so "assets/fonts/../../index.scss" is judged as "index.scss".
        relative = posixpath.normpath(relative[len(PREFIX) + 1 :])
        if not wanted(relative):
            return None
        try:
            candidate = safe_join(str(self.root), relative)
        except ValueError:  # a path escaping the folder
            return None
        return candidate if os.path.isfile(candidate) else None

    def list(self, ignore_patterns):
        if self.storage is None:
            return
        for path in utils.get_files(self.storage, ignore_patterns):
            if wanted(path.replace(os.sep, "/")):
                yield path, self.storage
