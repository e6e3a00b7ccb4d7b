// 概要: a month's KPIs with 前月比 and 前年同月比 (the month still under way marked as such; each card links to the page
// that explains it), F2 転換率 of the latest observable month, LTV (12 months) of the latest cohort that has had them,
// targets with progress (set here, per month: 目標を設定), and the monthly new / repeat revenue chart with a ￥ axis; then 次の一手 (ranked actions with
// their measured basis, one click from a card into the builder on its preset) and the shop's CLV backtest (predicted
// beside actual holdout purchases), both loaded apart so the KPIs never wait for the predictions.
import { definePage, flash, href } from "../lib/router.js";
import { addTexts, pick, t } from "../lib/i18n.js";
import { el, field, replace, select } from "../lib/dom.js";
import { api } from "../lib/api.js";
import { day, money, month, num, pct, ratioChange } from "../lib/format.js";
import { chart, COLORS, countAxis, moneyAxis } from "../components/chart.js";
import { dataTable } from "../components/data-table.js";
import { kpiCard } from "../components/kpi-card.js";
import { emptyState, errorState, facts, freshnessNote, loadingState, otherCurrencies, pageHeader, section } from "../components/states.js";

addTexts({
  ja: {
    "nav.overview": "概要", "overview.title": "概要", "overview.sales": "売上", "overview.newSales": "新規売上", "overview.repeatSales": "リピート売上",
    "overview.activeCustomers": "アクティブ顧客", "overview.newCustomers": "新規顧客", "overview.repeatRate": "リピート率",
    "overview.aov": "平均注文単価", "overview.target": "目標 {value}", "overview.monthly": "{month} の実績", "overview.monthlyPartial": "{month} の実績（月途中・{asOf} まで）",
    "overview.chart": "月別売上（新規・リピート）", "overview.allTime": "累計", "overview.month": "対象月", "overview.partialOption": "{month}（途中）",
    "overview.mom": "前月比", "overview.yoy": "前年同月比", "overview.partialNote": "月の途中の数値を、前月・前年同月の 1 か月分と比べています。",
    "overview.f2": "F2 転換率（90日）", "overview.f2Sub": "{month} の新規顧客のうち 90 日以内に 2 回目を購入した割合",
    "overview.ltv12": "LTV（12 か月）", "overview.ltvSub": "{month} に初回購入した顧客 1 人あたりの 12 か月後までの購入額",
    "overview.forecast": "月末見込み {value}", "overview.lifetime": "長期の指標",
    "report.previousDay": "{day} 時点の集計です（今日の集計は計算中です）",
    "next.title": "次の一手", "next.none": "いま提案できる施策はありません。", "next.who": "対象", "next.count": "{members} 人（届く {reachable} 人）",
    "next.preset": "プリセット", "next.why": "根拠", "next.expected": "見込み", "next.create": "プリセットからシナリオを作成",
    "backtest.title": "予測の信頼度（CLV バックテスト）", "backtest.calibration": "学習期間", "backtest.holdout": "検証期間",
    "backtest.chart": "検証期間の購入回数: 予測と実績（学習期間のリピート回数別）", "backtest.predicted": "予測", "backtest.actual": "実績",
    "backtest.x": "学習期間のリピート回数", "backtest.purchases": "検証期間の購入回数", "backtest.all": "合計", "backtest.revenue": "検証期間の売上",
    "target.edit": "{month} の目標を設定", "target.kpi": "指標", "target.value": "目標値", "target.save": "目標を保存", "target.remove": "この目標を外す",
    "target.saved": "{month} の「{kpi}」の目標を {value} にしました。", "target.removed": "{month} の「{kpi}」の目標を外しました。",
    "target.unit.count": "件・人", "target.unit.pct": "%", "target.unit.yen": "円", "target.current": "現在の目標: {value}", "target.none": "この月の目標はまだありません。",
  },
  en: {
    "nav.overview": "Overview", "overview.title": "Overview", "overview.sales": "Sales", "overview.newSales": "New-customer sales", "overview.repeatSales": "Repeat sales",
    "overview.activeCustomers": "Active customers", "overview.newCustomers": "New customers", "overview.repeatRate": "Repeat rate",
    "overview.aov": "Average order value", "overview.target": "Target {value}", "overview.monthly": "{month}", "overview.monthlyPartial": "{month} (month to date, through {asOf})",
    "overview.chart": "Monthly sales (new and repeat)", "overview.allTime": "All time", "overview.month": "Month", "overview.partialOption": "{month} (to date)",
    "overview.mom": "vs last month", "overview.yoy": "vs a year ago", "overview.partialNote": "Month-to-date figures compared with the whole previous month and the whole month a year ago.",
    "overview.f2": "F2 conversion (90 days)", "overview.f2Sub": "Share of {month}'s new customers who ordered again within 90 days",
    "overview.ltv12": "LTV (12 months)", "overview.ltvSub": "Spent per customer who first ordered in {month}, over 12 months",
    "overview.forecast": "Month-end pace {value}", "overview.lifetime": "Long-run measures",
    "report.previousDay": "Figures as of {day} (today's are still being computed)",
    "next.title": "Next steps", "next.none": "No action to suggest right now.", "next.who": "Who", "next.count": "{members} customers ({reachable} reachable)",
    "next.preset": "Preset", "next.why": "Why", "next.expected": "Expected", "next.create": "Create the scenario from the preset",
    "backtest.title": "How far to trust the predictions (CLV backtest)", "backtest.calibration": "Calibration", "backtest.holdout": "Holdout",
    "backtest.chart": "Holdout purchases: predicted and actual, by repeat purchases in calibration", "backtest.predicted": "Predicted", "backtest.actual": "Actual",
    "backtest.x": "Repeat purchases in calibration", "backtest.purchases": "Purchases in the holdout", "backtest.all": "All", "backtest.revenue": "Holdout revenue",
    "target.edit": "Set targets for {month}", "target.kpi": "Measure", "target.value": "Target", "target.save": "Save the target", "target.remove": "Remove this target",
    "target.saved": "Target for {kpi} in {month} set to {value}.", "target.removed": "Target for {kpi} in {month} removed.",
    "target.unit.count": "count", "target.unit.pct": "%", "target.unit.yen": "yen", "target.current": "Current target: {value}", "target.none": "No target for this month yet.",
  },
});

/** The month n months before "2026-12" as "YYYY-MM". */
const monthBefore = (text, n) => {
  const [y, m] = text.split("-").map(Number);
  const d = new Date(Date.UTC(y, m - 1 - n, 1));
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, "0")}`;
};

/** The latest entry whose value is known, with the one a step (months) before it. */
function latestKnown(items, value, step) {
  for (let i = items.length - 1; i >= 0; i--) {
    const v = value(items[i]);
    if (v !== null && v !== undefined) {
      const before = items.find((x) => x.month === monthBefore(items[i].month, step));
      return { item: items[i], value: v, before: before ? value(before) : null };
    }
  }
  return null;
}

/** The cohort's cumulative LTV at 12 months, whichever shape the report has (m12, or months[k = 12]). */
const ltv12 = (c) => (Array.isArray(c.months) ? (c.months.find((x) => x.k === 12) || {}).ltv ?? null : c.ltv ? c.ltv.m12 ?? null : null);

definePage({
  path: "overview",
  nav: { order: 10, label: "nav.overview" },
  async render(ctx) {
    const [data, summary, cohorts, fresh] = await Promise.all([
      api("reports/kpis", { signal: ctx.signal }), api("reports/summary", { signal: ctx.signal }),
      api("reports/cohorts", { signal: ctx.signal }), api("reports/freshness", { signal: ctx.signal })]);
    const header = pageHeader(t("overview.title"), { note: freshnessNote(fresh) });
    if (!data || !data.months || data.months.length === 0) return [header, emptyState()];
    const currency = data.currency || "JPY";
    const yen = (v) => money(v, currency);
    const months = data.months;
    const byMonth = new Map(months.map((m) => [m.month, m]));
    const latest = months[months.length - 1];
    const lastComplete = [...months].reverse().find((m) => m.complete) || latest;
    const chosen = byMonth.get(ctx.params.get("month")) || lastComplete;

    const picker = select(months.slice().reverse().map((m) => [m.month, m.complete ? month(m.month) : t("overview.partialOption", { month: month(m.month) })]),
      chosen.month, { id: "overview-month" });
    picker.addEventListener("change", () => { ctx.setParams({ month: picker.value }); ctx.reload(); });

    const cards = (m) => {
      const prev = byMonth.get(monthBefore(m.month, 1));
      const yearAgo = byMonth.get(monthBefore(m.month, 12));
      const vs = (kpi, rate) => [prev, yearAgo].map((o, i) => {
        const label = t(i === 0 ? "overview.mom" : "overview.yoy");
        const note = m.complete ? null : t("overview.partialNote");
        if (!o) return { label, ratio: null, note };
        return rate ? { label, diff: m[kpi] === null || o[kpi] === null ? null : m[kpi] - o[kpi], note } : { label, ratio: ratioChange(m[kpi], o[kpi]), note };
      });
      const target = (kpi, format) => {
        const x = (data.targets || []).find((g) => g.kpi === kpi && g.month === m.month);
        return x ? { text: t("overview.target", { value: format(x.value) }), progress: x.progress, forecast: pace(kpi, format) } : undefined;
      };
      // A month under way: where the sum ends at this pace (days elapsed in Tokyo over days in the month).
      const pace = (kpi, format) => {
        if (m.complete || !["sales", "orders", "newCustomers"].includes(kpi) || !data.asOf) return undefined;
        const [y, mo] = m.month.split("-").map(Number);
        const elapsed = Number(data.asOf.slice(8, 10));
        const length = new Date(Date.UTC(y, mo, 0)).getUTCDate();
        return elapsed > 0 ? t("overview.forecast", { value: format(Math.round((m[kpi] * length) / elapsed)) }) : undefined;
      };
      const partial = !m.complete;
      return el("div", { class: "cards", "data-testid": "kpis" },
        kpiCard({ label: t("overview.sales"), value: yen(m.sales), partial, comparisons: vs("sales"), target: target("sales", yen), href: href("products"), kpi: "sales" }),
        kpiCard({ label: t("overview.newSales"), value: yen(m.newSales), partial, comparisons: vs("newSales"), target: target("newSales", yen), href: href("cohorts"), kpi: "newSales" }),
        kpiCard({ label: t("overview.repeatSales"), value: yen(m.repeatSales), partial, comparisons: vs("repeatSales"), target: target("repeatSales", yen), href: href("rfm"), kpi: "repeatSales" }),
        kpiCard({ label: t("common.orders"), value: num(m.orders), partial, comparisons: vs("orders"), target: target("orders", num), href: href("products"), kpi: "orders" }),
        kpiCard({ label: t("overview.activeCustomers"), value: num(m.activeCustomers), partial, comparisons: vs("activeCustomers"), target: target("activeCustomers", num), href: href("rfm"), kpi: "activeCustomers" }),
        kpiCard({ label: t("overview.newCustomers"), value: num(m.newCustomers), partial, comparisons: vs("newCustomers"), target: target("newCustomers", num), href: href("cohorts"), kpi: "newCustomers" }),
        kpiCard({ label: t("overview.repeatRate"), value: pct(m.repeatRate), partial, comparisons: vs("repeatRate", true), target: target("repeatRate", pct), href: href("rfm"), kpi: "repeatRate" }),
        kpiCard({ label: t("overview.aov"), value: yen(m.aov), partial, comparisons: vs("aov"), target: target("aov", yen), href: href("products"), kpi: "aov" }));
    };

    // F2 is known for a month once its every new customer has had 90 days; LTV (12 months) once its cohort has had 12.
    const f2 = latestKnown(months, (m) => (m.f2 ? m.f2.within90 : null), 1);
    const f2Year = f2 ? byMonth.get(monthBefore(f2.item.month, 12)) : null;
    const cohortList = ((cohorts && cohorts.cohorts) || []).map((c) => ({ ...c, month: c.month }));
    const ltv = latestKnown(cohortList, ltv12, 1);
    const ltvYear = ltv ? cohortList.find((c) => c.month === monthBefore(ltv.item.month, 12)) : null;
    const ltvCurrency = (cohorts && cohorts.currency) || currency;
    const lifetime = el("div", { class: "cards", "data-testid": "lifetime" },
      kpiCard({ label: t("overview.f2"), value: f2 ? pct(f2.value) : "—", sub: f2 ? t("overview.f2Sub", { month: month(f2.item.month) }) : null, href: href("cohorts"), kpi: "f2Within90",
        comparisons: f2 ? [{ label: t("overview.mom"), diff: f2.before === null ? null : f2.value - f2.before },
          { label: t("overview.yoy"), diff: f2Year && f2Year.f2 && f2Year.f2.within90 !== null ? f2.value - f2Year.f2.within90 : null }] : [],
        target: (() => { const x = f2 && (data.targets || []).find((g) => g.kpi === "f2Within90" && g.month === f2.item.month); return x ? { text: t("overview.target", { value: pct(x.value) }), progress: x.progress } : undefined; })() }),
      kpiCard({ label: t("overview.ltv12"), value: ltv ? money(ltv.value, ltvCurrency) : "—", sub: ltv ? t("overview.ltvSub", { month: month(ltv.item.month) }) : null, href: href("cohorts"), kpi: "ltv12",
        comparisons: ltv ? [{ label: t("overview.mom"), ratio: ratioChange(ltv.value, ltv.before) }, { label: t("overview.yoy"), ratio: ltvYear ? ratioChange(ltv.value, ltv12(ltvYear)) : null }] : [] }),
      summary ? kpiCard({ label: `${t("common.customers")}（${t("overview.allTime")}）`, value: num(summary.customers), href: href("customers"), kpi: "customers" }) : null,
      summary ? kpiCard({ label: `${t("common.orders")}（${t("overview.allTime")}）`, value: num(summary.orders), href: href("products"), kpi: "allOrders" }) : null,
      summary ? kpiCard({ label: `${t("common.revenue")}（${t("overview.allTime")}）`, value: money(summary.revenue, summary.currency || currency), href: href("cohorts"), kpi: "revenue" }) : null);

    const label = (m) => (m.complete ? month(m.month, { short: true }) : t("overview.partialOption", { month: month(m.month, { short: true }) }));
    const shown = months.slice(-24);
    return [header,
      el("form", { class: "toolbar", onsubmit: (e) => e.preventDefault() }, field(t("overview.month"), picker)),
      section(chosen.complete ? t("overview.monthly", { month: month(chosen.month) }) : t("overview.monthlyPartial", { month: month(chosen.month), asOf: day(data.asOf) }),
        [cards(chosen), otherCurrencies(chosen.otherCurrencies, { testId: "kpi-other-currencies", amount: (o) => o.sales }), targetEditor(ctx, chosen.month, data.targets, currency)], { id: "kpis" }),
      section(t("overview.lifetime"), [lifetime, summary ? otherCurrencies(summary.otherCurrencies, { testId: "summary-other-currencies" }) : null], { id: "lifetime" }),
      section(t("overview.chart"), chart(ctx, {
        type: "bar",
        data: { labels: shown.map(label), datasets: [
          { label: t("overview.newSales"), data: shown.map((m) => m.newSales), backgroundColor: COLORS.blue },
          { label: t("overview.repeatSales"), data: shown.map((m) => m.repeatSales), backgroundColor: COLORS.green }] },
        options: { scales: { x: { stacked: true }, y: { stacked: true, ...moneyAxis(currency) } },
          plugins: { tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${yen(item.raw)}` } } } },
      }, { label: t("overview.chart"), testId: "monthly-chart", size: "lg",
        table: { headers: [t("overview.month"), t("overview.newSales"), t("overview.repeatSales")], rows: shown.map((m) => [label(m), yen(m.newSales), yen(m.repeatSales)]) } }), { id: "monthly" }),
      later(ctx, t("next.title"), { id: "next-actions", testId: "next-actions" }, (c) => nextActions(c, fresh)),
      later(ctx, t("backtest.title"), { id: "backtest", testId: "backtest" }, (c) => backtest(c, fresh))];
  },
});

// The KPIs a target can be set on (PUT /api/reports/targets), with the card label each goes by and how its value reads.
const TARGETS = [["sales", "overview.sales", "money"], ["newSales", "overview.newSales", "money"], ["repeatSales", "overview.repeatSales", "money"],
  ["orders", "common.orders", "count"], ["activeCustomers", "overview.activeCustomers", "count"], ["newCustomers", "overview.newCustomers", "count"],
  ["repeatRate", "overview.repeatRate", "pct"], ["aov", "overview.aov", "money"], ["f2Within90", "overview.f2", "pct"]];

/** 目標を設定: a month's target for one KPI, typed as the card shows it (￥, a count, or %), saved or removed, then the cards drawn again. */
function targetEditor(ctx, monthText, targets, currency) {
  const kindOf = (kpi) => TARGETS.find((x) => x[0] === kpi)[2];
  const labelOf = (kpi) => t(TARGETS.find((x) => x[0] === kpi)[1]);
  const shown = (kpi, v) => (kindOf(kpi) === "money" ? money(v, currency) : kindOf(kpi) === "pct" ? pct(v) : num(v));
  const kpi = select(TARGETS.map(([k, label]) => [k, t(label)]), "sales", { id: "target-kpi" });
  const value = el("input", { type: "number", id: "target-value", min: "0", step: "any", required: true, class: "small-number" });
  const current = el("p", { class: "hint", "data-testid": "target-current" });
  const status = el("p", { role: "status", class: "status-line", "data-testid": "target-status" });
  const unit = () => (kindOf(kpi.value) === "money" ? (currency === "JPY" ? t("target.unit.yen") : currency) : t(kindOf(kpi.value) === "pct" ? "target.unit.pct" : "target.unit.count"));
  const existing = () => (targets || []).find((g) => g.kpi === kpi.value && g.month === monthText);
  const sync = () => {
    const x = existing();
    const kind = kindOf(kpi.value);
    value.value = x ? String(kind === "pct" ? Math.round(x.value * 10000) / 100 : x.value) : "";
    current.textContent = x ? t("target.current", { value: shown(kpi.value, x.value) }) : t("target.none");
  };
  kpi.addEventListener("change", sync);
  sync();
  const put = async (v) => {
    try {
      await api("reports/targets", { method: "PUT", body: [{ kpi: kpi.value, month: monthText, value: v }] });
      flash(v === null ? t("target.removed", { month: month(monthText), kpi: labelOf(kpi.value) }) : t("target.saved", { month: month(monthText), kpi: labelOf(kpi.value), value: shown(kpi.value, v) }));
      ctx.reload();
    } catch (e) {
      replace(status, errorState(e));
    }
  };
  const form = el("form", { class: "form-grid", onsubmit: async (e) => {
    e.preventDefault();
    const n = Number(value.value);
    await put(kindOf(kpi.value) === "pct" ? n / 100 : n);
  } },
  field(t("target.kpi"), kpi), field(t("target.value"), value, { hint: unit() }), current,
  el("div", { class: "form-actions" }, el("button", { type: "submit", text: t("target.save") }),
    el("button", { type: "button", class: "secondary", onclick: () => put(null), text: t("target.remove") })));
  // The hint under the value follows the chosen KPI's unit.
  kpi.addEventListener("change", () => { const hint = form.querySelector(".field-hint"); if (hint) hint.textContent = unit(); });
  return el("details", { class: "target-editor", "data-testid": "target-editor" }, el("summary", { text: t("target.edit", { month: month(monthText) }) }), form, status);
}

/** A section drawn once its data has come (the predictions can take longer than the KPIs): loading, then content or the error. */
function later(ctx, title, options, draw) {
  const body = el("div", {}, loadingState());
  draw(ctx).then((content) => replace(body, content), (e) => { if (!ctx.signal.aborted) replace(body, errorState(e)); });
  return section(title, body, options);
}

/**
 * While the day's report pass runs, 次の一手 and the backtest are answered from yesterday's report: the section says
 * which day its figures are from. "Today" is the server's (freshness.today, the shop's day on its clock), not the
 * browser's. Nothing when the report is today's, or when precomputing is off (no freshness: always computed for today).
 */
function reportDay(asOf, fresh) {
  if (!asOf || !fresh || !fresh.today || asOf === fresh.today) return null;
  return el("p", { class: "freshness", role: "status", "data-testid": "report-day", text: t("report.previousDay", { day: asOf }) });
}

// 次の一手: up to five ranked cards; the button saves the card's segment, then opens the builder on the preset.
async function nextActions(ctx, fresh) {
  // The preset by the name the builder shows it under, not its id (the id stays in a data attribute).
  const [plan, presets] = await Promise.all([api("reports/next-actions", { signal: ctx.signal }), api("scenarios/builder/presets", { signal: ctx.signal })]);
  const presetName = (id) => { const p = (presets || []).find((x) => x.preset.id === id); return p ? pick(p.preset.name) : id; };
  const dayNote = reportDay(plan && plan.asOf, fresh);
  if (!plan || !plan.actions || plan.actions.length === 0) return [dayNote, plan ? el("p", { class: "hint", text: pick(plan.about) }) : null, emptyState(t("next.none"))];
  const status = el("p", { role: "status", class: "status-line" });
  const create = (action) => async (e) => {
    e.target.disabled = true;
    try {
      await api("segments", { method: "POST", body: action.draft.segment });
      location.hash = `${action.draft.dashboardPath}&from=overview`;
    } catch (error) {
      e.target.disabled = false;
      replace(status, errorState(error));
    }
  };
  return [dayNote, el("p", { class: "hint", text: pick(plan.about) }), status,
    el("div", { class: "action-cards" }, plan.actions.map((a) =>
      el("article", { class: "card action", "data-testid": "next-action", "data-action": a.id, "aria-labelledby": `action-${a.id}` },
        el("h3", { id: `action-${a.id}`, text: `${a.rank}. ${pick(a.title)}` }),
        el("p", { class: "basis", "data-basis": a.basis, text: pick(a.basisLabel) }),
        facts([
          [t("next.who"), el("span", { "data-testid": "who", text: `${pick(a.segmentName)} — ${t("next.count", { members: num(a.members), reachable: num(a.reachable) })}` })],
          [t("next.preset"), el("span", { "data-testid": "preset", "data-preset": a.presetId, text: presetName(a.presetId) })],
          [t("next.why"), el("span", { "data-testid": "why", text: pick(a.why) })],
          [t("next.expected"), el("span", { "data-testid": "expected", text: pick(a.expectedText) })]]),
        el("button", { type: "button", onclick: create(a), text: t("next.create") }))))];
}

// The shop's backtest: predicted beside actual holdout purchases by calibration repeat count, as a chart and its table.
async function backtest(ctx, fresh) {
  const data = await api("reports/clv/backtest", { signal: ctx.signal });
  const b = data && data.backtest;
  const dayNote = reportDay(data && data.asOf, fresh);
  if (!b) return [dayNote, emptyState(data ? pick(data.unavailable) : undefined)];
  // purchaseError = (predicted − actual) / actual, as the trust sentence says it.
  const error = b.purchaseError;
  const total = b.predictedHoldoutPurchases === null || b.predictedHoldoutPurchases === undefined ? "—"
    : `${num(b.predictedHoldoutPurchases, 1)}${error === null || error === undefined ? "" : `（${error >= 0 ? "+" : "−"}${(Math.abs(error) * 100).toFixed(1)}%）`}`;
  const rows = [...b.byFrequency.map((r) => ({ label: r.label, customers: num(r.customers), predicted: num(r.predicted, 1), actual: num(r.actual) })),
    { label: t("backtest.all"), customers: num(b.customers), predicted: total, actual: num(b.actualHoldoutPurchases) }];
  return [dayNote,
    el("p", { class: "trust", "data-testid": "trust", "data-level": (b.trust && b.trust.level) || "", text: pick(b.trust && b.trust.statement) }),
    el("p", { class: "hint", text: `${t("backtest.calibration")} 〜${b.calibrationEnd} / ${t("backtest.holdout")} 〜${b.holdoutEnd} — ${pick(data.splitRule)}` }),
    chart(ctx, {
      type: "bar",
      data: { labels: b.byFrequency.map((r) => r.label), datasets: [
        { label: t("backtest.predicted"), data: b.byFrequency.map((r) => r.predicted), backgroundColor: COLORS.blue },
        { label: t("backtest.actual"), data: b.byFrequency.map((r) => r.actual), backgroundColor: COLORS.orange }] },
      options: { scales: { x: { title: { display: true, text: t("backtest.x") } }, y: { ...countAxis(), title: { display: true, text: t("backtest.purchases") } } } },
    }, { label: t("backtest.chart"), testId: "backtest-chart" }),
    // The chart's figures, the total last with its error against the actual (kept in this order: not sortable).
    dataTable({
      caption: t("backtest.chart"), dense: true, testId: "backtest-table",
      columns: [
        { key: "label", label: t("backtest.x"), sortable: false },
        { key: "customers", label: t("common.customers"), type: "number", sortable: false, format: (r) => r.customers },
        { key: "predicted", label: t("backtest.predicted"), type: "number", sortable: false, format: (r) => r.predicted },
        { key: "actual", label: t("backtest.actual"), type: "number", sortable: false, format: (r) => r.actual }],
      rows,
    }),
    b.predictedHoldoutRevenue === null || b.predictedHoldoutRevenue === undefined ? null : el("p", { "data-testid": "backtest-revenue",
      text: `${t("backtest.revenue")}: ${t("backtest.predicted")} ${money(b.predictedHoldoutRevenue, b.currency)} / ${t("backtest.actual")} ${money(b.actualHoldoutRevenue, b.currency)}` })];
}
