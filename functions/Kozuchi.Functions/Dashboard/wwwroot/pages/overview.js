// 概要: the month's KPIs (each card links to the page that explains it), targets with progress, and the monthly
// new / repeat revenue chart.
import { definePage, href } from "../lib/router.js";
import { addTexts, t } from "../lib/i18n.js";
import { el } from "../lib/dom.js";
import { api } from "../lib/api.js";
import { money, month, num, pct } from "../lib/format.js";
import { chart, COLORS, moneyAxis } from "../components/chart.js";
import { kpiCard } from "../components/kpi-card.js";
import { emptyState, freshnessNote, pageHeader, section } from "../components/states.js";

addTexts({
  ja: {
    "nav.overview": "概要", "overview.title": "概要", "overview.sales": "売上", "overview.newSales": "新規売上", "overview.repeatSales": "リピート売上",
    "overview.activeCustomers": "アクティブ顧客", "overview.newCustomers": "新規顧客", "overview.repeatRate": "リピート率",
    "overview.aov": "平均注文単価", "overview.target": "目標 {value}", "overview.monthly": "{month} の実績",
    "overview.chart": "月別売上（新規・リピート）", "overview.allTime": "累計",
  },
  en: {
    "nav.overview": "Overview", "overview.title": "Overview", "overview.sales": "Sales", "overview.newSales": "New-customer sales", "overview.repeatSales": "Repeat sales",
    "overview.activeCustomers": "Active customers", "overview.newCustomers": "New customers", "overview.repeatRate": "Repeat rate",
    "overview.aov": "Average order value", "overview.target": "Target {value}", "overview.monthly": "{month}",
    "overview.chart": "Monthly sales (new and repeat)", "overview.allTime": "All time",
  },
});

definePage({
  path: "overview",
  nav: { order: 10, label: "nav.overview" },
  async render(ctx) {
    const [data, summary, fresh] = await Promise.all([
      api("reports/kpis", { signal: ctx.signal }), api("reports/summary", { signal: ctx.signal }), api("reports/freshness", { signal: ctx.signal })]);
    const header = pageHeader(t("overview.title"), { note: freshnessNote(fresh) });
    if (!data || !data.months || data.months.length === 0) return [header, emptyState()];
    const currency = data.currency || "JPY";
    const last = data.months[data.months.length - 1];
    const target = (kpi, format) => {
      const x = (data.targets || []).find((g) => g.kpi === kpi && g.month === last.month);
      return x ? { text: t("overview.target", { value: format(x.value) }), progress: x.progress } : undefined;
    };
    const yen = (v) => money(v, currency);
    return [header,
      section(t("overview.monthly", { month: month(last.month) }), el("div", { class: "cards", "data-testid": "kpis" },
        kpiCard({ label: t("overview.sales"), value: yen(last.sales), partial: !last.complete, target: target("sales", yen), href: href("overview"), kpi: "sales" }),
        kpiCard({ label: t("overview.newSales"), value: yen(last.newSales), partial: !last.complete, href: href("cohorts"), kpi: "newSales" }),
        kpiCard({ label: t("overview.repeatSales"), value: yen(last.repeatSales), partial: !last.complete, href: href("rfm"), kpi: "repeatSales" }),
        kpiCard({ label: t("common.orders"), value: num(last.orders), partial: !last.complete, target: target("orders", num), kpi: "orders" }),
        kpiCard({ label: t("overview.activeCustomers"), value: num(last.activeCustomers), partial: !last.complete, href: href("rfm"), kpi: "activeCustomers" }),
        kpiCard({ label: t("overview.newCustomers"), value: num(last.newCustomers), partial: !last.complete, target: target("newCustomers", num), href: href("cohorts"), kpi: "newCustomers" }),
        kpiCard({ label: t("overview.repeatRate"), value: pct(last.repeatRate), partial: !last.complete, target: target("repeatRate", pct), href: href("rfm"), kpi: "repeatRate" }),
        kpiCard({ label: t("overview.aov"), value: data.months.length ? yen(last.aov) : "—", partial: !last.complete, href: href("products"), kpi: "aov" })), { id: "kpis" }),
      summary ? section(t("overview.allTime"), el("div", { class: "cards", "data-testid": "summary" },
        kpiCard({ label: t("common.customers"), value: num(summary.customers) }),
        kpiCard({ label: t("common.orders"), value: num(summary.orders) }),
        kpiCard({ label: t("common.revenue"), value: money(summary.revenue, summary.currency || currency) })), { id: "summary" }) : null,
      section(t("overview.chart"), chart(ctx, {
        type: "bar",
        data: { labels: data.months.map((m) => month(m.month, { short: true })), datasets: [
          { label: t("overview.newSales"), data: data.months.map((m) => m.newSales), backgroundColor: COLORS.blue },
          { label: t("overview.repeatSales"), data: data.months.map((m) => m.repeatSales), backgroundColor: COLORS.green }] },
        options: { scales: { x: { stacked: true }, y: { stacked: true, ...moneyAxis(currency) } },
          plugins: { tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${yen(item.raw)}` } } } },
      }, { label: t("overview.chart"), testId: "monthly-chart", size: "lg",
        table: { headers: [t("overview.chart"), t("overview.newSales"), t("overview.repeatSales")], rows: data.months.map((m) => [month(m.month), yen(m.newSales), yen(m.repeatSales)]) } }), { id: "monthly" })];
  },
});
