// 商品分析: which first products bring customers who come back (entry products: continuation, F2, LTV), how long
// customers take to buy again, which product leads to which, and what is bought together (sorted by lift).
// Products are shown by name with their SKU beside (the API groups by SKU and sends the names with the report).
import { definePage } from "../lib/router.js";
import { addTexts, t } from "../lib/i18n.js";
import { el } from "../lib/dom.js";
import { api } from "../lib/api.js";
import { days, money, num, pct } from "../lib/format.js";
import { chart, COLORS, countAxis, moneyAxis, pctAxis } from "../components/chart.js";
import { dataTable } from "../components/data-table.js";
import { emptyState, freshnessNote, pageHeader, section } from "../components/states.js";

addTexts({
  ja: {
    "nav.products": "商品", "products.title": "商品分析",
    "products.lead": "どの商品から買い始めた顧客が定着するか（入口商品）、2 回目の購入までの日数、商品から商品への移り変わり、一緒に買われる組み合わせです。",
    "products.entry": "入口商品分析（初回購入商品ごと）", "products.entryLead": "初回の注文に含まれていた商品ごとの顧客の定着と価値です。複数商品の初回注文は、それぞれの商品に数えます。",
    "products.product": "商品", "products.customers": "顧客数", "products.repeaters": "リピーター", "products.continuation": "継続率",
    "products.f2": "F2 転換率 (90日)", "products.avgOrders": "平均購入回数", "products.ltv": "LTV（現在まで）", "products.ltv365": "LTV（1 年）",
    "products.ltvChart": "入口商品別 LTV（1 年、上位 10 商品）", "products.f2Chart": "入口商品別 F2 転換率（90日、上位 10 商品）",
    "products.days": "2 回目購入までの日数", "products.daysLead": "2 回目を購入した {n} 人の、初回から 2 回目までの日数の分布です。中央値 {median}（四分位 {q1}〜{q3}）。",
    "products.daysCustomers": "人数", "products.bucket": "日数",
    "products.conversion": "商品転換（前回の購入 → 次の購入）", "products.from": "前回の商品", "products.to": "次の商品", "products.count": "人数",
    "products.medianDays": "日数（中央値）", "products.quartiles": "日数（四分位）",
    "products.basket": "バスケット分析（同時購入、リフト順）", "products.basketLead": "支持度 = 両方を含む注文の割合、確信度 A→B = A を含む注文のうち B も含む割合、リフト = 1 より大きいほど偶然より一緒に買われています。",
    "products.productA": "商品 A", "products.productB": "商品 B", "products.orders": "同時購入の注文数", "products.support": "支持度",
    "products.confidenceAB": "確信度 A→B", "products.confidenceBA": "確信度 B→A", "products.lift": "リフト",
    "products.days.bucket": "{from}〜{to}日", "products.days.open": "{from}日以上",
  },
  en: {
    "nav.products": "Products", "products.title": "Products",
    "products.lead": "Which first products bring customers who stay (entry products), how long customers take to order again, which product leads to which, and what is bought together.",
    "products.entry": "Entry products (by first-order product)", "products.entryLead": "How the customers whose first order contained a product stayed and what they are worth. A first order with several products counts for each.",
    "products.product": "Product", "products.customers": "Customers", "products.repeaters": "Repeaters", "products.continuation": "Continuation",
    "products.f2": "F2 conversion (90 days)", "products.avgOrders": "Average orders", "products.ltv": "LTV so far", "products.ltv365": "LTV (1 year)",
    "products.ltvChart": "LTV (1 year) by entry product, top 10", "products.f2Chart": "F2 conversion (90 days) by entry product, top 10",
    "products.days": "Days to the second order", "products.daysLead": "How many days the {n} customers with a second order took after their first: median {median} (quartiles {q1} to {q3}).",
    "products.daysCustomers": "Customers", "products.bucket": "Days",
    "products.conversion": "Product conversion (one order → the next)", "products.from": "Product bought", "products.to": "Next product", "products.count": "Customers",
    "products.medianDays": "Days (median)", "products.quartiles": "Days (quartiles)",
    "products.basket": "Basket analysis (bought together, by lift)", "products.basketLead": "Support = share of orders with both; confidence A→B = share of orders with A that also have B; lift above 1 = bought together more often than by chance.",
    "products.productA": "Product A", "products.productB": "Product B", "products.orders": "Orders with both", "products.support": "Support",
    "products.confidenceAB": "Confidence A→B", "products.confidenceBA": "Confidence B→A", "products.lift": "Lift",
    "products.days.bucket": "{from}–{to} days", "products.days.open": "{from}+ days",
  },
});

/** "こづち 薬用ローション 150mL" with its SKU beside, or the key alone when the report has no name for it. */
export function productCell(key, names) {
  const name = names && names[key];
  if (!name || name === key) return el("span", { class: "product", text: key });
  return el("span", { class: "product" }, el("span", { text: name }), " ", el("code", { class: "sku", text: key }));
}
const productText = (key, names) => (names && names[key] && names[key] !== key ? `${names[key]} (${key})` : key);
// A bar's label on two lines rather than cut at one: "こづち 薬用ローション 150mL 4本セット" and "… 7本セット" cut at
// 17 characters read the same. The break goes at the last space within the first line when there is one.
const shortName = (key, names) => {
  const text = (names && names[key]) || key;
  if (text.length <= 18) return text;
  const space = text.lastIndexOf(" ", 18);
  const cut = space >= 6 ? space : 16;
  const rest = text.slice(cut).trim();
  return [text.slice(0, cut).trim(), rest.length > 18 ? `${rest.slice(0, 17)}…` : rest];
};

definePage({
  path: "products",
  nav: { order: 70, label: "nav.products" },
  async render(ctx) {
    const [entry, conversion, basket, productNames, fresh] = await Promise.all([
      api("reports/products/entry", { signal: ctx.signal }),
      api("reports/products/conversion?top=1000", { signal: ctx.signal }),
      api("reports/products/basket?top=1000", { signal: ctx.signal }),
      api("reports/products/names", { signal: ctx.signal }),
      api("reports/freshness", { signal: ctx.signal })]);
    const names = { ...productNames };
    const currency = (entry && entry.currency) || "JPY";
    const header = pageHeader(t("products.title"), { lead: t("products.lead"), note: freshnessNote(fresh) });
    const entryRows = (entry && entry.rows) || [];
    if (entryRows.length === 0) return [header, emptyState()];

    const top = [...entryRows].filter((g) => g.ltv365 !== null && g.ltv365 !== undefined).sort((a, b) => b.customers - a.customers).slice(0, 10)
      .sort((a, b) => b.ltv365 - a.ltv365);
    const topF2 = [...entryRows].filter((g) => g.f2Within90 !== null && g.f2Within90 !== undefined).sort((a, b) => b.customers - a.customers).slice(0, 10)
      .sort((a, b) => b.f2Within90 - a.f2Within90);
    const bar = (rows, value, axis, color, label, testId, show) => chart(ctx, {
      type: "bar",
      data: { labels: rows.map((g) => shortName(g.group, names)), datasets: [{ label, data: rows.map(value), backgroundColor: color }] },
      // Every bar named: Chart.js skips labels that do not fit, and two-line names need the taller box.
      options: { indexAxis: "y", scales: { x: axis, y: { ticks: { autoSkip: false } } }, plugins: { legend: { display: false }, tooltip: { callbacks: { title: (items) => productText(rows[items[0].dataIndex].group, names), label: (item) => show(item.raw) } } } },
    }, { label, size: "lg", testId, table: { headers: [t("products.product"), label], rows: rows.map((g) => [productText(g.group, names), show(value(g))]) } });

    const d = conversion && conversion.daysToSecond;
    const bucketLabel = (b) => (b.toDays === null || b.toDays === undefined ? t("products.days.open", { from: b.fromDays }) : t("products.days.bucket", { from: b.fromDays, to: b.toDays }));
    const daysSection = d && d.customers ? section(t("products.days"), [
      el("p", { class: "hint", "data-testid": "days-summary", text: t("products.daysLead", { n: num(d.customers), median: days(d.days.median, 0), q1: days(d.days.q1, 0), q3: days(d.days.q3, 0) }) }),
      chart(ctx, {
        type: "bar",
        data: { labels: d.buckets.map(bucketLabel), datasets: [{ label: t("products.daysCustomers"), data: d.buckets.map((b) => b.customers), backgroundColor: COLORS.teal }] },
        options: { scales: { y: countAxis() }, plugins: { legend: { display: false }, tooltip: { callbacks: { label: (item) => `${num(item.raw)}（${pct(d.buckets[item.dataIndex].share)}）` } } } },
      }, { label: t("products.days"), size: "sm", testId: "days-chart", table: { headers: [t("products.bucket"), t("products.daysCustomers")], rows: d.buckets.map((b) => [bucketLabel(b), `${num(b.customers)}（${pct(b.share)}）`]) } }),
    ], { id: "days" }) : null;

    return [header,
      section(t("products.entry"), [
        dataTable({
          testId: "entry-products", caption: t("products.entry"), sort: { key: "customers", dir: "desc" },
          csv: { filename: "entry-products" },
          columns: [
            { key: "group", label: t("products.product"), format: (g) => productCell(g.group, names), value: (g) => productText(g.group, names) },
            { key: "customers", label: t("products.customers"), type: "number" },
            { key: "repeaters", label: t("products.repeaters"), type: "number" },
            { key: "continuationRate", label: t("products.continuation"), type: "pct" },
            { key: "f2Within90", label: t("products.f2"), type: "pct" },
            { key: "averageOrders", label: t("products.avgOrders"), type: "measure" },
            { key: "ltv", label: t("products.ltv"), type: "money", currency: () => currency },
            { key: "ltv365", label: t("products.ltv365"), type: "money", currency: () => currency },
            ...(entryRows.some((g) => g.otherCurrencies && g.otherCurrencies.length) ? [{ key: "otherCurrencies", label: t("common.otherCurrencies"), sortable: false, value: (g) => (g.otherCurrencies || []).map((o) => `${money(o.ltv, o.currency)} (${num(o.customers)}${t("common.customersUnit")})`).join(" · ") },] : []),
          ],
          rows: entryRows,
        }),
      ], { id: "entry", lead: t("products.entryLead") }),
      el("div", { class: "grid-2" },
        top.length ? section(t("products.ltvChart"), bar(top, (g) => g.ltv365, moneyAxis(currency), COLORS.green, t("products.ltv365"), "entry-ltv-chart", (v) => money(v, currency)), { id: "entry-ltv" }) : null,
        topF2.length ? section(t("products.f2Chart"), bar(topF2, (g) => g.f2Within90, pctAxis(), COLORS.blue, t("products.f2"), "entry-f2-chart", (v) => pct(v)), { id: "entry-f2" }) : null),
      daysSection,
      section(t("products.conversion"), dataTable({
        testId: "conversions", caption: t("products.conversion"), sort: { key: "count", dir: "desc" }, csv: { filename: "product-conversion" },
        columns: [
          { key: "from", label: t("products.from"), format: (c) => productCell(c.from, names), value: (c) => productText(c.from, names) },
          { key: "to", label: t("products.to"), format: (c) => productCell(c.to, names), value: (c) => productText(c.to, names) },
          { key: "count", label: t("products.count"), type: "number" },
          { key: "medianDays", label: t("products.medianDays"), type: "number", format: (c) => days(c.medianDays, 0) },
          { key: "quartiles", label: t("products.quartiles"), sortable: false, format: (c) => `${days(c.q1Days, 0)}〜${days(c.q3Days, 0)}` },
        ],
        rows: (conversion && conversion.rows) || [],
      }), { id: "conversion" }),
      section(t("products.basket"), dataTable({
        testId: "basket", caption: t("products.basket"), sort: { key: "lift", dir: "desc" }, csv: { filename: "basket" },
        columns: [
          { key: "productA", label: t("products.productA"), format: (b) => productCell(b.productA, names), value: (b) => productText(b.productA, names) },
          { key: "productB", label: t("products.productB"), format: (b) => productCell(b.productB, names), value: (b) => productText(b.productB, names) },
          { key: "orders", label: t("products.orders"), type: "number" },
          { key: "support", label: t("products.support"), type: "pct", digits: 2 },
          { key: "confidenceAToB", label: t("products.confidenceAB"), type: "pct" },
          { key: "confidenceBToA", label: t("products.confidenceBA"), type: "pct" },
          { key: "lift", label: t("products.lift"), type: "measure" },
        ],
        rows: (basket && basket.rows) || [],
      }), { id: "basket", lead: t("products.basketLead") })];
  },
});
