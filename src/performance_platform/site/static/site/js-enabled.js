// Marks the page as one with JavaScript before it is drawn, as GOV.UK Frontend's page
// template does with an inline script. It is a file here so that the
// Content-Security-Policy can forbid inline scripts outright.
document.body.className +=
  " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
