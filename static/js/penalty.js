// Finding form: refresh the penalty range (computed on the server) as fields change.
(function () {
  "use strict";
  var form = document.getElementById("finding-form");
  var box = document.getElementById("penalty-box");
  if (!form || !box || !box.getAttribute("data-penalty-url")) { return; }
  var url = box.getAttribute("data-penalty-url");
  var timer = null;

  function value(name) {
    var el = form.elements[name];
    if (!el) { return ""; }
    if (el.type === "checkbox") { return el.checked ? "1" : ""; }
    return el.value || "";
  }

  function part(name) { return box.querySelector('[data-part="' + name + '"]'); }

  function render(data) {
    var lines = part("lines");
    while (lines.firstChild) { lines.removeChild(lines.firstChild); }
    (data.lines || []).forEach(function (text) {
      var li = document.createElement("li");
      li.textContent = text;
      lines.appendChild(li);
    });
    part("title").textContent = data.title || "";
    part("note").textContent = data.note || "";
    var warning = part("warning");
    warning.textContent = data.warning || data.error || "";
    warning.hidden = !(data.warning || data.error);
  }

  function refresh() {
    var params = new URLSearchParams({
      category: value("category"),
      article: value("legal_article"),
      amount: value("amount_involved"),
      fine: value("fine"),
      self_corrected: value("self_corrected"),
      // A linked self-inspection report decides the leniency with the refund, as saving does.
      report: value("self_inspection_id"),
      refunded: value("amount_refunded")
    });
    // The handling results chosen: no fine is only worth a warning under a penalty.
    Array.prototype.forEach.call(form.querySelectorAll('input[name="results"]:checked'),
      function (box) { params.append("results", box.value); });
    window.fetch(url + "?" + params.toString(), { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(render)
      .catch(function () { /* keep the server-rendered range */ });
  }

  form.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 300);
  });
  form.addEventListener("change", refresh);
})();
