// Starts GOV.UK Frontend's components (loaded as a module, after the page). A file rather
// than an inline script, for the Content-Security-Policy. collectstatic rewrites the path
// below to the hashed file name (support_js_module_import_aggregation in site/storage.py).
import { initAll } from "../govuk/govuk-frontend.min.js";

initAll();
