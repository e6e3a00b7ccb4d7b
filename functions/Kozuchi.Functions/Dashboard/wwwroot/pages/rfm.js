// RFM 分析: the 5 × 5 grid as a heat map (customers or revenue), each cell named as a shop names it, a drill-down to
// the cell's customers (by name, masked when the operator prefers), the cell as CSV, and "このセルにシナリオを開始".
import { definePage, href } from "../lib/router.js";
import { addTexts, pick, t } from "../lib/i18n.js";
import { el, field, replace } from "../lib/dom.js";
import { api } from "../lib/api.js";
import { money, num, pct } from "../lib/format.js";
import { maskName, masked, maskToggle } from "./customers.js";
import { dataTable } from "../components/data-table.js";
import { heatmap } from "../components/heatmap.js";
import { badge, emptyState, errorState, freshnessNote, loadingState, pageHeader, section } from "../components/states.js";

/** "2026-12-06" moved by n days (calendar arithmetic in UTC: the text is a date, not an instant). */
const shiftDay = (text, n) => { const d = new Date(`${text}T00:00:00Z`); d.setUTCDate(d.getUTCDate() + n); return d.toISOString().slice(0, 10); };

addTexts({
  ja: {
    "nav.rfm": "RFM", "rfm.title": "RFM 分析", "rfm.lead": "最終購入からの日数 (R) と購入回数 (F) で顧客を 25 のセルに分けます。セルを選ぶと顧客の一覧を表示します。",
    "rfm.recency": "最終購入からの日数 (R)", "rfm.frequency": "購入回数 (F)", "rfm.corner": "R ＼ F",
    "rfm.r1": "30日以内", "rfm.r2": "31〜90日", "rfm.r3": "91〜180日", "rfm.r4": "181〜360日", "rfm.r5": "361日以上",
    "rfm.f1": "1回", "rfm.f2": "2回", "rfm.f3": "3〜5回", "rfm.f4": "6〜10回", "rfm.f5": "11回以上",
    "rfm.show": "表示する値", "rfm.byCustomers": "顧客数", "rfm.byRevenue": "売上", "rfm.total": "合計 {customers} 人・売上 {revenue}",
    "rfm.legendLow": "少ない", "rfm.legendHigh": "多い", "rfm.share": "{share}",
    "rfm.drill": "{name} (R{r} × F{f}) の顧客 {n} 人", "rfm.pickCell": "セルを選ぶと、そのセルの顧客を一覧で表示します。",
    "rfm.startScenario": "このセルにシナリオを開始", "rfm.customer": "顧客", "rfm.orders": "購入回数", "rfm.revenue": "累計購入額", "rfm.lastOrder": "最終購入日",
    "rfm.entryProduct": "初回購入商品", "rfm.reach": "連絡手段", "rfm.email": "メール", "rfm.line": "LINE", "rfm.none": "なし",
    "rfm.csvName": "RFM_R{r}_F{f}_{asOf}",
    "rfm.movement": "セル間の移動", "rfm.movementLead": "比べる日から基準日までに、顧客がどのセルからどのセルへ移ったかです（同じセルにとどまった顧客は除きます）。セルを選ぶと、そのセルへの出入りだけを表示します。",
    "rfm.since": "比べる日", "rfm.compare": "移動を表示", "rfm.from": "移動元", "rfm.to": "移動先", "rfm.moved": "人数",
    "rfm.movedTotal": "{from} から {to} までに {n} 人がセルを移りました。", "rfm.movedCell": "{name} への流入 {in} 人・流出 {out} 人",
    "rfm.noMovement": "この期間にセルを移った顧客はいません。", "rfm.movementSlow": "全顧客の購入履歴から計算します（大きなショップでは数十秒かかります）。",
  },
  en: {
    "nav.rfm": "RFM", "rfm.title": "RFM grid", "rfm.lead": "Customers in 25 cells by days since their last order (R) and number of orders (F). Choose a cell to list its customers.",
    "rfm.recency": "Days since last order (R)", "rfm.frequency": "Orders (F)", "rfm.corner": "R \\ F",
    "rfm.r1": "≤ 30 days", "rfm.r2": "31–90 days", "rfm.r3": "91–180 days", "rfm.r4": "181–360 days", "rfm.r5": "361+ days",
    "rfm.f1": "1 order", "rfm.f2": "2 orders", "rfm.f3": "3–5", "rfm.f4": "6–10", "rfm.f5": "11+",
    "rfm.show": "Show", "rfm.byCustomers": "Customers", "rfm.byRevenue": "Revenue", "rfm.total": "{customers} customers, revenue {revenue}",
    "rfm.legendLow": "fewer", "rfm.legendHigh": "more", "rfm.share": "{share}",
    "rfm.drill": "{name} (R{r} × F{f}): {n} customers", "rfm.pickCell": "Choose a cell to list its customers.",
    "rfm.startScenario": "Start a scenario for this cell", "rfm.customer": "Customer", "rfm.orders": "Orders", "rfm.revenue": "Total spent", "rfm.lastOrder": "Last order",
    "rfm.entryProduct": "First product", "rfm.reach": "Reachable by", "rfm.email": "Email", "rfm.line": "LINE", "rfm.none": "none",
    "rfm.csvName": "RFM_R{r}_F{f}_{asOf}",
    "rfm.movement": "Movement between cells", "rfm.movementLead": "Which cell customers moved from and to between the comparison day and the as-of day (those who stayed in their cell are left out). Choose a cell to see only its moves.",
    "rfm.since": "Compare with", "rfm.compare": "Show movement", "rfm.from": "From", "rfm.to": "To", "rfm.moved": "Customers",
    "rfm.movedTotal": "{n} customers changed cell between {from} and {to}.", "rfm.movedCell": "{name}: {in} in, {out} out",
    "rfm.noMovement": "No customer changed cell in this period.", "rfm.movementSlow": "Computed from every customer's orders (tens of seconds for a large shop).",
  },
});

/** The segment a cell stands for, saved before the builder opens (the builder reads it by id). */
export const cellSegment = (r, f, name) => ({ schemaVersion: 1, id: `rfm-r${r}-f${f}`, name: `RFM ${name} (R${r}×F${f})`, rule: { type: "rfm", r: [r], f: [f] } });

/** Saves the cell as a segment and opens the scenario builder with it (the contract in the Dashboard README). */
export async function startScenarioFor(segment) {
  await api("segments", { method: "POST", body: segment });
  location.hash = href("scenarios/new", { segment: segment.id, from: "rfm" }).slice(1);
}

definePage({
  path: "rfm",
  nav: { order: 20, label: "nav.rfm" },
  async render(ctx) {
    const asOf = el("input", { type: "date", id: "rfm-asof", value: ctx.params.get("asOf") || "" });
    let measure = ctx.params.get("show") === "revenue" ? "revenue" : "customers";
    const grid = el("div", { "data-testid": "rfm-grid-block" });
    const drill = el("div", { "data-testid": "rfm-drill" }, el("p", { class: "hint", text: t("rfm.pickCell") }));
    const totals = el("p", { class: "hint", "data-testid": "rfm-totals" });
    let data = null;
    let selected = null;
    // The drill-down's entry products by name (the API lists their keys, the SKUs; a product without a learnt name keeps its key).
    let productNames = {};

    const toggle = el("div", { class: "segmented", role: "group", "aria-label": t("rfm.show") },
      ["customers", "revenue"].map((m) => el("button", { type: "button", "aria-pressed": String(m === measure), "data-measure": m,
        text: t(m === "customers" ? "rfm.byCustomers" : "rfm.byRevenue"),
        onclick: (e) => {
          measure = m;
          e.currentTarget.parentNode.querySelectorAll("button").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.measure === m)));
          ctx.setParams({ show: m === "revenue" ? "revenue" : null });
          draw();
        } })));

    const cellOf = (r, f) => data.cells.find((c) => c.r === r && c.f === f) || { r, f, customers: 0, revenue: 0, name: null };
    const nameOf = (c) => (c.name ? pick(c.name) : `R${c.r} F${c.f}`);

    function draw() {
      if (!data || !data.cells || data.customers === 0) { replace(grid, emptyState()); return; }
      const currency = data.currency || "JPY";
      const totalOf = measure === "customers" ? data.customers : data.revenue;
      totals.textContent = t("rfm.total", { customers: num(data.customers), revenue: money(data.revenue, currency) });
      replace(grid, heatmap({
        testId: "rfm-grid",
        caption: `${t("rfm.recency")} × ${t("rfm.frequency")}`,
        corner: t("rfm.corner"),
        columns: [1, 2, 3, 4, 5].map((f) => ({ label: t(`rfm.f${f}`), title: `F${f}` })),
        legend: { low: t("rfm.legendLow"), high: t("rfm.legendHigh") },
        palette: measure === "customers" ? "blue" : "green",
        rows: [1, 2, 3, 4, 5].map((r) => ({
          label: t(`rfm.r${r}`), title: `R${r}`,
          cells: [1, 2, 3, 4, 5].map((f) => {
            const c = cellOf(r, f);
            const value = measure === "customers" ? c.customers : c.revenue;
            const shown = measure === "customers" ? num(c.customers) : money(c.revenue, currency);
            const name = nameOf(c);
            return {
              value, text: name, sub: `${shown}・${pct(totalOf ? value / totalOf : 0)}`,
              label: `${name} R${r} F${f}: ${num(c.customers)}`,
              title: `${name} — ${t("rfm.byCustomers")} ${num(c.customers)} / ${t("rfm.byRevenue")} ${money(c.revenue, currency)}`,
              data: { r, f, customers: c.customers },
              selected: selected && selected.r === r && selected.f === f,
              onClick: () => showCell(r, f),
            };
          }),
        })),
      }));
    }

    async function showCell(r, f) {
      selected = { r, f };
      ctx.setParams({ r, f });
      draw();
      const c = cellOf(r, f);
      const name = nameOf(c);
      const asOfText = asOf.value || data.asOf;
      const query = (skip, take) => `reports/rfm/customers?r=${r}&f=${f}&skip=${skip}&take=${take}${asOf.value ? `&asOf=${asOf.value}` : ""}`;
      const start = el("button", { type: "button", "data-testid": "rfm-start-scenario", text: t("rfm.startScenario"),
        onclick: async (e) => {
          e.currentTarget.disabled = true;
          try { await startScenarioFor(cellSegment(r, f, name)); } catch (error) { e.currentTarget.disabled = false; drill.prepend(errorState(error)); }
        } });
      const table = dataTable({
        testId: "rfm-customers",
        caption: t("rfm.drill", { name, r, f, n: num(c.customers) }),
        load: async ({ skip, take }) => {
          const page = await api(query(skip, take), { signal: ctx.signal });
          return { rows: (page && page.customers) || [], total: page ? page.total : 0 };
        },
        csv: {
          filename: t("rfm.csvName", { r, f, asOf: asOfText }),
          rows: async () => {
            const rows = [];
            for (let skip = 0; ; skip += 500) {
              const page = await api(query(skip, 500));
              rows.push(...page.customers);
              if (rows.length >= page.total || page.customers.length === 0) return rows;
            }
          },
        },
        columns: [
          { key: "customerId", label: t("rfm.customer"), sortable: false, format: (x) => el("a", { href: href(`customers/${encodeURIComponent(x.customerId)}`), text: (masked() ? maskName(x.name) : x.name) || x.customerId }),
            csv: (x) => (masked() ? x.customerId : [x.name, x.customerId].filter(Boolean).join(" ")) },
          { key: "frequency", label: t("rfm.orders"), type: "number", sortable: false },
          { key: "monetary", label: t("rfm.revenue"), type: "money", sortable: false, currency: (x) => x.currency || data.currency || "JPY" },
          { key: "lastOrderAt", label: t("rfm.lastOrder"), type: "date", sortable: false },
          { key: "entryProducts", label: t("rfm.entryProduct"), sortable: false, value: (x) => (x.entryProducts || []).map((k) => productNames[k] || k).join("、") },
          { key: "reach", label: t("rfm.reach"), sortable: false, format: (x) => reach(x), csv: (x) => [x.canEmail && "email", x.canLine && "line"].filter(Boolean).join(" ") },
        ],
      });
      const mask = maskToggle(() => showCell(r, f));
      replace(drill, section(t("rfm.drill", { name, r, f, n: num(c.customers) }), table, { id: "rfm-cell", actions: el("div", { class: "actions" }, mask, start), testId: "rfm-cell" }));
      drawMovement();
      drill.querySelector("h2").setAttribute("tabindex", "-1");
      drill.querySelector("h2").focus({ preventScroll: false });
    }

    // Movement since a chosen day: computed on request (it refolds every customer's orders), shown for the selected cell.
    const since = el("input", { type: "date", id: "rfm-since", value: ctx.params.get("since") || "" });
    const movementBody = el("div", { "data-testid": "rfm-movement" }, el("p", { class: "hint", text: t("rfm.movementSlow") }));
    let moves = null;
    const cellText = (c) => `${pick(c.name) || `R${c.r} F${c.f}`} (R${c.r}×F${c.f})`;
    function drawMovement() {
      if (!moves) return;
      const changed = moves.rows.filter((m) => m.from.r !== m.to.r || m.from.f !== m.to.f);
      const mine = selected ? changed.filter((m) => (m.from.r === selected.r && m.from.f === selected.f) || (m.to.r === selected.r && m.to.f === selected.f)) : changed;
      const sum = (list) => list.reduce((a, m) => a + m.customers, 0);
      const is = (x) => selected && x.r === selected.r && x.f === selected.f;
      const summary = selected
        ? t("rfm.movedCell", { name: cellText(cellOf(selected.r, selected.f)), in: num(sum(mine.filter((m) => is(m.to)))), out: num(sum(mine.filter((m) => is(m.from)))) })
        : t("rfm.movedTotal", { n: num(sum(changed)), from: moves.from, to: moves.to });
      replace(movementBody, el("p", { class: "hint", "data-testid": "rfm-movement-summary", text: summary }), mine.length === 0 ? emptyState(t("rfm.noMovement")) : dataTable({
        testId: "rfm-movement-table", caption: t("rfm.movement"), sort: { key: "customers", dir: "desc" }, pageSize: 20,
        csv: { filename: `RFM_movement_${moves.from}_${moves.to}` },
        columns: [
          { key: "from", label: t("rfm.from"), value: (m) => cellText(m.from) },
          { key: "to", label: t("rfm.to"), value: (m) => cellText(m.to) },
          { key: "customers", label: t("rfm.moved"), type: "number" },
        ],
        rows: mine,
      }));
    }
    const compare = async (e) => {
      e.preventDefault();
      const to = asOf.value || data.asOf;
      if (!since.value || since.value >= to) return;
      ctx.setParams({ since: since.value });
      const button = e.currentTarget.querySelector("button");
      button.disabled = true;
      replace(movementBody, loadingState());
      try {
        const rows = await api(`reports/rfm/movement?from=${since.value}&to=${to}`, { signal: ctx.signal });
        moves = { from: since.value, to, rows: rows || [] };
        drawMovement();
      } catch (error) { replace(movementBody, errorState(error)); } finally { button.disabled = false; }
    };
    const movement = section(t("rfm.movement"), [
      el("form", { class: "toolbar", onsubmit: compare, "data-testid": "rfm-movement-form" },
        field(t("rfm.since"), since), el("button", { type: "submit", class: "secondary", text: t("rfm.compare") })),
      movementBody], { id: "rfm-movement-section", lead: t("rfm.movementLead") });

    const reach = (x) => {
      const parts = [x.canEmail ? badge(t("rfm.email"), "info") : null, x.canLine ? badge(t("rfm.line"), "good") : null].filter(Boolean);
      return parts.length ? el("span", { class: "actions" }, parts) : el("span", { class: "hint", text: t("rfm.none") });
    };

    const load = async () => {
      data = await api(`reports/rfm${asOf.value ? `?asOf=${asOf.value}` : ""}`, { signal: ctx.signal });
      if (data && !asOf.value) asOf.value = data.asOf;
      if (data && !since.value) since.value = shiftDay(data.asOf, -90);
      draw();
    };

    const apply = async (e) => {
      e.preventDefault();
      ctx.setParams({ asOf: asOf.value, r: null, f: null });
      selected = null;
      moves = null;
      replace(movementBody, el("p", { class: "hint", text: t("rfm.movementSlow") }));
      replace(drill, el("p", { class: "hint", text: t("rfm.pickCell") }));
      try { await load(); } catch (error) { replace(grid, errorState(error)); }
    };

    // Without the names the drill-down shows the keys: never a reason to fail the page.
    const [fresh, names] = await Promise.all([api("reports/freshness", { signal: ctx.signal }), api("reports/products/names", { signal: ctx.signal }).catch(() => ({})), load()]);
    productNames = names || {};
    const r = Number(ctx.params.get("r")), f = Number(ctx.params.get("f"));
    if (r >= 1 && r <= 5 && f >= 1 && f <= 5 && data && data.customers) showCell(r, f);
    return [pageHeader(t("rfm.title"), { lead: t("rfm.lead"), note: freshnessNote(fresh) }),
      el("form", { class: "toolbar", onsubmit: apply },
        field(t("common.asOf"), asOf), el("button", { type: "submit", class: "secondary", text: t("common.apply") }),
        el("span", { class: "spacer" }), toggle),
      section(t("rfm.title"), [grid, totals], { id: "rfm-grid-section" }),
      drill, movement];
  },
});
