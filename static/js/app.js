// Site behaviour without inline script (the CSP forbids it).
(function () {
  "use strict";
  // Ask before destructive steps: <button data-confirm="...">.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var form = event.target;
    var message = (button && button.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });
  // Send the CSRF token with script-initiated POSTs.
  window.csrfFetch = function (url, options) {
    options = options || {};
    options.headers = options.headers || {};
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) { options.headers["X-CSRFToken"] = meta.getAttribute("content"); }
    options.credentials = "same-origin";
    return window.fetch(url, options);
  };
})();
