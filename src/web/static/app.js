// Cairn's own behaviour on top of htmx: confirmations, and live progress over server-sent events.
// Loaded from /static/ (the Content-Security-Policy allows no inline script).
(function () {
  "use strict";

  // <form data-confirm="..."> asks before it is sent.
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      e.preventDefault();
    }
  }, true);

  // <section data-sse="/admin/sync_runs/5/events">: its content is replaced by each "progress"
  // event; on "done" the page reloads to show the finished run's report.
  function follow(el) {
    if (!window.EventSource) return;
    var source = new EventSource(el.dataset.sse);
    source.addEventListener("progress", function (e) {
      el.innerHTML = e.data;
      el.setAttribute("data-live", "updated");
    });
    source.addEventListener("done", function () {
      source.close();
      window.location.reload();
    });
    window.addEventListener("beforeunload", function () { source.close(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-sse]").forEach(follow);
  });
})();
