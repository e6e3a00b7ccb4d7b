// A KPI card: the figure, how it compares (前月比, 前年同月比), progress towards its target, and a link to the page
// that explains it (the whole card is the link).
import { el } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import { change, pct, points } from "../lib/format.js";

/**
 * kpiCard({ label, value, href, sub, partial, comparisons, target, testId })
 * - comparisons: [{ label: "前月比", ratio: 0.123 } | { label, diff: 0.012 } (a rate, in points)]; lower: true when
 *   a fall is good news (none of the overview's KPIs, but a churn count would be);
 * - target: { text: "目標 ￥1,000,000", progress: 0.63, forecast: "月末見込み ￥1,250,000" };
 * - partial: the figure covers part of a period (this month so far), said on the card.
 */
export function kpiCard({ label, value, href, sub, partial, comparisons = [], target, testId, kpi }) {
  const body = [
    el("div", { class: "kpi-label" }, el("span", { text: label }), partial ? el("span", { class: "badge badge-partial", text: partial === true ? t("kpi.partial") : partial }) : null),
    el("div", { class: "kpi-value", "data-testid": "kpi-value", text: value }),
    sub ? el("div", { class: "kpi-sub", text: sub }) : null,
    comparisons.length ? el("ul", { class: "kpi-compare" }, comparisons.map(comparison)) : null,
    target ? targetBlock(target) : null,
  ];
  const attrs = { class: ["card", "kpi", href && "link"], "data-testid": testId, "data-kpi": kpi };
  return href ? el("a", { ...attrs, href }, body) : el("div", attrs, body);
}

function comparison({ label, ratio, diff, lower = false, note }) {
  const v = ratio ?? diff;
  const known = v !== null && v !== undefined && Number.isFinite(v);
  const direction = !known || Math.abs(v) < 0.0005 ? "flat" : v > 0 ? "up" : "down";
  const good = direction === "flat" || !known ? "neutral" : (direction === "up") !== lower ? "good" : "bad";
  const arrow = { up: "▲", down: "▼", flat: "→" }[direction];
  return el("li", { class: ["delta", `delta-${good}`], "data-direction": direction, title: note || null },
    el("span", { class: "delta-label", text: label }),
    el("span", { class: "delta-value" }, known ? el("span", { class: "arrow", "aria-hidden": "true", text: arrow }) : null,
      known ? (ratio !== undefined ? change(ratio) : points(diff)) : t("kpi.noComparison")));
}

function targetBlock({ text, progress, forecast }) {
  const value = progress === null || progress === undefined ? null : Math.max(0, Math.min(progress, 1));
  return el("div", { class: "kpi-target" },
    el("div", { class: "kpi-target-text" }, el("span", { text }), progress === null || progress === undefined ? null : el("strong", { text: pct(progress) })),
    value === null ? null : el("progress", { max: "100", value: String(Math.round(value * 100)), "aria-label": `${t("kpi.progress")} ${pct(progress)}` }),
    forecast ? el("div", { class: "kpi-forecast", text: forecast }) : null);
}
