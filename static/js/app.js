// Site behaviour without inline script (the CSP forbids it).
(function () {
  "use strict";

  // Upload forms (data-file-limit, from the upload_limits macro) refuse a file over the
  // limit before sending it: a request over the limit is refused whole by the server, and
  // the page saying so replaces the form with what was typed into it.
  var MB = 1024 * 1024;

  // A size over a limit, in MB, so that it reads as more than the limit as the message
  // shows it (shown, e.g. "10"): rounded as usual (one decimal from 1 MB, two below), else
  // rounded up, else with more decimals. 10,485,761 bytes over 10 MB reads "10.1", not "10".
  function sizeOver(bytes, shown) {
    var value = bytes / MB;
    var places = value >= 1 ? 1 : 2;
    for (; places <= 7; places++) {
      var scale = Math.pow(10, places);
      var tries = [Math.round(value * scale), Math.ceil(value * scale)];
      for (var i = 0; i < tries.length; i++) {
        var size = tries[i] / scale;
        if (size > shown) {
          return value >= 1 ? String(size) : size.toFixed(places);
        }
      }
    }
    return String(value);
  }

  function fill(template, name, size, shown) {
    // Functions, not strings, as replacements: a file name may contain "$&".
    return template
      .replace("{name}", function () { return name; })
      .replace("{size}", function () { return sizeOver(size, shown); });
  }

  function shownLimit(form, name) {
    // The limit as the message names it, falling back to the limit itself.
    var shown = Number(form.getAttribute("data-" + name + "-limit-mb"));
    return shown || Number(form.getAttribute("data-" + name + "-limit")) / MB;
  }

  function uploadProblem(form) {
    var fileLimit = Number(form.getAttribute("data-file-limit")) || 0;
    var requestLimit = Number(form.getAttribute("data-request-limit")) || 0;
    var inputs = form.querySelectorAll('input[type="file"]');
    var total = 0;
    for (var i = 0; i < inputs.length; i++) {
      var files = inputs[i].files || [];
      for (var j = 0; j < files.length; j++) {
        total += files[j].size;
        if (fileLimit && files[j].size > fileLimit) {
          return {
            input: inputs[i],
            message: fill(form.getAttribute("data-file-too-large"), files[j].name, files[j].size,
              shownLimit(form, "file"))
          };
        }
      }
    }
    if (requestLimit && total > requestLimit) {
      var last = inputs[inputs.length - 1];
      return {
        input: last,
        message: fill(form.getAttribute("data-request-too-large"), "", total,
          shownLimit(form, "request"))
      };
    }
    return null;
  }

  function showUploadProblem(form, problem) {
    var old = form.querySelector(".upload-limit-error");
    if (old) { old.parentNode.removeChild(old); }
    Array.prototype.forEach.call(form.querySelectorAll('input[type="file"]'), function (input) {
      input.removeAttribute("aria-invalid");
    });
    if (!problem) { return; }
    var box = document.createElement("div");
    box.className = "error upload-limit-error";
    box.setAttribute("role", "alert");
    box.textContent = problem.message;
    problem.input.setAttribute("aria-invalid", "true");
    problem.input.insertAdjacentElement("afterend", box);
  }

  function checkUploads(form) {
    if (!form || !form.hasAttribute("data-file-limit")) { return null; }
    var problem = uploadProblem(form);
    showUploadProblem(form, problem);
    return problem;
  }

  document.addEventListener("change", function (event) {
    if (event.target.type === "file") { checkUploads(event.target.form); }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var problem = checkUploads(form);
    if (problem) {
      event.preventDefault();
      problem.input.focus();
      return;
    }
    // Ask before destructive steps: <button data-confirm="...">.
    var button = event.submitter;
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
