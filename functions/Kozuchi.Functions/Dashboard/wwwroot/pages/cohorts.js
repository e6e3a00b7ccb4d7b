// コホート分析: retention and cumulative LTV by first-order month as heat maps (1 か月後 … 12 か月後), and the same
// by acquisition medium. Months not yet over are blank, not zero.
import { definePage } from "../lib/router.js";
import { addTexts, t } from "../lib/i18n.js";
import { el } from "../lib/dom.js";
import { api } from "../lib/api.js";
import { money, month, num, pct } from "../lib/format.js";
import { dataTable } from "../components/data-table.js";
import { heatmap } from "../components/heatmap.js";
import { emptyState, freshnessNote, pageHeader, section } from "../components/states.js";

addTexts({
  ja: {
    "nav.cohorts": "コホート", "cohorts.title": "コホート分析",
    "cohorts.lead": "初回購入月ごとの顧客が、その後どれだけ買い続けたか（継続率）と、1 人あたりいくら購入したか（累計 LTV）です。まだ来ていない月は空欄です。",
    "cohorts.firstMonth": "初回購入月", "cohorts.customers": "顧客数", "cohorts.monthsAfter": "{k} か月後",
    "cohorts.retention": "継続率（k か月後の月に購入した割合）", "cohorts.ltv": "累計 LTV（1 人あたり、初回購入を含む）",
    "cohorts.legendLow": "低い", "cohorts.legendHigh": "高い", "cohorts.byMedium": "流入経路別",
    "cohorts.medium": "流入経路", "cohorts.none": "（不明）", "cohorts.repeaters": "リピーター", "cohorts.continuation": "継続率",
    "cohorts.f2": "F2 転換率 (90日)", "cohorts.avgOrders": "平均購入回数", "cohorts.ltvSoFar": "LTV（現在まで）", "cohorts.ltv365": "LTV（1 年）",
  },
  en: {
    "nav.cohorts": "Cohorts", "cohorts.title": "Cohorts",
    "cohorts.lead": "Customers by the month of their first order: how many kept buying (retention) and how much each spent (cumulative LTV). Months still to come are blank.",
    "cohorts.firstMonth": "First order", "cohorts.customers": "Customers", "cohorts.monthsAfter": "Month {k}",
    "cohorts.retention": "Retention (share who bought in the k-th month after)", "cohorts.ltv": "Cumulative LTV (per customer, first order included)",
    "cohorts.legendLow": "low", "cohorts.legendHigh": "high", "cohorts.byMedium": "By acquisition medium",
    "cohorts.medium": "Medium", "cohorts.none": "(unknown)", "cohorts.repeaters": "Repeaters", "cohorts.continuation": "Continuation",
    "cohorts.f2": "F2 conversion (90 days)", "cohorts.avgOrders": "Average orders", "cohorts.ltvSoFar": "LTV so far", "cohorts.ltv365": "LTV (1 year)",
  },
});

/** Month offsets the report has: 1 … 12 when it sends them all (months), else 1, 3, 6, 12. */
function offsets(cohorts) {
  return cohorts.some((c) => Array.isArray(c.months)) ? Array.from({ length: 12 }, (_, i) => i + 1) : [1, 3, 6, 12];
}

function valueAt(c, k, kind) {
  if (Array.isArray(c.months)) {
    const m = c.months.find((x) => x.k === k);
    return m ? m[kind] : null;
  }
  const v = c[kind] && c[kind][`m${k}`];
  return v === undefined ? null : v;
}

definePage({
  path: "cohorts",
  nav: { order: 80, label: "nav.cohorts" },
  async render(ctx) {
    const [data, fresh] = await Promise.all([api("reports/cohorts", { signal: ctx.signal }), api("reports/freshness", { signal: ctx.signal })]);
    const header = pageHeader(t("cohorts.title"), { lead: t("cohorts.lead"), note: freshnessNote(fresh) });
    const cohorts = (data && data.cohorts) || [];
    if (cohorts.length === 0) return [header, emptyState()];
    const currency = data.currency || "JPY";
    const ks = offsets(cohorts);
    const columns = [{ label: t("cohorts.customers") }, ...ks.map((k) => ({ label: t("cohorts.monthsAfter", { k }) }))];
    const rows = [...cohorts].reverse();
    const grid = (kind, palette, show, testId) => heatmap({
      testId, palette, corner: t("cohorts.firstMonth"), columns,
      legend: { low: t("cohorts.legendLow"), high: t("cohorts.legendHigh") },
      rows: rows.map((c) => ({
        label: month(c.month),
        cells: [{ value: null, text: num(c.customers) }, ...ks.map((k) => {
          const v = valueAt(c, k, kind);
          return { value: v, text: v === null ? "" : show(v), title: `${month(c.month)} ${t("cohorts.monthsAfter", { k })}` };
        })],
      })),
      className: "cohort-grid",
    });
    const byMedium = (data.byMedium || []);
    return [header,
      section(t("cohorts.retention"), grid("retention", "blue", (v) => pct(v), "cohort-retention"), { id: "retention" }),
      section(t("cohorts.ltv"), grid("ltv", "green", (v) => money(v, currency), "cohort-ltv"), { id: "ltv" }),
      byMedium.length ? section(t("cohorts.byMedium"), dataTable({
        testId: "cohort-medium", caption: t("cohorts.byMedium"), sort: { key: "customers", dir: "desc" },
        columns: [
          { key: "group", label: t("cohorts.medium"), value: (g) => (g.group === "(none)" ? t("cohorts.none") : g.group) },
          { key: "customers", label: t("cohorts.customers"), type: "number" },
          { key: "repeaters", label: t("cohorts.repeaters"), type: "number" },
          { key: "continuationRate", label: t("cohorts.continuation"), type: "pct" },
          { key: "f2Within90", label: t("cohorts.f2"), type: "pct" },
          { key: "averageOrders", label: t("cohorts.avgOrders"), type: "measure" },
          { key: "ltv", label: t("cohorts.ltvSoFar"), type: "money", currency: () => currency },
          { key: "ltv365", label: t("cohorts.ltv365"), type: "money", currency: () => currency },
          ...(byMedium.some((g) => g.otherCurrencies && g.otherCurrencies.length) ? [{ key: "otherCurrencies", label: t("common.otherCurrencies"), sortable: false, value: (g) => (g.otherCurrencies || []).map((o) => `${money(o.ltv, o.currency)} (${num(o.customers)}${t("common.customersUnit")})`).join(" · ") },] : []),
        ],
        rows: byMedium,
      }), { id: "medium" }) : null];
  },
});
