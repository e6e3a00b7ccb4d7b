// Kozuchi dashboard: a small hash-routed app over the app's own /api. No build step, no third-party code but Chart.js.
(() => {
  "use strict";
  const texts = window.KOZUCHI_I18N;
  let lang = localStorage.getItem("kozuchi.lang") || "ja";
  const content = document.getElementById("content");
  const charts = [];

  const t = (key) => (texts[lang] && texts[lang][key]) || texts.ja[key] || key;
  // Every amount is formatted in its own currency (the API says which with each figure): yen as ￥5,980, dollars as
  // US$403.00 / $403.00 with the currency's own decimals. Amounts in different currencies are never added here either.
  const money = (n, currency) => n == null ? "—" : new Intl.NumberFormat(lang === "ja" ? "ja-JP" : "en-US", { style: "currency", currency: currency || "JPY" }).format(n);
  // Figures in other currencies than the report's, listed apart: "US$403.00 (1件) · A$12.50 (2件)".
  const others = (list, amount = (o) => o.revenue, count = (o) => o.orders, unit = "common.ordersUnit") => (list || []).map((o) =>
    `${money(amount(o), o.currency)}${count(o) == null ? "" : ` (${num(count(o))}${lang === "ja" ? "" : " "}${t(unit)})`}`).join(" · ");
  const othersNote = (list, testId, amount) => list && list.length
    ? el("p", { class: "hint", "data-testid": testId }, `${t("common.otherCurrencies")}: ${others(list, amount)}`) : null;
  const num = (n) => new Intl.NumberFormat(lang === "ja" ? "ja-JP" : "en-US").format(n);
  const pct = (n) => n == null ? "—" : `${(n * 100).toFixed(1)}%`;

  function el(tag, attrs = {}, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === "text") e.textContent = v;
      // Through the CSSOM: a style attribute would be inline style, which the policy (style-src 'self') refuses.
      else if (k === "style") e.style.cssText = v;
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else if (v !== undefined && v !== null) e.setAttribute(k, v);
    }
    for (const c of children.flat()) if (c != null) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return e;
  }

  async function api(path, options = {}) {
    const response = await fetch(`../${path}`, {
      credentials: "same-origin",
      ...options,
      headers: { Accept: "application/json", "X-Kozuchi-Csrf": "1", ...(options.headers || {}) },
    });
    if (response.status === 401) { location.href = `login?next=${encodeURIComponent(location.pathname + location.hash)}`; throw new Error("401"); }
    if (response.status === 404) return null;
    if (response.status === 503) {
      // The shop's first report set is still being computed (minutes for a large shop): say so and come back.
      const problem = await response.json().catch(() => ({}));
      if (problem.title === "report-set-pending") {
        const error = new Error(t("common.computing"));
        error.retryAfter = Number(response.headers.get("Retry-After")) || 15;
        throw error;
      }
    }
    if (response.status === 422) {
      // A scenario that needs templates or channel providers the app lacks: the answer lists them.
      const problem = await response.json().catch(() => ({}));
      const error = new Error(problem.title || `${response.status} ${response.statusText}`);
      error.problems = (problem.errors || []).map((e) => e.message);
      throw error;
    }
    if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
    return response.status === 204 ? null : response.json();
  }

  function applyTexts() {
    document.documentElement.lang = lang;
    document.querySelectorAll("[data-i18n]").forEach((e) => { e.textContent = t(e.dataset.i18n); });
    document.querySelectorAll("[data-i18n-aria]").forEach((e) => e.setAttribute("aria-label", t(e.dataset.i18nAria)));
  }

  function empty() { return el("p", { class: "empty", text: t("common.empty") }); }

  function table(headers, rows, caption) {
    return el("table", {},
      caption ? el("caption", { class: "visually-hidden", text: caption }) : null,
      el("thead", {}, el("tr", {}, headers.map((h, i) => el("th", { scope: "col", class: i === 0 ? "text" : null, text: h })))),
      el("tbody", {}, rows.map((r) => el("tr", {}, r.map((c, i) => i === 0 ? el("th", { scope: "row", class: "text" }, c) : el("td", {}, c))))));
  }

  function chart(label, config) {
    const canvas = el("canvas", { role: "img", "aria-label": label });
    const box = el("div", { class: "chart" }, canvas);
    queueMicrotask(() => { if (window.Chart) charts.push(new window.Chart(canvas, config)); });
    return box;
  }

  // Which precomputed set the figures come from; after a change a large shop's pass takes minutes, and the pages show
  // the previous figures meanwhile — so say when they were computed, and that newer ones are on the way.
  function freshnessNote(f) {
    if (!f || !f.computedAt) return null;
    const at = new Date(f.computedAt).toLocaleString(lang === "ja" ? "ja-JP" : "en-US", { timeZone: "Asia/Tokyo", dateStyle: "medium", timeStyle: "short" });
    return el("p", { class: "freshness", role: "status", "data-testid": "freshness", "data-current": String(f.current) },
      `${t("freshness.computedAt")} ${at}`, f.current ? null : ` — ${t("freshness.updating")}`);
  }

  // ---- pages -------------------------------------------------------------------------------------------------
  const pages = {
    async overview() {
      // Freshness after the figures: a small shop's pass is over before they are answered, and the note then says current.
      // (A large shop's pass ending in the moment between the calls would label the previous figures current; it lasts minutes.)
      const [data, summary] = await Promise.all([api("reports/kpis"), api("reports/summary")]);
      const fresh = await api("reports/freshness");
      const parts = [el("h1", { text: t("overview.title") }), freshnessNote(fresh)];
      if (summary) {
        parts.push(el("div", { class: "cards", "data-testid": "summary" },
          card(t("common.customers"), num(summary.customers)),
          card(t("common.orders"), num(summary.orders)),
          card(t("common.revenue"), money(summary.revenue, summary.currency))),
          othersNote(summary.otherCurrencies, "summary-other-currencies"));
      }
      if (!data || !data.months || data.months.length === 0) { parts.push(summary ? null : empty()); return parts; }
      const last = data.months[data.months.length - 1];
      const target = (kpi) => (data.targets || []).find((x) => x.kpi === kpi && x.month === last.month);
      parts.push(el("h2", { text: `${t("overview.monthly")} — ${last.month}` }));
      parts.push(el("div", { class: "cards", "data-testid": "kpis" },
        card(t("overview.sales"), money(last.sales, data.currency), target("sales"), last.sales),
        card(t("overview.newSales"), money(last.newSales, data.currency)),
        card(t("overview.repeatSales"), money(last.repeatSales, data.currency)),
        card(t("common.orders"), num(last.orders), target("orders"), last.orders),
        card(t("overview.activeCustomers"), num(last.activeCustomers)),
        card(t("overview.newCustomers"), num(last.newCustomers), target("newCustomers"), last.newCustomers),
        card(t("overview.repeatRate"), pct(last.repeatRate), target("repeatRate"), last.repeatRate),
        card(t("overview.aov"), money(last.aov, data.currency))),
        othersNote(last.otherCurrencies, "kpi-other-currencies", (o) => o.sales));
      parts.push(chart(t("overview.chart"), {
        type: "bar",
        data: { labels: data.months.map((m) => m.month), datasets: [
          { label: t("overview.newSales"), data: data.months.map((m) => m.newSales), backgroundColor: "#0b5cad" },
          { label: t("overview.repeatSales"), data: data.months.map((m) => m.repeatSales), backgroundColor: "#1a7f37" }] },
        options: { responsive: true, scales: { x: { stacked: true }, y: { stacked: true } } },
      }));
      return parts;
    },

    async rfm() {
      const asOfInput = el("input", { type: "date", id: "asof", value: new URLSearchParams(location.hash.split("?")[1]).get("asOf") || "" });
      const result = el("div", {});
      const drill = el("section", { "aria-labelledby": "drill-title" });
      const load = async () => {
        result.replaceChildren(el("p", { text: t("common.loading") }));
        const data = await api(`reports/rfm${asOfInput.value ? `?asOf=${asOfInput.value}` : ""}`);
        if (!data || !data.cells || data.cells.length === 0) { result.replaceChildren(empty()); return; }
        if (!asOfInput.value && data.asOf) asOfInput.value = data.asOf;
        const max = Math.max(...data.cells.map((c) => c.customers), 1);
        const cell = (r, f) => data.cells.find((c) => c.r === r && c.f === f) || { r, f, customers: 0, revenue: 0 };
        const rLabels = ["≤30", "≤90", "≤180", "≤360", "361+"], fLabels = ["1", "2", "3–5", "6–10", "11+"];
        const grid = el("table", { class: "grid", "data-testid": "rfm-grid" },
          el("caption", { text: `${t("rfm.recency")} × ${t("rfm.frequency")}` }),
          el("thead", {}, el("tr", {}, el("th", { scope: "col", text: "R \\ F" }), fLabels.map((f) => el("th", { scope: "col", text: `F${f}` })))),
          el("tbody", {}, [1, 2, 3, 4, 5].map((r) => el("tr", {}, el("th", { scope: "row", text: rLabels[r - 1] }),
            [1, 2, 3, 4, 5].map((f) => {
              const c = cell(r, f);
              const shade = Math.round(235 - 160 * (c.customers / max));
              // The API names each cell in both languages ({code, japanese, english}).
              const name = c.name ? (lang === "ja" ? c.name.japanese : c.name.english) : "";
              return el("td", { class: "cell", style: `background: rgb(${shade}, ${shade + 10}, 255)` },
                el("button", { "data-r": r, "data-f": f, "aria-label": `${name} R${r} F${f}: ${num(c.customers)}`, onclick: () => showCells(r, f, name) },
                  el("strong", { text: num(c.customers) }), el("br"), el("small", { text: name })));
            })))));
        result.replaceChildren(grid, el("p", { class: "hint", text: t("rfm.cellHint") }));
      };
      const showCells = async (r, f, name) => {
        drill.replaceChildren(el("h2", { id: "drill-title", tabindex: "-1", text: `${t("rfm.drill")}: ${name} (R${r} F${f})` }), el("p", { text: t("common.loading") }));
        drill.querySelector("h2").focus();
        const data = await api(`reports/rfm/customers?r=${r}&f=${f}${asOfInput.value ? `&asOf=${asOfInput.value}` : ""}`);
        const rows = (data && data.customers) || [];
        drill.replaceChildren(drill.firstChild,
          rows.length === 0 ? empty() : table([t("rfm.customerId"), t("common.orders"), t("common.revenue"), t("rfm.lastOrder")],
            rows.map((c) => [el("a", { href: `#/customer/${encodeURIComponent(c.customerId)}`, text: c.customerId }), num(c.frequency), money(c.monetary, c.currency), (c.lastOrderAt || "").slice(0, 10)]), t("rfm.drill")),
          el("p", {}, el("a", { class: "button", href: `#/scenarios?segment=${encodeURIComponent(JSON.stringify({ rfm: { r, f } }))}`, text: t("rfm.startScenario") })));
      };
      await load();
      const fresh = await api("reports/freshness");
      return [el("h1", { text: t("rfm.title") }), freshnessNote(fresh),
        el("div", { class: "toolbar" }, el("label", { for: "asof" }, t("common.asOf"), asOfInput), el("button", { onclick: () => load().catch((e) => result.replaceChildren(el("p", { class: "error", role: "alert", text: `${t("common.error")}: ${e.message}` }))), text: t("common.apply") })),
        result, drill];
    },

    async cohorts() {
      const data = await api("reports/cohorts");
      const fresh = await api("reports/freshness");
      const rows = (data && data.cohorts) || [];
      return [el("h1", { text: t("cohorts.title") }), freshnessNote(fresh), rows.length === 0 ? empty() :
        table([t("cohorts.firstMonth"), t("common.customers"), "1", "3", "6", "12"],
          rows.map((c) => [c.month, num(c.customers), pct(c.retention?.m1), pct(c.retention?.m3), pct(c.retention?.m6), pct(c.retention?.m12)]), t("cohorts.retention"))];
    },

    async products() {
      const [entry, conversion, basket] = await Promise.all([api("reports/products/entry"), api("reports/products/conversion"), api("reports/products/basket")]);
      const fresh = await api("reports/freshness");
      // Rates, lifts and day quartiles are exact in the API; three decimals are enough to read them. LTVs are money in
      // the report's currency; other currencies' LTVs are listed apart in their own.
      const cells = (row, currency) => Object.entries(row).map(([k, v]) =>
        k === "ltv" || k === "ltv365" ? money(v, currency)
          : k === "otherCurrencies" ? others(v, (o) => o.ltv, (o) => o.customers, "common.customersUnit")
          : typeof v === "number" && !Number.isInteger(v) ? num(Math.round(v * 1000) / 1000) : v);
      return [el("h1", { text: t("products.title") }), freshnessNote(fresh),
        el("h2", { text: t("products.entry") }), entry && entry.rows?.length ? table(Object.keys(entry.rows[0]), entry.rows.map((r) => cells(r, entry.currency))) : empty(),
        el("h2", { text: t("products.conversion") }), conversion && conversion.rows?.length ? table(Object.keys(conversion.rows[0]), conversion.rows.map((r) => cells(r))) : empty(),
        el("h2", { text: t("products.basket") }), basket && basket.rows?.length ? table(Object.keys(basket.rows[0]), basket.rows.map((r) => cells(r))) : empty()];
    },

    async scenarios() {
      const params = new URLSearchParams(location.hash.split("?")[1] || "");
      const status = el("p", { role: "status" });
      const list = el("div", {});
      const detail = el("section", { "aria-labelledby": "results-title" });
      const fmtDiff = (d) => d == null ? "—" : `${(d.estimate * 100).toFixed(1)}pt [${(d.lower * 100).toFixed(1)}, ${(d.upper * 100).toFixed(1)}] p=${d.pValue.toFixed(3)}`;
      const showResults = async (id) => {
        detail.replaceChildren(el("h2", { id: "results-title", tabindex: "-1", text: `${t("scenarios.results")}: ${id}` }), el("p", { text: t("common.loading") }));
        detail.querySelector("h2").focus();
        const data = await api(`scenarios/${encodeURIComponent(id)}/results`);
        const r = data && data.results;
        if (!r) { detail.replaceChildren(detail.firstChild, empty()); return; }
        const tally = r.tally || {};
        const suppressed = Object.values(tally.suppressed || {}).reduce((a, b) => a + b, 0);
        const parts = [detail.firstChild, freshnessNote({ computedAt: data.computedAt, current: data.current }),
          el("div", { class: "cards", "data-testid": "scenario-totals" },
            card(t("scenarios.entered"), num(r.entered)), card(t("scenarios.recipients"), num(r.arms.filter((a) => !a.holdout).reduce((n, a) => n + a.recipients, 0))),
            card(t("scenarios.converted"), num(r.converted)), card(t("common.revenue"), money(r.revenue, r.currency))),
          othersNote(r.otherRevenue, "scenario-other-currencies", (o) => o.amount),
          el("h3", { text: t("scenarios.sends") }),
          el("div", { class: "cards sends", "data-testid": "send-outcomes" },
            card(t("scenarios.sent"), num(tally.sent || 0)), card(t("scenarios.delivered"), num(tally.delivered || 0)),
            card(t("scenarios.sandbox"), num(tally.sandbox || 0)), card(t("scenarios.failed"), num(tally.failed || 0)),
            card(t("scenarios.suppressed"), num(suppressed)), card(t("scenarios.pending"), num(tally.pending || 0)),
            card(t("scenarios.cost"), money(r.cost, r.currency)))];
        const reasons = [
          ...Object.entries(tally.suppressed || {}).map(([reason, n]) => [`${t("scenarios.suppressed")}: ${t(`suppressed.${reason}`)}`, num(n)]),
          ...(tally.quietHoursDeferred ? [[t("scenarios.quietHours"), num(tally.quietHoursDeferred)]] : []),
          ...Object.entries(tally.failedReasons || {}).map(([reason, n]) => [`${t("scenarios.failed")}: ${reason}`, num(n)])];
        if (reasons.length) parts.push(table([t("scenarios.reason"), t("scenarios.count")], reasons, t("scenarios.reason")));
        if (tally.sandbox) parts.push(el("p", {}, el("a", { href: `#/outbox?scenario=${encodeURIComponent(id)}`, "data-testid": "outbox-link", text: t("scenarios.openOutbox") })));
        parts.push(r.arms.length === 0 ? empty() : table(
          [t("scenarios.variant"), t("scenarios.entered"), t("scenarios.sent"), t("scenarios.sandbox"), t("scenarios.failed"), t("scenarios.suppressed"), t("scenarios.converted"), "CVR", t("scenarios.recipientCvr"), t("scenarios.revenuePerCustomer"), t("scenarios.versusControl"), t("scenarios.cost"), "ROAS"],
          r.arms.map((a) => [a.holdout ? `${a.arm} (${t("scenarios.holdout")})` : a.arm, num(a.entered), num(a.sent), num(a.tally?.sandbox || 0), num(a.tally?.failed || 0),
            num(Object.values(a.tally?.suppressed || {}).reduce((x, y) => x + y, 0)), num(a.converted), pct(a.conversionRate), a.holdout ? "—" : pct(a.recipientConversionRate),
            money(a.revenuePerCustomer, r.currency), a.versusControl ? fmtDiff(a.versusControl.conversion) : "—", money(a.cost, r.currency), a.roas == null ? "—" : a.roas.toFixed(2)]),
          t("scenarios.variant")));
        if (r.uplift && r.uplift.length) {
          parts.push(el("h3", { text: t("scenarios.uplift") }), table(
            [t("scenarios.variant"), t("scenarios.treatmentRate"), t("scenarios.holdoutRate"), t("scenarios.upliftCvr"), t("scenarios.incrementalRevenue"), t("scenarios.incrementalRoas")],
            r.uplift.map((u) => [u.treatment, pct(u.uplift.treatmentRate), pct(u.uplift.holdoutRate), fmtDiff(u.uplift.conversionUplift),
              money(u.uplift.incrementalRevenue, r.currency), u.incrementalRoas == null ? "—" : u.incrementalRoas.toFixed(2)]), t("scenarios.uplift")));
        }
        if (r.winner) parts.push(el("p", { "data-testid": "winner", text: `${t("scenarios.winner")}: ${r.winner.arm || "—"} — ${r.winner.reason}` }));
        detail.replaceChildren(...parts);
      };
      const lifecycle = (id, action) => async () => {
        await api(`scenarios/${encodeURIComponent(id)}/${action}`, { method: "POST" });
        status.textContent = `${id}: ${t(`scenarios.${action}d`)}`;
        await load();
      };
      const load = async () => {
        const rows = (await api("scenarios")) || [];
        list.replaceChildren(rows.length === 0 ? empty() : table(["id", t("scenarios.name"), t("scenarios.status"), t("scenarios.version"), ""],
          rows.map((s) => [s.scenarioId, s.name || "", t(`scenarios.status.${s.status.toLowerCase()}`), String(s.activeVersion || s.latestVersion),
            el("span", { class: "actions" },
              el("button", { "data-results": s.scenarioId, onclick: () => showResults(s.scenarioId), text: t("scenarios.results") }),
              s.status === "Active" ? el("button", { onclick: lifecycle(s.scenarioId, "pause"), text: t("scenarios.pause") }) : null,
              s.status === "Paused" ? el("button", { onclick: lifecycle(s.scenarioId, "resume"), text: t("scenarios.resume") }) : null,
              s.status === "Draft" ? el("button", { onclick: lifecycle(s.scenarioId, "activate"), text: t("scenarios.activate") }) : null)]),
          t("scenarios.title")));
      };
      const parts = [el("h1", { text: t("scenarios.title") }), status];
      const segment = params.get("segment");
      if (segment) parts.push(startForm(JSON.parse(segment), status, load));
      await load();
      parts.push(list, detail);
      return parts;
    },

    async operations() {
      const list = el("div", {});
      const load = async () => {
        const queues = (await api("operations/poison")) || [];
        const withMessages = queues.filter((q) => q.approximateCount > 0);
        if (withMessages.length === 0) { list.replaceChildren(el("p", { class: "empty", text: t("operations.none") })); return; }
        list.replaceChildren(table([t("operations.queue"), t("operations.count"), t("operations.sample"), ""],
          withMessages.map((q) => [q.queue, num(q.approximateCount),
            el("pre", { class: "message", text: (q.sample[0] && q.sample[0].body) || "" }),
            el("button", { "data-queue": q.queue, onclick: async (e) => {
              e.target.disabled = true;
              const outcome = await api(`operations/poison/${encodeURIComponent(q.queue)}/replay`, { method: "POST" });
              status.textContent = `${q.queue}: ${outcome.moved} ${t("operations.replayed")}`;
              await load();
            }, text: t("operations.replay") })]), t("operations.poison")));
      };
      const status = el("p", { role: "status" });
      const imports = el("div", { "data-testid": "imports" });
      const loadImports = async () => {
        const rows = (await api("operations/imports")) || [];
        imports.replaceChildren(rows.length === 0 ? el("p", { class: "empty", text: t("operations.noImports") }) :
          table([t("operations.file"), t("operations.at"), t("operations.rowsRead"), t("operations.ordersAccepted"), t("operations.rowsRejected"), ""],
            rows.map((i) => [i.file, (i.at || "").replace("T", " ").slice(0, 16), num(i.report.summary.rowsRead), num(i.report.summary.ordersAccepted),
              num(i.report.summary.rowsRejected),
              i.hasErrors ? el("a", { href: `../operations/imports/errors?file=${encodeURIComponent(i.file)}`, download: "", text: t("operations.errors") }) : ""]),
            t("operations.imports")));
      };
      await Promise.all([load(), loadImports()]);
      return [el("h1", { text: t("operations.title") }), el("h2", { text: t("operations.poison") }), status, list,
        el("h2", { text: t("operations.imports") }), imports];
    },
  };

  // Pages that live in a file of their own (outbox.js) register in window.KOZUCHI_PAGES and get the helpers they use.
  const toolkit = { el, api, t, num, money, pct, table, empty, lang: () => lang };
  for (const [name, page] of Object.entries(window.KOZUCHI_PAGES || {})) pages[name] = () => page(toolkit);

  // "Start a scenario for this segment": the RFM cell becomes a stored segment and a one-off broadcast to it at the
  // chosen time (the browser's clock and zone), activated at once; the list below shows it and, later, its results.
  function startForm(segment, status, reload) {
    const { r, f } = segment.rfm;
    const at = new Date(Date.now() + 3600 * 1000);
    const local = new Date(at.getTime() - at.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
    const name = el("input", { id: "start-name", value: `RFM R${r} F${f}` });
    const channel = el("select", { id: "start-channel" }, el("option", { value: "email", text: t("scenarios.email") }), el("option", { value: "line", text: "LINE" }));
    // The templates that have a part for the chosen channel; the built-in segment-broadcast is the default.
    const template = el("select", { id: "start-template" });
    let templates = [];
    const fillTemplates = () => {
      const part = channel.value === "line" ? (x) => x.line || (x.lineMessages && x.lineMessages.length) : (x) => x.email;
      const usable = templates.filter((v) => part(v.template));
      template.replaceChildren(...usable.map((v) => el("option", { value: v.template.id, text: v.template.description ? `${v.template.id} — ${v.template.description}` : v.template.id })));
      template.value = usable.some((v) => v.template.id === "segment-broadcast") ? "segment-broadcast" : (usable[0]?.template.id || "");
    };
    channel.addEventListener("change", fillTemplates);
    api("templates").then((list) => { templates = list || []; fillTemplates(); }).catch((e) => { status.textContent = `${t("common.error")}: ${e.message}`; });
    const when = el("input", { id: "start-at", type: "datetime-local", value: local });
    const submit = async (e) => {
      e.preventDefault();
      try {
        await start();
      } catch (error) {
        status.setAttribute("role", "alert");
        status.replaceChildren(el("strong", { text: `${t("scenarios.notStarted")}: ${error.message}` }),
          error.problems && error.problems.length ? el("ul", {}, error.problems.map((p) => el("li", { text: p }))) : null);
        await reload().catch(() => {});
      }
    };
    const start = async () => {
      status.setAttribute("role", "status");
      const stamp = when.value.replace(/[^0-9]/g, "").slice(0, 12);
      const segmentId = `rfm-r${r}-f${f}`;
      const scenarioId = `broadcast-${segmentId}-${stamp}`;
      const json = { "Content-Type": "application/json" };
      await api("segments", { method: "POST", headers: json, body: JSON.stringify({ schemaVersion: 1, id: segmentId, name: `RFM R${r} F${f}`, rule: { type: "rfm", r: [r], f: [f] } }) });
      await api("scenarios", { method: "POST", headers: json, body: JSON.stringify({
        schemaVersion: 1, id: scenarioId, version: 1, name: name.value,
        trigger: { type: "broadcast", segmentId, at: new Date(when.value).toISOString() },
        steps: [{ type: "send", id: "send", channels: [channel.value], template: template.value }] }) });
      await api(`scenarios/${encodeURIComponent(scenarioId)}/activate`, { method: "POST" });
      status.textContent = `${scenarioId}: ${t("scenarios.started")}`;
      await reload();
    };
    return el("form", { class: "start", "data-testid": "start-scenario", onsubmit: submit },
      el("h2", { text: `${t("rfm.startScenario")} (R${r} F${f})` }),
      el("label", { for: "start-name" }, t("scenarios.name"), name),
      el("label", { for: "start-channel" }, t("scenarios.channel"), channel),
      el("label", { for: "start-template" }, t("scenarios.template"), template),
      el("label", { for: "start-at" }, t("scenarios.sendAt"), when),
      el("button", { type: "submit", text: t("scenarios.start") }));
  }

  function card(label, value, target, actual) {
    const parts = [el("div", { class: "label", text: label }), el("div", { class: "value", text: value })];
    if (target && target.value) {
      const ratio = Math.min(actual / target.value, 1);
      parts.push(el("div", { class: "label", text: `${t("overview.target")} ${num(target.value)} — ${t("overview.progress")} ${pct(actual / target.value)}` }),
        el("div", { class: "progress", role: "progressbar", "aria-valuemin": "0", "aria-valuemax": "100", "aria-valuenow": String(Math.round(ratio * 100)) },
          el("span", { style: `width:${ratio * 100}%` })));
    }
    return el("div", { class: "card" }, parts);
  }

  let retry = null;

  async function route() {
    clearTimeout(retry);
    const name = (location.hash.replace(/^#\//, "").split(/[/?]/)[0]) || "overview";
    const page = pages[name] || pages.overview;
    charts.splice(0).forEach((c) => c.destroy());
    document.querySelectorAll("#nav a").forEach((a) => {
      if (a.dataset.page === name) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
    });
    document.title = `${t(`nav.${name in pages ? name : "overview"}`)} — Kozuchi`;
    content.replaceChildren(el("p", { text: t("common.loading") }));
    try {
      const nodes = await page();
      content.replaceChildren(...[nodes].flat().filter(Boolean));
    } catch (e) {
      if (e.retryAfter) {
        content.replaceChildren(el("p", { class: "pending", role: "status", "data-testid": "pending", text: e.message }));
        const hash = location.hash;
        retry = setTimeout(() => { if (location.hash === hash) route(); }, e.retryAfter * 1000);
      } else {
        content.replaceChildren(el("p", { class: "error", role: "alert", text: `${t("common.error")}: ${e.message}` }));
      }
    }
    content.dataset.page = name;
    content.focus({ preventScroll: true });
  }

  const select = document.getElementById("lang");
  select.value = lang;
  select.addEventListener("change", () => { lang = select.value; localStorage.setItem("kozuchi.lang", lang); applyTexts(); route(); });
  window.addEventListener("hashchange", route);
  applyTexts();
  route();
})();
