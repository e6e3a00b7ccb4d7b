// A heat map as a table: each cell's shade is a class (heat-0 … heat-9) chosen from its value, so the policy's
// style-src 'self' is kept (no inline colours). Cells can be buttons (the RFM drill-down).
import { el } from "../lib/dom.js";

export const LEVELS = 10;

/** The shade class of a value between min and max: heat-0 (lowest) … heat-9 (highest); heat-none when unknown. */
export function level(value, min, max) {
  if (value === null || value === undefined || !Number.isFinite(value)) return "heat-none";
  if (max <= min) return value > 0 ? `heat-${LEVELS - 1}` : "heat-0";
  return `heat-${Math.max(0, Math.min(LEVELS - 1, Math.round(((value - min) / (max - min)) * (LEVELS - 1))))}`;
}

/**
 * heatmap({ columns, rows: [{ label, cells: [{ value, text, sub, title, onClick, data, selected }] }], caption, corner,
 *           testId, palette: "blue" | "green" | "orange", min, max, legend: { low, high } })
 */
export function heatmap({ columns, rows, caption, corner = "", testId, palette = "blue", min, max, legend, className }) {
  const values = rows.flatMap((r) => r.cells.map((c) => c.value)).filter((v) => v !== null && v !== undefined && Number.isFinite(v));
  const lo = min ?? (values.length ? Math.min(0, ...values) : 0);
  const hi = max ?? (values.length ? Math.max(...values) : 0);
  const table = el("table", { class: ["heatmap", `palette-${palette}`, className], "data-testid": testId },
    caption ? el("caption", { text: caption }) : null,
    el("thead", {}, el("tr", {}, el("th", { scope: "col", class: "corner", text: corner }),
      columns.map((c) => el("th", { scope: "col", title: c.title || null }, typeof c === "string" ? c : c.label)))),
    el("tbody", {}, rows.map((r) => el("tr", {},
      el("th", { scope: "row", title: r.title || null }, r.label),
      r.cells.map((c) => {
        const inner = [el("span", { class: "heat-text", text: c.text ?? "" }), c.sub ? el("span", { class: "heat-sub", text: c.sub }) : null];
        return el("td", { class: ["heat", level(c.value, lo, hi), c.selected && "selected"], title: c.title || null, data: c.data },
          c.onClick ? el("button", { type: "button", class: "heat-button", "aria-label": c.label || null, "aria-pressed": c.selected ? "true" : null, data: c.data, onclick: c.onClick }, inner) : inner);
      })))));
  if (!legend) return table;
  return el("div", { class: "heatmap-block" }, el("div", { class: "table-wrap" }, table),
    el("div", { class: ["heat-legend", `palette-${palette}`], "aria-hidden": "true" }, el("span", { text: legend.low }),
      Array.from({ length: LEVELS }, (_, i) => el("span", { class: ["swatch", `heat-${i}`] })), el("span", { text: legend.high })));
}
