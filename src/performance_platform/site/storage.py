"""The static files storage: WhiteNoise's, with JavaScript module imports hashed too."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Hashed, compressed static files; ``import ... from "../x.js"`` rewritten to hashes.

    ``site/init.js`` imports GOV.UK Frontend by a relative path. Django rewrites such
    imports to the hashed file names only when asked (Django's
    ``support_js_module_import_aggregation``), so that the module the page loads is the
    one it was built with, and can be cached for ever like every other static file.
    """

    support_js_module_import_aggregation = True
