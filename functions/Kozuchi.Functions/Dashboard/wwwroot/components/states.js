// What a page shows while it loads, when there is nothing yet, when something failed, and while the shop's first
// figures are computed; and the small pieces every page uses (section headings, badges, freshness).
import { el } from "../lib/dom.js";
import { lang, t } from "../lib/i18n.js";
import { dateTime, money, num } from "../lib/format.js";

export const loadingState = (text) =>
  el("p", { class: "state loading", role: "status", "data-testid": "loading" }, el("span", { class: "spinner", "aria-hidden": "true" }), text || t("state.loading"));

/** Nothing to show yet, with what to do about it (a sentence, and optionally a link { href, text }). */
export const emptyState = (text, action) =>
  el("div", { class: "state empty", "data-testid": "empty" }, el("p", { text: text || t("state.empty") }),
    action ? el("a", { class: "button secondary", href: action.href, text: action.text }) : null);

/** A failure, in words, with a retry button when the page can try again, or a link elsewhere. */
export function errorState(error, retry, link) {
  const problems = (error && error.problems) || [];
  return el("div", { class: "state error", role: "alert", "data-testid": "error" },
    el("p", {}, el("strong", { text: t("state.error") }), " ", (error && error.message) || ""),
    problems.length ? el("ul", {}, problems.map((p) => el("li", { text: p }))) : null,
    retry ? el("button", { type: "button", class: "secondary", onclick: retry, text: t("state.retry") }) : null,
    link ? el("a", { class: "button secondary", href: link.href, text: link.text }) : null);
}

export const pendingState = (text) => el("p", { class: "state pending", role: "status", "data-testid": "pending" },
  el("span", { class: "spinner", "aria-hidden": "true" }), text || t("state.computing"));

/** A page heading with an optional lead sentence and actions on the right. */
export const pageHeader = (title, { lead, actions, note } = {}) =>
  el("header", { class: "page-header" },
    el("div", {}, el("h1", { text: title }), lead ? el("p", { class: "lead", text: lead }) : null, note || null),
    actions ? el("div", { class: "page-actions" }, actions) : null);

/** A titled section of a page; id names it for links (#/products?section=basket scrolls there). */
export const section = (title, children, { id, lead, actions, className, testId } = {}) =>
  el("section", { class: ["panel", className], id, "aria-labelledby": id ? `${id}-title` : null, "data-testid": testId },
    el("div", { class: "panel-head" }, el("h2", { id: id ? `${id}-title` : null, text: title }), actions ? el("div", { class: "panel-actions" }, actions) : null),
    lead ? el("p", { class: "hint", text: lead }) : null,
    children);

export const badge = (text, kind = "neutral", attrs = {}) => el("span", { class: ["badge", `badge-${kind}`], ...attrs, text });

/**
 * Which precomputed figures the page shows: "集計時刻: 2026/12/06 14:05", and while newer figures are computed, that
 * they are on the way (a large shop's pass takes minutes; the page shows the previous figures meanwhile).
 */
export function freshnessNote(f) {
  if (!f || !f.computedAt) return null;
  return el("p", { class: "freshness", role: "status", "data-testid": "freshness", "data-current": String(Boolean(f.current)) },
    `${t("freshness.computedAt")} ${dateTime(f.computedAt)}`, f.current ? null : ` — ${t("freshness.updating")}`);
}

/** A line of small facts: [label, value] pairs as a definition list. */
export const facts = (rows, className) => el("dl", { class: ["facts", className] },
  rows.filter((r) => r && r[1] !== undefined && r[1] !== null && r[1] !== "").flatMap(([k, v]) => [el("dt", { text: k }), el("dd", {}, v)]));

/**
 * Figures in other currencies than the page's, listed apart and never added to it:
 * "他の通貨（合算していません）: $403.00 (1件) · A$12.50 (2件)". Null when there are none.
 */
export function otherCurrencies(list, { testId, amount = (o) => o.revenue, count = (o) => o.orders, unit = "common.ordersUnit" } = {}) {
  if (!list || list.length === 0) return null;
  const text = list.map((o) => `${money(amount(o), o.currency)}${count(o) === null || count(o) === undefined ? "" : ` (${num(count(o))}${lang() === "ja" ? "" : " "}${t(unit)})`}`).join(" · ");
  return el("p", { class: "hint", "data-testid": testId }, `${t("common.otherCurrencies")}: ${text}`);
}
