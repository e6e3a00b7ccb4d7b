// Hash routing with parameters: #/customers/c-123, #/rfm?asOf=2026-10-01, #/scenarios/new?preset=…&segment=….
// A page is a module that calls definePage({ path, nav, title, render }); render(ctx) returns the page's nodes (or a
// promise of them). The router shows the loading state meanwhile, the error or "being computed" state when render
// throws, and cleans up (charts, timers, pending calls) when the operator leaves the page.
import { el, replace } from "./dom.js";
import { t } from "./i18n.js";
import { PendingError } from "./api.js";
import { errorState, loadingState, pendingState } from "../components/states.js";

const pages = [];

/**
 * Registers a page.
 * - path: "overview", "customers/:id", "scenarios/new" (":name" captures a segment into ctx.args.name);
 * - nav: { order, label } to list it in the top navigation (label is a text key); pages without nav are reached by links;
 * - title: a text key for the window title (default: nav.label);
 * - section: which navigation entry is highlighted (default: the path's first segment).
 */
export function definePage(def) {
  const parts = def.path.split("/");
  pages.push({ ...def, parts, section: def.section || parts[0] });
  // Literal segments win over captures: "scenarios/new" before "scenarios/:id".
  pages.sort((a, b) => b.parts.filter((p) => !p.startsWith(":")).length - a.parts.filter((p) => !p.startsWith(":")).length || b.parts.length - a.parts.length);
  return def;
}

/** The pages listed in the navigation, in their order. */
export const navPages = () => pages.filter((p) => p.nav).sort((a, b) => a.nav.order - b.nav.order);

/** All registered paths (the screenshot test walks them). */
export const allPaths = () => pages.map((p) => p.path);

/** "#/customers/c%2D1?tab=orders" from ("customers/c-1", { tab: "orders" }); params with null/"" values are left out. */
export function href(path, params) {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) if (v !== undefined && v !== null && v !== "") query.set(k, String(v));
  const q = query.toString();
  return `#/${path}${q ? `?${q}` : ""}`;
}

/** A path with its segments encoded: path("customers", id). */
export const path = (...segments) => segments.map((s, i) => (i === 0 ? s : encodeURIComponent(s))).join("/");

export function navigate(to, params) {
  location.hash = href(to, params).slice(1);
}

function parse(hash) {
  const raw = hash.replace(/^#\/?/, "");
  const [pathPart, query = ""] = raw.split("?");
  const segments = pathPart.split("/").filter(Boolean).map((s) => { try { return decodeURIComponent(s); } catch { return s; } });
  return { segments, params: new URLSearchParams(query) };
}

function match(segments) {
  for (const page of pages) {
    if (page.parts.length !== segments.length) continue;
    const args = {};
    if (page.parts.every((p, i) => (p.startsWith(":") ? ((args[p.slice(1)] = segments[i]), true) : p === segments[i]))) return { page, args };
  }
  return null;
}

let content;
let currentCtx = null;
let token = 0;
let flashText = null;

/** A message the next page drawn shows at its top ("統合を取り消しました"), for a change followed by navigation or reload. */
export function flash(text) {
  flashText = text;
}

/** Starts routing into the main element; defaultPath is where "#/" and "" go. */
export function start(main, { defaultPath = "overview", onRoute } = {}) {
  content = main;
  const run = () => route(defaultPath, onRoute);
  window.addEventListener("hashchange", run);
  run();
  return { rerender: run };
}

async function route(defaultPath, onRoute) {
  const mine = ++token;
  leave();
  let { segments, params } = parse(location.hash);
  if (segments.length === 0) segments = defaultPath.split("/");
  const found = match(segments);
  const section = found ? found.page.section : segments[0];
  onRoute && onRoute(section);
  content.dataset.page = found ? found.page.section : "not-found";
  content.dataset.path = found ? found.page.path : "";
  content.setAttribute("aria-busy", "true");
  const controller = new AbortController();
  const cleanups = [];
  const ctx = {
    args: found ? found.args : {},
    params,
    signal: controller.signal,
    /** Runs when the operator leaves the page (or the language changes and it is drawn again). */
    onLeave: (f) => cleanups.push(f),
    /** Updates the query in the address without drawing the page again (filters, tabs, sorting). */
    setParams(next) {
      const merged = new URLSearchParams(params);
      for (const [k, v] of Object.entries(next)) { if (v === undefined || v === null || v === "") merged.delete(k); else merged.set(k, String(v)); }
      params = merged;
      ctx.params = merged;
      const q = merged.toString();
      history.replaceState(null, "", `#/${segments.map(encodeURIComponent).join("/")}${q ? `?${q}` : ""}`);
    },
    /** Draws the page again (after a change the page made through the API). */
    reload: () => route(defaultPath, onRoute),
    /** Is this still the page on screen (an answer arriving after the operator moved on is dropped). */
    get current() { return mine === token; },
  };
  currentCtx = { controller, cleanups };
  document.title = `${found ? t(found.page.title || found.page.nav?.label || "nav.overview") : t("state.notFoundTitle")} — Kozuchi`;
  replace(content, loadingState());
  try {
    if (!found) throw Object.assign(new Error(t("state.notFound")), { notFound: true });
    const nodes = await found.page.render(ctx);
    if (mine !== token) return;
    const message = flashText;
    flashText = null;
    replace(content, message ? el("p", { class: "status-line flash", role: "status", "data-testid": "flash", text: message }) : null, nodes);
  } catch (e) {
    if (mine !== token || e.name === "AbortError") return;
    if (e instanceof PendingError) {
      replace(content, pendingState(e.message));
      const timer = setTimeout(() => { if (mine === token) route(defaultPath, onRoute); }, e.retryAfter * 1000);
      cleanups.push(() => clearTimeout(timer));
    } else if (e.notFound) {
      replace(content, el("h1", { text: t("state.notFoundTitle") }), errorState(e, null, { href: href(defaultPath), text: t("state.backToOverview") }));
    } else {
      console.info(e);
      replace(content, errorState(e, () => route(defaultPath, onRoute)));
    }
  } finally {
    if (mine === token) {
      content.removeAttribute("aria-busy");
      // For screen readers the new page starts here; the focus ring stays for keyboard focus on controls only (app.css).
      content.focus({ preventScroll: true });
    }
  }
}

function leave() {
  if (!currentCtx) return;
  currentCtx.controller.abort();
  for (const f of currentCtx.cleanups.splice(0)) { try { f(); } catch (e) { console.info(e); } }
  currentCtx = null;
}
