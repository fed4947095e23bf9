"use strict";
(function () {
  // Sorting: each header of a .sortable table becomes a button; numbers sort by data-value.
  function cellValue(row, index, kind) {
    var cell = row.cells[index];
    if (!cell) { return ""; }
    if (kind === "number") { return Number(cell.getAttribute("data-value") || 0); }
    return (cell.textContent || "").trim().toLowerCase();
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var heads = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(heads, function (th, index) {
      var kind = th.getAttribute("data-sort");
      if (!kind) { return; }
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = th.textContent;
      th.textContent = "";
      th.appendChild(button);
      button.addEventListener("click", function () {
        var up = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", up ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellValue(a, index, kind), y = cellValue(b, index, kind);
          var order = x < y ? -1 : x > y ? 1 : 0;
          return up ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  });

  // Filtering: by rule id or principle text, and by outcome; hides summary rows and findings.
  var form = document.getElementById("filters");
  if (!form) { return; }
  form.hidden = false;
  var text = document.getElementById("filter-text");
  var boxes = form.querySelectorAll(".filter-outcome");
  var count = document.getElementById("filter-count");
  function apply() {
    var needle = text.value.trim().toLowerCase();
    var wanted = {};
    boxes.forEach(function (box) { wanted[box.value] = box.checked; });
    var shown = 0;
    document.querySelectorAll("article.finding").forEach(function (el) {
      var hay = (el.getAttribute("data-rule") + " " + el.getAttribute("data-principle")).toLowerCase();
      var ok = wanted[el.getAttribute("data-outcome")] !== false && (!needle || hay.indexOf(needle) >= 0);
      el.classList.toggle("is-hidden", !ok);
      if (ok) { shown += 1; }
    });
    document.querySelectorAll("tr.principle-row").forEach(function (row) {
      var hay = (row.getAttribute("data-rules") + " " + row.getAttribute("data-principle")).toLowerCase();
      var any = ["fail", "unknown", "waived"].some(function (o) {
        return wanted[o] && Number(row.getAttribute("data-" + o)) > 0;
      });
      var all = ["fail", "unknown", "waived"].every(function (o) { return wanted[o]; });
      row.classList.toggle("is-hidden", !((all || any) && (!needle || hay.indexOf(needle) >= 0)));
    });
    count.textContent = shown + " / " + document.querySelectorAll("article.finding").length;
  }
  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  apply();
})();
