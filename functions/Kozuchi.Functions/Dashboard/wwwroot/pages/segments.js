// セグメント: a builder over the rule language the engine evaluates (the rule types, their fields and the day's
// predictive cuts come from GET /api/segments/attributes, so CLV and churn risk are offered as the predictions define
// them), a live member count and sample (POST /api/segments/preview: the first members by name — masked on request, as
// the RFM drill-down — with their revenue and last order, each linked to the customer page), the saved segments,
// saving (POST /api/segments), a CSV of the members (ids and figures, no personal data) and "start a scenario for this
// segment" (the builder's #/scenarios/new?segment= contract: the segment is saved first).
import { definePage, href, navigate } from "../lib/router.js";
import { addTexts, pick, t } from "../lib/i18n.js";
import { el, field, replace, select } from "../lib/dom.js";
import { api } from "../lib/api.js";
import { day, money, num } from "../lib/format.js";
import { dataTable } from "../components/data-table.js";
import { downloadCsv } from "../components/csv.js";
import { badge, emptyState, errorState, pageHeader, section } from "../components/states.js";
import { maskName, masked, maskToggle } from "./customers.js";

addTexts({
  ja: {
    "nav.segments": "セグメント", "segments.title": "セグメント",
    "segments.lead": "条件を組み合わせて顧客を絞り込みます。条件を変えるとその場で人数が更新されます。保存したセグメントはシナリオの対象や一斉配信に使えます。",
    "segments.builder": "条件", "segments.match": "組み合わせ", "segments.match.and": "すべての条件を満たす", "segments.match.or": "いずれかの条件を満たす",
    "segments.add": "条件を追加", "segments.remove": "削除", "segments.negate": "満たさない", "segments.noRules": "条件がありません。「条件を追加」から始めてください。",
    "segments.count": "該当する顧客", "segments.countValue": "{n} 人", "segments.asOf": "{day} 時点", "segments.predictionsAsOf": "予測は {day} のもの",
    "segments.counting": "集計中…", "segments.sample": "該当する顧客 (先頭 {n} 人)", "segments.customer": "顧客 ID", "segments.member": "顧客", "segments.frequency": "購入回数",
    "segments.monetary": "累計購入額", "segments.lastOrder": "最終購入", "segments.churnRisk": "離脱リスク", "segments.clv": "予測 CLV (12か月)", "segments.pAlive": "購入継続確率",
    "segments.save": "保存", "segments.saved": "「{name}」を保存しました ({n} 人)", "segments.name": "名前", "segments.id": "ID (英数字と - _)",
    "segments.description": "説明 (任意)", "segments.csv": "CSV 出力 (全員)", "segments.startScenario": "このセグメントでシナリオを開始",
    "segments.savedList": "保存済みのセグメント", "segments.open": "開く", "segments.none": "保存したセグメントはまだありません。",
    "segments.rule": "条件", "segments.products": "商品コード (カンマ区切り)", "segments.tags": "カンマ区切り", "segments.predictive": "予測",
    "segments.clvCut": "上位 {p}% = 予測 CLV {amount} 以上", "segments.noPredictions": "予測はまだ計算されていません (注文のある顧客が少ないか、初回の集計中です)。",
    "segments.exporting": "出力中… {n} 人", "segments.risk.low": "低", "segments.risk.medium": "中", "segments.risk.high": "高",
    "segments.idNeeded": "ID は英数字・ハイフン・アンダースコアで入力してください。",
    "segments.incomplete": "「{rule}」の{field}を指定すると人数を数えます。",
    "segments.unknownProduct": "{code}（この商品コードの商品名は注文にありません）", "segments.productsHint": "商品コードを入力すると商品名を表示します。",
    "segments.needBound": "「{rule}」の下限か上限を入力すると人数を数えます。", "segments.minOverMax": "「{rule}」の下限が上限より大きくなっています。",
    "segments.belowZero": "「{rule}」の下限・上限は 0 以上で入力してください。", "segments.percentRange": "「{rule}」の{field} は 0〜100% の範囲で入力してください。",
    "segments.topRange": "「{rule}」の{field}は 0 より大きく 100 以下で入力してください。", "segments.bound": "{label}（{unit}）",
    "segments.unit.percent": "%", "segments.unit.orders": "回", "segments.unit.yen": "円",
    "segments.needOne": "「{rule}」の{fields}のいずれかを指定すると人数を数えます。", "segments.or": "・",
  },
  en: {
    "nav.segments": "Segments", "segments.title": "Segments",
    "segments.lead": "Combine conditions to find customers. The count updates as you change them. Saved segments can be a scenario's audience or a broadcast's.",
    "segments.builder": "Conditions", "segments.match": "Combine", "segments.match.and": "All conditions hold", "segments.match.or": "Any condition holds",
    "segments.add": "Add a condition", "segments.remove": "Remove", "segments.negate": "Not", "segments.noRules": "No conditions yet. Start with “Add a condition”.",
    "segments.count": "Matching customers", "segments.countValue": "{n} customers", "segments.asOf": "as of {day}", "segments.predictionsAsOf": "predictions of {day}",
    "segments.counting": "Counting…", "segments.sample": "Matching customers (first {n})", "segments.customer": "Customer id", "segments.member": "Customer", "segments.frequency": "Orders",
    "segments.monetary": "Revenue", "segments.lastOrder": "Last order", "segments.churnRisk": "Churn risk", "segments.clv": "Predicted CLV (12 months)", "segments.pAlive": "P(alive)",
    "segments.save": "Save", "segments.saved": "Saved “{name}” ({n} customers)", "segments.name": "Name", "segments.id": "Id (letters, digits, - _)",
    "segments.description": "Description (optional)", "segments.csv": "CSV (all members)", "segments.startScenario": "Start a scenario for this segment",
    "segments.savedList": "Saved segments", "segments.open": "Open", "segments.none": "No saved segments yet.",
    "segments.rule": "Rule", "segments.products": "Product codes (comma-separated)", "segments.tags": "comma-separated", "segments.predictive": "predictive",
    "segments.clvCut": "Top {p}% = predicted CLV from {amount}", "segments.noPredictions": "No predictions yet (too few repeat customers, or the first pass is running).",
    "segments.exporting": "Exporting… {n}", "segments.risk.low": "Low", "segments.risk.medium": "Medium", "segments.risk.high": "High",
    "segments.idNeeded": "The id takes letters, digits, '-' and '_'.",
    "segments.incomplete": "Set {field} of “{rule}” to count the customers.",
    "segments.unknownProduct": "{code} (no order names this product code)", "segments.productsHint": "Type a product code to see its name.",
    "segments.needBound": "Give “{rule}” a lower or an upper bound to count the customers.", "segments.minOverMax": "The lower bound of “{rule}” is above its upper bound.",
    "segments.belowZero": "The bounds of “{rule}” cannot be below 0.", "segments.percentRange": "{field} of “{rule}” is from 0 to 100 %.",
    "segments.topRange": "{field} of “{rule}” is more than 0 and at most 100.", "segments.bound": "{label} ({unit})",
    "segments.unit.percent": "%", "segments.unit.orders": "orders", "segments.unit.yen": "yen",
    "segments.needOne": "Set {fields} of “{rule}” to count the customers.", "segments.or": " or ",
  },
});

const SKIP = new Set(["and", "or", "not"]);
const PREDICTED = new Set(["clv12Months", "probabilityAlive"]);

/** A rule's fields as an object the API takes, from the row's controls. */
function ruleOf(row) {
  const rule = { type: row.type.type };
  for (const f of row.type.fields) {
    const v = row.values[f.name];
    if (v === undefined || v === null || v === "" || (Array.isArray(v) && v.length === 0)) continue;
    rule[f.name] = v;
  }
  return row.negate ? { type: "not", rule } : rule;
}

/** The fields a rule cannot go without (product codes, tags, risk bands): an empty one is not asked of the API. */
const LISTS = new Set(["products", "tags", "choices"]);

/** The first field a row still needs, or null. */
const missing = (row) => row.type.fields.find((f) => LISTS.has(f.kind) && !(row.values[f.name] || []).length) || null;

/** Field kinds of which a rule needs any one filled (the RFM cell's R scores, F scores or cells). */
const ANY_OF = new Set(["scores", "cells"]);

/** Rule types whose bounds are counts or days: the API refuses a bound below 0. */
const NON_NEGATIVE = new Set(["frequency", "daysSinceLastOrder", "daysSinceFirstOrder"]);

/**
 * The predicted measures' units. P(alive) is a probability the rule holds as 0–1, while every page shows it as a
 * percentage: the builder takes and shows it in %, so "30" means 30 %, not everyone below 30.
 */
const MEASURE_UNITS = { probabilityAlive: "percent", expectedOrders90Days: "orders", expectedOrders365Days: "orders", expectedValue: "yen" };

/** What the operator types into a number field of the row, relative to what the rule holds (× 100 for a percentage). */
const scaleOf = (row) => (row.type.type === "predicted" && MEASURE_UNITS[row.values.measure] === "percent" ? 100 : 1);

/**
 * What keeps the row from being counted, in words (a list without entries, a range without bounds or upside down, a
 * share out of range), or null. Said here in the operator's language instead of sending the rule for the API's
 * refusal in English.
 */
function problemOf(row) {
  const rule = pick(row.type.label);
  const list = missing(row);
  if (list) return t("segments.incomplete", { rule, field: pick(list.label) });
  const v = row.values;
  // RFM セル needs R scores, F scores or cells, any one: a new condition starts on it with none (「条件を追加」).
  const picks = row.type.fields.filter((f) => ANY_OF.has(f.kind));
  if (picks.length && picks.length === row.type.fields.length && !picks.some((f) => (v[f.name] || []).length)) {
    // Named by the fields the builder offers (cells are set by other tools, but count when a saved rule has them).
    return t("segments.needOne", { rule, fields: picks.filter((f) => f.kind === "scores").map((f) => pick(f.label)).join(t("segments.or")) });
  }
  const has = (name) => v[name] !== undefined && v[name] !== null;
  if (row.type.fields.some((f) => f.name === "min") && row.type.fields.some((f) => f.name === "max")) {
    const bounds = ["min", "max"].filter(has).map((name) => v[name]);
    if (bounds.length === 0) return t("segments.needBound", { rule });
    if (bounds.length === 2 && v.min > v.max) return t("segments.minOverMax", { rule });
    if (NON_NEGATIVE.has(row.type.type) && bounds.some((x) => x < 0)) return t("segments.belowZero", { rule });
    if (scaleOf(row) === 100 && bounds.some((x) => x < 0 || x > 1)) {
      const measure = row.type.fields.find((f) => f.name === "measure");
      const choice = measure && (measure.choices || []).find((c) => c.code === v.measure);
      return t("segments.percentRange", { rule, field: choice ? pick(choice.label) : v.measure });
    }
  }
  if (row.type.type === "clvTop" && !(v.percent > 0 && v.percent <= 100)) {
    const field = pick(row.type.fields.find((f) => f.name === "percent").label);
    return t(has("percent") ? "segments.topRange" : "segments.incomplete", { rule, field });
  }
  return null;
}

/** Numbers the products rules' code lists (a datalist is linked by id). */
let datalists = 0;

/**
 * The controls of one field, writing into values[name]; productNames(): a promise of the product names by code (SKU)
 * learnt from the orders (null when they could not be read), asked only when a products rule is on screen (it can wait for the day's report pass).
 */
function fieldControl(f, values, changed, productNames, { scale = 1, unit = null } = {}) {
  const label = unit ? t("segments.bound", { label: pick(f.label), unit }) : pick(f.label);
  const set = (v) => { values[f.name] = v; changed(); };
  switch (f.kind) {
    case "number": {
      // Shown and typed in the operator's unit (a percentage for P(alive)), held as the rule's (0–1); rounded so 0.3 reads 30, not 30.000000000000004.
      const shown = values[f.name] === undefined || values[f.name] === null ? "" : Math.round(values[f.name] * scale * 1e6) / 1e6;
      const input = el("input", { type: "number", step: "any", class: "small-number", "data-field": f.name, value: shown, oninput: (e) => set(e.target.value === "" ? null : Number(e.target.value) / scale) });
      return field(label, input);
    }
    case "scores": {
      const chosen = new Set(values[f.name] || []);
      return el("fieldset", { class: "checks", "data-field": f.name }, el("legend", { text: label }), [1, 2, 3, 4, 5].map((n) =>
        el("label", { class: "check" }, el("input", { type: "checkbox", value: n, checked: chosen.has(n), onchange: (e) => {
          if (e.target.checked) chosen.add(n); else chosen.delete(n);
          set([...chosen].sort());
        } }), String(n))));
    }
    case "choices": {
      const chosen = new Set(values[f.name] || []);
      return el("fieldset", { class: "checks", "data-field": f.name }, el("legend", { text: label }), (f.choices || []).map((c) =>
        el("label", { class: "check" }, el("input", { type: "checkbox", value: c.code, checked: chosen.has(c.code), onchange: (e) => {
          if (e.target.checked) chosen.add(c.code); else chosen.delete(c.code);
          set([...chosen]);
        } }), pick(c.label))));
    }
    case "choice": {
      const s = select((f.choices || []).map((c) => [c.code, pick(c.label)]), values[f.name], { "data-field": f.name, onchange: (e) => set(e.target.value) });
      return field(label, s);
    }
    case "boolean": {
      if (values[f.name] === undefined) values[f.name] = true;
      return el("label", { class: "check" }, el("input", { type: "checkbox", "data-field": f.name, checked: values[f.name], onchange: (e) => set(e.target.checked) }), label);
    }
    case "products": {
      // The rule takes codes (SKUs); the operator reads back the product each code names, or that no order names it
      // (a typo, or a shop whose orders carry no product names: the names are learnt from the orders' lines).
      let names = null;
      const echo = el("span", { class: "field-hint", "data-testid": "product-names", "aria-live": "polite" });
      const show = () => {
        const chosen = values[f.name] || [];
        echo.textContent = chosen.length === 0 ? t("segments.productsHint")
          : chosen.map((k) => (!names ? k : names[k] ? `${k} = ${names[k]}` : t("segments.unknownProduct", { code: k }))).join(" / ");
      };
      const list = el("datalist", { id: `product-codes-${++datalists}` });
      const input = el("input", { type: "text", "data-field": f.name, value: (values[f.name] || []).join(", "), list: list.id, autocomplete: "off",
        oninput: (e) => { set(e.target.value.split(/[,、\s]+/).map((x) => x.trim()).filter(Boolean)); show(); } });
      productNames().then((n) => {
        if (!n) return;
        names = n;
        const codes = Object.keys(n).sort();
        replace(list, codes.map((k) => el("option", { value: k, text: n[k] })));
        if (codes.length) input.placeholder = codes.slice(0, 2).join(", ");
        show();
      });
      show();
      return el("div", { class: "field-group" }, field(`${label} — ${t("segments.products")}`, input), echo, list);
    }
    case "tags": {
      const input = el("input", { type: "text", "data-field": f.name, value: (values[f.name] || []).join(", "), placeholder: "vip, 要フォロー",
        oninput: (e) => set(e.target.value.split(/[,、\s]+/).map((x) => x.trim()).filter(Boolean)) });
      return field(`${label} — ${t("segments.tags")}`, input);
    }
    default:
      return null; // cells, nested rules: written as JSON by other tools, not offered here
  }
}

/** What a rule stored by the builder looks like as builder rows (top-level and/or of simple rules); null when it is not such a rule. */
function rowsOf(rule, types) {
  const byType = new Map(types.map((x) => [x.type, x]));
  const one = (r) => {
    const negate = r.type === "not";
    const inner = negate ? r.rule : r;
    const type = inner && byType.get(inner.type);
    if (!type || SKIP.has(inner.type)) return null;
    const values = {};
    for (const f of type.fields) if (inner[f.name] !== undefined) values[f.name] = inner[f.name];
    return { type, values, negate };
  };
  const list = rule.type === "and" || rule.type === "or" ? rule.rules.map(one) : [one(rule)];
  return list.every(Boolean) ? { match: rule.type === "or" ? "or" : "and", rows: list } : null;
}

/** The ?rules= the page keeps its conditions in: { type: "and" | "or", rules: [...] }, or null when absent or not that. */
function keptRules(text) {
  if (!text) return null;
  try {
    const rule = JSON.parse(text);
    return rule && (rule.type === "and" || rule.type === "or") && Array.isArray(rule.rules) ? rule : null;
  } catch {
    return null;
  }
}

const slug = (text) => text.normalize("NFKC").toLowerCase().replace(/[^a-z0-9_-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60);

definePage({
  path: "segments",
  nav: { order: 40, label: "nav.segments" },
  async render(ctx) {
    const [attributes, saved] = await Promise.all([api("segments/attributes", { signal: ctx.signal }), api("segments", { signal: ctx.signal })]);
    // Asked once, when the first products rule is drawn; without them (null) the codes stay as typed, never an error on the page.
    let names = null;
    const productNames = () => (names ||= api("reports/products/names", { signal: ctx.signal }).then((n) => n || {}, () => null));
    const types = attributes.rules.filter((x) => !SKIP.has(x.type));
    const state = { match: "and", rows: [] };
    const open = ctx.params.get("id") && (saved || []).find((s) => s.id === ctx.params.get("id"));
    // The conditions being built are kept in the address (?rules=, written on every change): the page drawn again in
    // the other language (表示言語), or reloaded, goes on with them instead of the saved segment's or the default.
    const kept = keptRules(ctx.params.get("rules"));
    const restored = kept && rowsOf(kept, attributes.rules);
    if (restored) Object.assign(state, restored);
    else if (open) Object.assign(state, rowsOf(open.rule, attributes.rules) || {});
    // A first condition that is already a rule (a bound given): the page opens with a count, not a refusal.
    if (state.rows.length === 0 && !restored) state.rows.push({ type: types.find((x) => x.type === "daysSinceLastOrder") || types[0], values: { min: 90 }, negate: false });

    const rulesBox = el("div", { class: "rule-rows", "data-testid": "segment-rules" });
    const count = el("div", { class: "segment-count", "data-testid": "segment-count", role: "status", "aria-live": "polite" });
    const sample = el("div", { "data-testid": "segment-sample" });
    const status = el("div", { role: "status", class: "status-line" });
    const name = el("input", { id: "segment-name", required: true, value: open ? open.name || "" : "" });
    const id = el("input", { id: "segment-id", required: true, pattern: "[A-Za-z0-9_\\-]+", value: open ? open.id : "" });
    const description = el("input", { id: "segment-description", value: open ? open.description || "" : "" });
    name.addEventListener("input", () => { if (!id.dataset.touched) id.value = slug(name.value); });
    id.addEventListener("input", () => { id.dataset.touched = "1"; });
    if (open) id.dataset.touched = "1";

    const rule = () => {
      const rules = state.rows.map(ruleOf);
      return rules.length === 1 ? rules[0] : { type: state.match, rules };
    };
    const definition = () => ({ schemaVersion: 1, id: id.value.trim(), name: name.value.trim() || id.value.trim(), description: description.value.trim() || undefined, rule: rule() });

    let timer = null;
    let asked = 0;
    const refresh = () => {
      ctx.setParams({ rules: JSON.stringify({ type: state.match, rules: state.rows.map(ruleOf) }) });
      recount();
    };
    const recount = () => {
      clearTimeout(timer);
      // Counted now, not when the timer fires: an answer still in flight for an older rule must not show as done.
      const mine = ++asked;
      // A rule still being written (購入商品 without a code yet, a range without a bound) is said so, not sent for the API's refusal.
      const problem = state.rows.map(problemOf).find(Boolean);
      if (problem) {
        count.dataset.state = "incomplete";
        replace(count, el("p", { class: "hint", "data-testid": "segment-incomplete", text: problem }));
        replace(sample);
        return;
      }
      count.dataset.state = "counting";
      timer = setTimeout(async () => {
        try {
          const evaluation = await api("segments/preview", { method: "POST", body: { rule: rule() }, signal: ctx.signal });
          if (mine !== asked || !ctx.current) return;
          showEvaluation(evaluation);
        } catch (e) {
          if (e.name === "AbortError" || mine !== asked) return;
          count.dataset.state = "error";
          replace(count, errorState(e));
          replace(sample);
        }
      }, 300);
    };
    ctx.onLeave(() => clearTimeout(timer));

    let shown = null;
    const showEvaluation = (evaluation) => {
      shown = evaluation;
      count.dataset.state = "done";
      count.dataset.members = String(evaluation.members);
      replace(count, el("span", { class: "kpi-label", text: t("segments.count") }),
        el("strong", { class: "kpi-value", "data-testid": "segment-members", text: t("segments.countValue", { n: num(evaluation.members) }) }),
        el("span", { class: "hint", text: ` ${t("segments.asOf", { day: day(evaluation.asOf) })}${evaluation.predictionsAsOf ? ` · ${t("segments.predictionsAsOf", { day: day(evaluation.predictionsAsOf) })}` : ""}` }));
      replace(sample, evaluation.sample.length === 0 ? emptyState() : dataTable({
        caption: t("segments.sample", { n: evaluation.sample.length }), dense: true, testId: "segment-sample-table", pageSize: 20,
        // The side panel is narrow: the name and what a manager decides on; the predictions when the rule reads them (the CSV has all).
        columns: [sampleColumn(), ...memberColumns().slice(1).filter((c) => evaluation.readsPredictions || !PREDICTED.has(c.key))],
        rows: evaluation.sample,
      }));
    };

    const drawRules = () => {
      replace(rulesBox, state.rows.length === 0 ? el("p", { class: "hint", text: t("segments.noRules") }) : state.rows.map((row, i) => {
        const typeSelect = select(types.map((x) => [x.type, `${pick(x.label)}${x.predictive ? ` (${t("segments.predictive")})` : ""}`]), row.type.type,
          { "data-testid": "rule-type", "aria-label": t("segments.rule"), onchange: (e) => { row.type = types.find((x) => x.type === e.target.value); row.values = {}; drawRules(); refresh(); } });
        // A choice starts on its first option (the rule as counted is the one on screen).
        for (const f of row.type.fields) if (f.kind === "choice" && row.values[f.name] === undefined && f.choices && f.choices.length) row.values[f.name] = f.choices[0].code;
        // 予測値: the bounds read in the chosen measure's unit; another measure starts them afresh (30 % is no bound on a CLV).
        const unit = row.type.type === "predicted" && MEASURE_UNITS[row.values.measure] ? t(`segments.unit.${MEASURE_UNITS[row.values.measure]}`) : null;
        const remeasure = () => { delete row.values.min; delete row.values.max; drawRules(); refresh(); };
        const fields = row.type.fields.map((f) => fieldControl(f, row.values, row.type.type === "predicted" && f.name === "measure" ? remeasure : refresh, productNames,
          f.kind === "number" && unit ? { scale: scaleOf(row), unit } : {})).filter(Boolean);
        const cuts = row.type.type === "clvTop" ? clvCuts() : null;
        return el("div", { class: "rule-row", "data-testid": "rule-row", "data-type": row.type.type },
          el("div", { class: "rule-head" }, typeSelect,
            el("label", { class: "check" }, el("input", { type: "checkbox", checked: row.negate, onchange: (e) => { row.negate = e.target.checked; refresh(); } }), t("segments.negate")),
            el("button", { type: "button", class: "secondary small", onclick: () => { state.rows.splice(i, 1); drawRules(); refresh(); }, text: t("segments.remove") })),
          el("p", { class: "hint", text: pick(row.type.meaning) }),
          el("div", { class: "rule-fields" }, fields), cuts);
      }));
    };

    const clvCuts = () => {
      const cuts = (attributes.clvTopCuts || []).filter((c) => c.from !== null && c.from !== undefined);
      if (cuts.length === 0) return el("p", { class: "hint", text: t("segments.noPredictions") });
      return el("p", { class: "hint", "data-testid": "clv-cuts" }, cuts.map((c) => t("segments.clvCut", { p: num(c.percent), amount: money(c.from, attributes.currency) })).join(" · "));
    };

    const save = async () => {
      if (!/^[A-Za-z0-9_-]+$/.test(id.value.trim())) { replace(status, errorState({ message: t("segments.idNeeded") })); return null; }
      try {
        const view = await api("segments", { method: "POST", body: definition() });
        const members = view.evaluation ? view.evaluation.members : null;
        replace(status, el("p", { class: "flash", "data-testid": "segment-saved", text: t("segments.saved", { name: view.segment ? view.segment.name : name.value, n: num(members) }) }));
        if (view.evaluation) showEvaluation(view.evaluation);
        return view.segment || view;
      } catch (e) {
        replace(status, errorState(e));
        return null;
      }
    };

    const exportCsv = async (button) => {
      const segment = await save();
      if (!segment) return;
      button.disabled = true;
      const rows = [];
      let after = null;
      try {
        do {
          const page = await api(`segments/${encodeURIComponent(segment.id)}/members?limit=1000${after ? `&after=${encodeURIComponent(after)}` : ""}`, { signal: ctx.signal });
          rows.push(...page.members);
          after = page.next;
          button.textContent = t("segments.exporting", { n: num(rows.length) });
        } while (after);
        const columns = memberColumns();
        downloadCsv(`segment-${segment.id}.csv`, columns.map((c) => c.label), rows.map((r) => columns.map((c) => (c.csv ? c.csv(r) : r[c.key]))));
      } catch (e) {
        replace(status, errorState(e));
      } finally {
        button.disabled = false;
        button.textContent = t("segments.csv");
      }
    };

    const start = async () => {
      const segment = await save();
      if (segment) navigate("scenarios/new", { segment: segment.id, name: segment.name, from: "segments" });
    };

    drawRules();
    recount();

    const matchSelect = select([["and", t("segments.match.and")], ["or", t("segments.match.or")]], state.match, { id: "segment-match", onchange: (e) => { state.match = e.target.value; refresh(); } });
    const builder = section(t("segments.builder"), [
      el("div", { class: "toolbar" }, field(t("segments.match"), matchSelect), el("span", { class: "spacer" }),
        el("button", { type: "button", class: "secondary", "data-testid": "add-rule", onclick: () => { state.rows.push({ type: types[0], values: {}, negate: false }); drawRules(); refresh(); }, text: t("segments.add") })),
      rulesBox], { id: "builder" });
    const result = section(t("segments.count"), [count, sample], { id: "result", actions: maskToggle(() => { if (shown) showEvaluation(shown); }) });
    const saveForm = section(t("segments.save"), el("form", { class: "form-grid", "data-testid": "segment-save", onsubmit: async (e) => { e.preventDefault(); await save(); } },
      field(t("segments.name"), name), field(t("segments.id"), id), field(t("segments.description"), description),
      el("div", { class: "form-actions" },
        el("button", { type: "submit", text: t("segments.save") }),
        el("button", { type: "button", class: "secondary", "data-testid": "segment-csv", onclick: (e) => exportCsv(e.currentTarget), text: t("segments.csv") }),
        el("button", { type: "button", class: "secondary", "data-testid": "segment-start", onclick: start, text: t("segments.startScenario") }))), { id: "save" });
    const list = section(t("segments.savedList"), (saved || []).length === 0 ? emptyState(t("segments.none")) : dataTable({
      caption: t("segments.savedList"), dense: true, testId: "saved-segments", sort: { key: "id", dir: "asc" },
      columns: [
        { key: "name", label: t("segments.name"), format: (s) => el("a", { href: href("segments", { id: s.id }), text: s.name || s.id }) },
        { key: "id", label: "ID", format: (s) => el("code", { text: s.id }) },
        { key: "description", label: t("segments.description") },
        { key: "actions", label: "", sortable: false, csv: false, format: (s) => el("a", { class: "button secondary small", href: href("scenarios/new", { segment: s.id, from: "segments" }), text: t("segments.startScenario") }) },
      ],
      rows: saved,
    }), { id: "saved" });
    ctx.onLeave(() => { asked++; });
    return [pageHeader(t("segments.title"), { lead: t("segments.lead") }), el("div", { class: "segment-layout" }, el("div", { class: "stack" }, builder, saveForm), el("div", { class: "stack" }, result)), status, list];
  },
});

/** The sample's first column: the name a manager reads (masked on request; the id when there is none), linked to the customer page. */
function sampleColumn() {
  const name = (m) => (masked() ? maskName(m.name) : m.name) || m.customerId;
  return { key: "name", label: t("segments.member"), value: name, className: "nowrap", format: (m) => el("a", { href: href(`customers/${encodeURIComponent(m.customerId)}`), text: name(m), title: m.customerId }), csv: (m) => m.customerId };
}

/** The member columns of the CSV (the sample shows the name instead of the id): ids and figures, never personal data. */
function memberColumns() {
  return [
    { key: "customerId", label: t("segments.customer"), csv: (m) => m.customerId },
    { key: "frequency", label: t("segments.frequency"), type: "number" },
    { key: "monetary", label: t("segments.monetary"), type: "money", currency: (m) => m.currency },
    { key: "lastOrderAt", label: t("segments.lastOrder"), type: "date" },
    { key: "churnRisk", label: t("segments.churnRisk"), format: (m) => (m.churnRisk ? badge(t(`segments.risk.${String(m.churnRisk).toLowerCase()}`), String(m.churnRisk).toLowerCase() === "high" ? "bad" : "neutral") : "—"), csv: (m) => m.churnRisk || "" },
    { key: "clv12Months", label: t("segments.clv"), type: "money" },
    { key: "probabilityAlive", label: t("segments.pAlive"), type: "pct", value: (m) => m.probabilityAlive },
  ];
}
