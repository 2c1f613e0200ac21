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

// After a queue action the page comes back without the card acted on (or with it changed):
// focus goes to the card now in its place, not to the top of the page.
(function () {
  "use strict";
  var KEY = "crossings-queue-focus";
  document.addEventListener("submit", function (event) {
    var item = event.target.closest && event.target.closest("[data-queue-item]");
    if (!item) { return; }
    var items = Array.prototype.slice.call(document.querySelectorAll("[data-queue-item]"));
    try { sessionStorage.setItem(KEY, String(items.indexOf(item))); } catch (e) { /* private mode */ }
  }, true);
  function restore() {
    var stored = null;
    try { stored = sessionStorage.getItem(KEY); sessionStorage.removeItem(KEY); } catch (e) { return; }
    if (stored === null) { return; }
    var items = document.querySelectorAll("[data-queue-item]");
    var target = items.length ? items[Math.min(Number(stored), items.length - 1)] : document.querySelector("main .notice") || document.getElementById("main");
    if (target) { target.focus(); }
  }
  document.addEventListener("DOMContentLoaded", restore);
  document.addEventListener("htmx:afterSettle", restore);
}());
