// Charts with Chart.js (vendor/chart.umd.min.js, pinned in package.json and embedded in the executable). Chart.js
// draws on a canvas and sizes it through the CSSOM, which the policy allows; the box's height is a class.
// Each chart has its figures as a table under a disclosure, for screen readers and for anyone who wants the numbers.
import { el } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import { moneyShort, num, pct } from "../lib/format.js";

export const COLORS = { blue: "#0b5cad", green: "#1a7f37", orange: "#c2410c", purple: "#6d28d9", gray: "#6b7280", teal: "#0f766e", red: "#b42318", lightBlue: "#7fb0e0" };
const FONT = '"Hiragino Sans", "Noto Sans JP", "Yu Gothic UI", Meiryo, system-ui, sans-serif';

/** A y (or x) axis in money: ￥120万 ticks. */
export const moneyAxis = (currency = "JPY", extra = {}) => ({ beginAtZero: true, ...extra, ticks: { callback: (v) => moneyShort(v, currency) } });
/** An axis of shares: 0%–100%. */
export const pctAxis = (extra = {}) => ({ beginAtZero: true, ...extra, ticks: { callback: (v) => pct(v, 0) } });
export const countAxis = (extra = {}) => ({ beginAtZero: true, ...extra, ticks: { precision: 0, callback: (v) => num(v) } });

function whenConnected(node, f, tries = 20) {
  if (node.isConnected) f();
  else if (tries > 0) requestAnimationFrame(() => whenConnected(node, f, tries - 1));
}

/**
 * chart(ctx, config, { label, size: "sm" | "md" | "lg", testId, table: { headers, rows } })
 * ctx is the page's router context: the chart is destroyed when the page is left.
 */
export function chart(ctx, config, { label, size = "md", testId, table } = {}) {
  const canvas = el("canvas", { role: "img", "aria-label": label, "data-testid": testId });
  const box = el("figure", { class: ["chart", `chart-${size}`] }, el("div", { class: "chart-canvas" }, canvas),
    table ? el("details", { class: "chart-data" }, el("summary", { text: t("chart.showData") }),
      el("table", { class: "data dense" }, el("thead", {}, el("tr", {}, table.headers.map((h, i) => el("th", { scope: "col", class: i ? "num" : "text", text: h })))),
        el("tbody", {}, table.rows.map((r) => el("tr", {}, r.map((c, i) => (i ? el("td", { class: "num", text: c }) : el("th", { scope: "row", class: "text", text: c })))))))) : null);
  let instance = null;
  whenConnected(box, () => {
    if (!window.Chart || (ctx && !ctx.current)) return;
    const Chart = window.Chart;
    Chart.defaults.font.family = FONT;
    Chart.defaults.color = "#374151";
    Chart.defaults.animation = false;
    instance = new Chart(canvas, {
      ...config,
      options: {
        responsive: true,
        maintainAspectRatio: false,
        ...config.options,
        plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } }, ...(config.options && config.options.plugins) },
      },
    });
  });
  if (ctx) ctx.onLeave(() => { if (instance) instance.destroy(); });
  return box;
}
