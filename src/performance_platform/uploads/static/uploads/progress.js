// Progressive enhancement of a large upload's page: while the worker checks or stores
// the file, ask every few seconds how far it has got, and reload the page when it is
// done. Without JavaScript the page's "Check again" button does the same.
(function () {
  "use strict";
  var box = document.getElementById("progress");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-progress-url");
  var bar = box.querySelector("progress");
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (!state) { return; }
        if (state.finished) { window.location.reload(); return; }
        if (bar && state.total) {
          bar.max = Math.max(state.total, state.done);
          bar.value = state.done;
        }
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
