// Warn before leaving a form with unsaved changes (no lost edits). Reading needs no script.
(function () {
  "use strict";
  var dirty = new Set();
  function watch(form) {
    if (form.dataset.watched) { return; }
    form.dataset.watched = "1";
    form.addEventListener("input", function () { dirty.add(form); });
    form.addEventListener("submit", function () { dirty.delete(form); });
  }
  function scan() {
    dirty.forEach(function (form) { if (!document.contains(form)) { dirty.delete(form); } });
    document.querySelectorAll("form[data-warn-unsaved]").forEach(watch);
  }
  window.addEventListener("beforeunload", function (event) {
    if (dirty.size > 0) { event.preventDefault(); event.returnValue = ""; }
  });
  document.addEventListener("DOMContentLoaded", scan);
  document.addEventListener("htmx:beforeRequest", function (event) {
    var source = event.detail && event.detail.elt;
    var leaving = source && source.tagName === "A";
    if (leaving && dirty.size > 0 && !window.confirm("You have unsaved changes. Leave anyway?")) {
      event.preventDefault();
    }
  });
  document.addEventListener("htmx:afterSettle", scan);
}());
