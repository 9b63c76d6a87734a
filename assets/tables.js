/* Table tools of the dashboard pages (offline, no library): per-column filters, search, click-to-sort on every
   header, 导出CSV of the visible rows and a row count. layout.table() marks each table's wrapper with
   data-table, data-filters (header -> preselected value, null = 全部) and data-search. Without this script the
   tables are plain tables. */
(function () {
  "use strict";
  var LEVELS = ["中央", "自治区", "盟市", "旗区"]; // fiscal order: sorting a level column keeps it
  var ALL = "";

  function text(cell) { return cell ? cell.textContent.trim() : ""; }

  // Sort key of a cell: exact 元 (data-yuan), a level's fiscal rank, a leading number (2027年, 45%, 1,234.5) or text.
  function key(cell) {
    if (!cell) return { n: null, s: "" };
    var t = text(cell), y = cell.getAttribute("data-yuan"), lv = LEVELS.indexOf(t);
    if (y !== null && y !== "" && !isNaN(Number(y))) return { n: Number(y), s: t };
    if (lv >= 0) return { n: lv, s: t };
    var m = t.replace(/,/g, "").match(/^[-+−]?\d+(\.\d+)?/);
    return { n: m ? Number(m[0].replace("−", "-")) : null, s: t };
  }

  function compare(a, b) {
    if (a.n !== null && b.n !== null) return a.n - b.n;
    if (a.n !== null) return -1; // numbers before text, empty cells last
    if (b.n !== null) return 1;
    if (!a.s || !b.s) return a.s ? -1 : b.s ? 1 : 0;
    return a.s.localeCompare(b.s, "zh-CN");
  }

  function el(tag, attrs, content) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (content !== undefined) e.textContent = content;
    return e;
  }

  // A subtotal row (class "total", or a cell reading 合计 / 2026年合计 / 小计) is not sorted among the rows it adds up.
  function isTotal(row) {
    return row.classList.contains("total") ||
      Array.prototype.some.call(row.cells, function (c) { return /(合计|小计)$/.test(text(c)); });
  }

  function csvField(v) { return /[",\r\n]/.test(v) ? '"' + v.replace(/"/g, '""') + '"' : v; }

  function setup(block) {
    var table = block.querySelector("table");
    var tbody = table && table.tBodies[0];
    if (!tbody) return;
    var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
    var names = heads.map(text);
    var rows = Array.prototype.slice.call(tbody.rows);
    var filters = JSON.parse(block.getAttribute("data-filters") || "{}");
    var bar = el("div", { "class": "table-tools" });
    var selects = [], query = null;
    var count = el("span", { "class": "row-count", "aria-live": "polite" });

    Object.keys(filters).forEach(function (name) {
      var col = names.indexOf(name);
      if (col < 0) return;
      var values = [], seen = {};
      rows.forEach(function (r) {
        var c = r.cells[col], t = text(c);
        if (t && !seen[t]) { seen[t] = true; values.push(c); }
      });
      values.sort(function (a, b) { return compare(key(a), key(b)); });
      var select = el("select", { "data-column": name, "aria-label": name });
      select.appendChild(el("option", { value: ALL }, "全部"));
      values.forEach(function (c) { select.appendChild(el("option", { value: text(c) }, text(c))); });
      var wanted = filters[name];
      select.value = wanted !== null && seen[wanted] ? wanted : ALL;
      select.addEventListener("change", apply);
      var label = el("label", { "class": "table-filter" }, name + " ");
      label.appendChild(select);
      bar.appendChild(label);
      selects.push({ col: col, select: select });
    });
    if (block.getAttribute("data-search")) {
      query = el("input", { type: "search", placeholder: "搜索表格内容", "aria-label": "搜索表格内容" });
      query.addEventListener("input", apply);
      bar.appendChild(query);
    }
    var exportButton = el("button", { type: "button", "class": "csv-export" }, "导出CSV");
    exportButton.addEventListener("click", exportCsv);
    bar.appendChild(exportButton);
    bar.appendChild(count);
    block.insertBefore(bar, block.firstChild);

    function apply() {
      var q = query ? query.value.trim().toLowerCase() : "", shown = 0;
      rows.forEach(function (r) {
        var ok = selects.every(function (f) { return !f.select.value || text(r.cells[f.col]) === f.select.value; });
        ok = ok && (!q || r.textContent.toLowerCase().indexOf(q) >= 0);
        r.hidden = !ok;
        if (ok) shown += 1;
      });
      count.textContent = "显示 " + shown + " / " + rows.length + " 行";
    }

    heads.forEach(function (th, col) {
      th.classList.add("sortable");
      th.setAttribute("tabindex", "0");
      th.setAttribute("title", "点击排序");
      function sort() {
        var asc = th.getAttribute("aria-sort") !== "ascending";
        heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var keyed = rows.map(function (r, i) { return { r: r, k: key(r.cells[col]), i: i }; });
        keyed.sort(function (a, b) {
          var total = isTotal(a.r) - isTotal(b.r);
          if (total) return total; // a 合计 row stays below the rows it adds up
          var c = compare(a.k, b.k);
          return (asc ? c : -c) || a.i - b.i;
        });
        keyed.forEach(function (x) { tbody.appendChild(x.r); });
        rows = keyed.map(function (x) { return x.r; });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); } });
    });

    // The visible rows as CSV (UTF-8 with BOM, so Excel reads the Chinese): money in 万元 as shown, plus its exact 元.
    function exportCsv() {
      var visible = rows.filter(function (r) { return !r.hidden; });
      var money = names.map(function (_, col) {
        return visible.some(function (r) { return r.cells[col] && r.cells[col].hasAttribute("data-yuan"); });
      });
      var header = [];
      names.forEach(function (n, col) {
        if (!money[col]) { header.push(n); return; }
        header.push(n.indexOf("万元") >= 0 ? n : n + "（万元）");
        header.push(n.indexOf("万元") >= 0 ? n.replace("万元", "元") : n + "（元）");
      });
      var lines = [header.map(csvField).join(",")];
      visible.forEach(function (r) {
        var out = [];
        names.forEach(function (_, col) {
          var c = r.cells[col];
          if (!money[col]) { out.push(text(c)); return; }
          out.push(text(c).replace(/,/g, ""));
          out.push(c && c.hasAttribute("data-yuan") ? c.getAttribute("data-yuan") : "");
        });
        lines.push(out.map(csvField).join(","));
      });
      var blob = new Blob(["\uFEFF" + lines.join("\r\n") + "\r\n"], { type: "text/csv;charset=utf-8" });
      var a = el("a", { href: URL.createObjectURL(blob), download: (block.getAttribute("data-table") || "表格") + ".csv" });
      document.body.appendChild(a);
      a.click();
      setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
    }

    apply();
  }

  // Paper: Plotly draws at the screen's width, wider than an A4 page; redraw each chart page-wide, then back.
  var PRINT_WIDTH = 660; // A4 less 12 mm margins and the card's border, in CSS px
  function charts() { return window.Plotly ? document.querySelectorAll(".js-plotly-plot") : []; }
  window.addEventListener("beforeprint", function () {
    charts().forEach(function (gd) { window.Plotly.relayout(gd, { width: PRINT_WIDTH, autosize: false }); });
  });
  window.addEventListener("afterprint", function () {
    charts().forEach(function (gd) { window.Plotly.relayout(gd, { width: null, autosize: true }); });
  });

  function init() { document.querySelectorAll(".table-block[data-table]").forEach(setup); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
