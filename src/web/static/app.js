// Cairn's own behaviour on top of htmx: confirmations, live progress over server-sent events, the
// rich-text editor, and tables sorted by a click on a column's header.
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

  // <textarea data-rich-text>: a formatting toolbar over an editable area; the HTML goes back
  // into the textarea when the form is sent (the server sanitizes it again either way).
  var TOOLS = [
    ["Bold", "bold", null], ["Italic", "italic", null], ["Heading", "formatBlock", "h2"], ["Subheading", "formatBlock", "h3"],
    ["Paragraph", "formatBlock", "p"], ["Bulleted list", "insertUnorderedList", null], ["Numbered list", "insertOrderedList", null],
    ["Quote", "formatBlock", "blockquote"], ["Code", "formatBlock", "pre"], ["Link", "createLink", "?"], ["Clear formatting", "removeFormat", null]
  ];
  function richText(area) {
    var bar = document.createElement("div");
    bar.className = "editor-toolbar";
    bar.setAttribute("role", "toolbar");
    bar.setAttribute("aria-label", "Formatting");
    var editor = document.createElement("div");
    editor.className = "editor";
    editor.contentEditable = "true";
    editor.setAttribute("role", "textbox");
    editor.setAttribute("aria-multiline", "true");
    editor.setAttribute("aria-label", "Content");
    editor.innerHTML = area.value;
    TOOLS.forEach(function (t) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "secondary outline";
      b.textContent = t[0];
      b.addEventListener("click", function () {
        editor.focus();
        var value = t[2];
        if (value === "?") {
          value = window.prompt("Link address (https://...)", "https://");
          if (!value) return;
        }
        document.execCommand(t[1], false, value);
      });
      bar.appendChild(b);
    });
    area.hidden = true;
    area.parentNode.insertBefore(bar, area);
    area.parentNode.insertBefore(editor, area);
    var label = document.querySelector("label[for='" + area.id + "']");
    if (label) label.addEventListener("click", function () { editor.focus(); });
    area.form.addEventListener("submit", function () { area.value = editor.innerHTML; });
  }

  // <table data-sortable>: tables shown whole (not paged) sort on the page. Each plain column
  // header becomes a button that sorts the rows by that column, then the other way; a cell's
  // data-sort (a time's ISO form) is what it sorts by when it has one. Numbers sort as numbers.
  function sortKey(cell) {
    if (!cell) return "";
    return cell.dataset.sort !== undefined ? cell.dataset.sort : cell.textContent.trim();
  }
  var NUMBER = /^-?\d+(\.\d+)?$/;
  function compare(a, b) {
    if (NUMBER.test(a) && NUMBER.test(b)) return parseFloat(a) - parseFloat(b);
    return a.localeCompare(b, undefined, { numeric: true, sensitivity: "base" });
  }
  function sortable(table) {
    if (!table.tHead || !table.tBodies.length) return;
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, col) {
      if (th.children.length || !th.textContent.trim()) return;  // (a header with its own controls)
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      button.textContent = th.textContent.trim();
      button.title = "Sort by " + button.textContent;
      th.textContent = "";
      th.appendChild(button);
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (x, y) {
          var c = compare(sortKey(x.cells[col]), sortKey(y.cells[col]));
          return ascending ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-sse]").forEach(follow);
    document.querySelectorAll("textarea[data-rich-text]").forEach(richText);
    document.querySelectorAll("table[data-sortable]").forEach(sortable);
  });
})();
