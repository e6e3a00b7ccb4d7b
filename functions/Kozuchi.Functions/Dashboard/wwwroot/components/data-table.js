// A data table with sorting, paging and CSV export: rows in memory (sorted and paged here) or a server-paged list
// (load({ skip, take, sort, dir }) → { rows, total }). Columns say their type so numbers line up and read as a
// Japanese shop expects (￥, %, commas, dates in Tokyo).
import { el, replace, select } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import { date, dateTime, day, money, num, pct } from "../lib/format.js";
import { downloadCsv } from "./csv.js";
import { emptyState, errorState, loadingState } from "./states.js";

const numeric = new Set(["number", "money", "pct", "measure"]);

function rawValue(col, row) {
  return col.value ? col.value(row) : row[col.key];
}

function display(col, row) {
  if (col.format) return col.format(row);
  const v = rawValue(col, row);
  switch (col.type) {
    case "money": return money(v, (col.currency && col.currency(row)) || row.currency || "JPY");
    case "pct": return pct(v, col.digits ?? 1);
    case "number": return num(v);
    case "measure": return num(v, col.digits ?? 2);
    case "date": return date(v);
    case "dateTime": return dateTime(v);
    case "day": return day(v);
    default: return v === null || v === undefined || v === "" ? "—" : String(v);
  }
}

function csvValue(col, row) {
  if (col.csv) return col.csv(row);
  const v = rawValue(col, row);
  if (v === null || v === undefined) return "";
  if (col.type === "money") return ((col.currency && col.currency(row)) || row.currency || "JPY") === "JPY" ? Math.round(v) : v;
  if (col.type === "pct") return `${(v * 100).toFixed(col.digits ?? 1)}%`;
  if (numeric.has(col.type)) return v;
  const shown = display(col, row);
  return shown instanceof Node ? shown.textContent : shown;
}

const compare = (a, b) => {
  if (a === b) return 0;
  if (a === null || a === undefined || a === "") return 1;
  if (b === null || b === undefined || b === "") return -1;
  return typeof a === "number" && typeof b === "number" ? a - b : String(a).localeCompare(String(b), "ja");
};

/**
 * dataTable({ columns, rows | load, pageSize, sort: { key, dir }, caption, testId, empty, csv: { filename }, onPage })
 * column: { key, label, type: text|number|money|pct|measure|date|dateTime|day, value(row), format(row) → text|node,
 *           currency(row), sortable (default true), csv(row), className, digits }
 */
export function dataTable(options) {
  const { columns, caption, testId, pageSizes = [20, 50, 100], csv, empty, onPage } = options;
  const state = { skip: 0, take: options.pageSize || 20, sort: options.sort?.key, dir: options.sort?.dir || "desc", total: 0, rows: [] };
  const serverSide = typeof options.load === "function";
  let all = options.rows || [];

  const head = el("thead");
  const body = el("tbody");
  const table = el("table", { class: ["data", options.dense && "dense"] },
    caption ? el("caption", { class: "visually-hidden", text: caption }) : null, head, body);
  const status = el("span", { class: "pager-status" });
  const prev = el("button", { type: "button", class: "secondary small", text: t("table.prev"), onclick: () => go(state.skip - state.take) });
  const next = el("button", { type: "button", class: "secondary small", text: t("table.next"), onclick: () => go(state.skip + state.take) });
  const size = select(pageSizes.map((n) => [n, t("table.perPage", { n })]), state.take, { "aria-label": t("table.pageSize"), class: "small" });
  size.addEventListener("change", () => { state.take = Number(size.value); go(0); });
  const csvButton = csv ? el("button", { type: "button", class: "secondary small", "data-testid": testId ? `${testId}-csv` : null, text: t("table.csv"), onclick: exportCsv }) : null;
  const pager = el("div", { class: "pager" }, status, el("span", { class: "pager-buttons" }, prev, next, size, csvButton));
  const wrap = el("div", { class: "table-wrap" }, table);
  const root = el("div", { class: "data-table", "data-testid": testId }, wrap, pager);

  function headers() {
    replace(head, el("tr", {}, columns.map((c) => {
      const sortable = c.sortable !== false;
      const sorted = state.sort === c.key;
      const cls = [numeric.has(c.type) ? "num" : "text", c.className];
      if (!sortable) return el("th", { scope: "col", class: cls, title: c.title || null, text: c.label });
      return el("th", { scope: "col", class: cls, title: c.title || null, "aria-sort": sorted ? (state.dir === "asc" ? "ascending" : "descending") : "none" },
        el("button", { type: "button", class: "sort", onclick: () => sortBy(c.key) }, c.label,
          el("span", { class: "sort-mark", "aria-hidden": "true", text: sorted ? (state.dir === "asc" ? "▲" : "▼") : "↕" })));
    })));
  }

  function sortBy(key) {
    state.dir = state.sort === key && state.dir === "desc" ? "asc" : "desc";
    state.sort = key;
    headers();
    go(0);
  }

  function sortedRows() {
    const col = columns.find((c) => c.key === state.sort);
    if (!col) return all;
    const sign = state.dir === "asc" ? 1 : -1;
    return [...all].sort((a, b) => {
      const av = rawValue(col, a), bv = rawValue(col, b);
      // Blanks last whichever way.
      if (av === null || av === undefined) return bv === null || bv === undefined ? 0 : 1;
      if (bv === null || bv === undefined) return -1;
      return sign * compare(av, bv);
    });
  }

  async function go(skip) {
    state.skip = Math.max(0, skip);
    if (serverSide) {
      replace(body, el("tr", {}, el("td", { colspan: String(columns.length) }, loadingState())));
      try {
        const page = await options.load({ skip: state.skip, take: state.take, sort: state.sort, dir: state.dir });
        state.rows = page.rows || [];
        state.total = page.total ?? state.rows.length;
      } catch (e) {
        replace(body, el("tr", {}, el("td", { colspan: String(columns.length) }, errorState(e, () => go(state.skip)))));
        return;
      }
    } else {
      const sorted = sortedRows();
      state.total = sorted.length;
      if (state.skip >= state.total && state.total > 0) state.skip = Math.floor((state.total - 1) / state.take) * state.take;
      state.rows = sorted.slice(state.skip, state.skip + state.take);
    }
    draw();
    onPage && onPage(state);
  }

  function draw() {
    if (state.total === 0) {
      replace(body, el("tr", {}, el("td", { colspan: String(columns.length), class: "empty-cell" }, emptyState(empty))));
    } else {
      replace(body, state.rows.map((row) => el("tr", { "data-key": options.rowKey ? options.rowKey(row) : null },
        columns.map((c, i) => {
          const cls = [numeric.has(c.type) ? "num" : "text", c.className];
          const content = display(c, row);
          return i === 0 && !c.plain ? el("th", { scope: "row", class: cls }, content) : el("td", { class: cls }, content);
        }))));
    }
    const from = state.total === 0 ? 0 : state.skip + 1;
    const to = Math.min(state.skip + state.take, state.total);
    status.textContent = t("table.range", { from: num(from), to: num(to), total: num(state.total) });
    prev.disabled = state.skip === 0;
    next.disabled = state.skip + state.take >= state.total;
    pager.hidden = state.total <= Math.min(...pageSizes) && !csv;
    prev.hidden = next.hidden = size.hidden = state.total <= Math.min(...pageSizes);
  }

  async function exportCsv() {
    const rows = csv.rows ? await csv.rows() : serverSide ? state.rows : sortedRows();
    const cols = columns.filter((c) => c.csv !== false);
    downloadCsv(csv.filename, cols.map((c) => c.csvLabel || c.label), rows.map((r) => cols.map((c) => csvValue(c, r))));
  }

  headers();
  go(0);
  /** Replaces the rows (client mode) or reloads the page (server mode). */
  root.update = (rows) => { if (!serverSide) all = rows || []; return go(0); };
  root.reload = () => go(state.skip);
  return root;
}
