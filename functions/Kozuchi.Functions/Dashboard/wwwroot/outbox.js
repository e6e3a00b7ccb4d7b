// 送信プレビュー: the sandbox outbox, per scenario and per customer, each message as the customer would see it.
// Self-contained: it registers one page with the dashboard and uses only the helpers the dashboard hands it, so it
// can move to another shell as it is. The email HTML is never put into this document: it is a separate, sandboxed
// document (its own strict policy, no script) shown in a sandboxed frame, so the dashboard's policy stays strict.
(() => {
  "use strict";
  const pages = (window.KOZUCHI_PAGES = window.KOZUCHI_PAGES || {});

  pages.outbox = async (k) => {
    const { el, api, t, num } = k;
    const params = new URLSearchParams(location.hash.split("?")[1] || "");
    const when = (iso) => new Date(iso).toLocaleString(k.lang() === "ja" ? "ja-JP" : "en-US", { timeZone: "Asia/Tokyo", dateStyle: "medium", timeStyle: "short" });
    const short = (iso) => new Date(iso).toLocaleString(k.lang() === "ja" ? "ja-JP" : "en-US", { timeZone: "Asia/Tokyo", month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit" });
    const channelName = (c) => c === "email" ? t("outbox.email") : c === "line" ? "LINE" : c;

    const [providers, scenarios] = await Promise.all([api("channels/providers"), api("scenarios")]);
    const scenario = el("select", { id: "outbox-scenario" }, el("option", { value: "", text: t("outbox.allScenarios") }),
      (scenarios || []).map((s) => el("option", { value: s.scenarioId, text: s.name ? `${s.name} (${s.scenarioId})` : s.scenarioId })));
    scenario.value = params.get("scenario") || "";
    const customer = el("input", { id: "outbox-customer", value: params.get("customer") || "", placeholder: "c-…", autocomplete: "off" });
    const list = el("div", { "data-testid": "outbox-list" });
    const detail = el("section", { class: "outbox-detail", "aria-labelledby": "outbox-detail-title", "data-testid": "outbox-detail" });

    const status = el("div", { class: "cards providers", "data-testid": "providers" },
      ["email", "line"].map((c) => {
        const p = providers && providers[c];
        const kind = p ? p.kind.toLowerCase() : "none";
        return el("div", { class: `card provider provider-${kind}` },
          el("div", { class: "label", text: channelName(c) }),
          el("div", { class: "value", text: t(`outbox.provider.${kind}`) }),
          p && p.problem ? el("div", { class: "label", text: p.problem }) : null);
      }));

    const show = async (name) => {
      detail.replaceChildren(el("p", { text: t("common.loading") }));
      const m = await api(`outbox/message?name=${encodeURIComponent(name)}`);
      if (!m) { detail.replaceChildren(k.empty()); return; }
      const facts = (rows) => el("dl", { class: "facts" }, rows.filter((r) => r[1]).flatMap(([label, value]) => [el("dt", { text: label }), el("dd", {}, value)]));
      const common = [
        [t("outbox.scenario"), `${m.scenarioId} v${m.definitionVersion} / ${m.stepId}${m.arm ? ` (${m.arm})` : ""}`],
        [t("outbox.template"), m.template],
        [t("outbox.customer"), el("a", { href: `#/outbox?customer=${encodeURIComponent(m.customerId)}`, text: m.customerId })],
        [t("outbox.at"), when(m.at)],
        [t("outbox.ledgerKey"), el("code", { text: m.ledgerKey })],
      ];
      const parts = [];
      if (m.email) {
        const e = m.email;
        const frame = el("iframe", { sandbox: "", title: t("outbox.htmlTitle"), class: "mail", "data-testid": "mail-frame",
          src: `../outbox/html?name=${encodeURIComponent(name)}`, referrerpolicy: "no-referrer" });
        const text = el("pre", { class: "mail-text", hidden: "", "data-testid": "mail-text", text: e.text });
        const tab = (label, showHtml) => el("button", { type: "button", role: "tab", "aria-selected": String(showHtml), onclick: (ev) => {
          frame.hidden = !showHtml; text.hidden = showHtml;
          ev.target.parentNode.querySelectorAll("button").forEach((b) => b.setAttribute("aria-selected", String(b === ev.target)));
        }, text: label });
        parts.push(el("h2", { id: "outbox-detail-title", tabindex: "-1", "data-testid": "mail-subject", text: e.subject }),
          facts([
            [t("outbox.to"), e.toName ? `${e.toName} <${e.to}>` : e.to],
            [t("outbox.from"), e.from],
            [t("outbox.preheader"), e.preheader],
            [t("outbox.unsubscribe"), el("code", { text: Object.entries(e.headers || {}).map(([h, v]) => `${h}: ${v}`).join("\n") })],
            [t("outbox.idempotency"), el("code", { text: `Operation-Id: ${m.idempotencyKey}` })],
            ...common]),
          el("div", { role: "tablist", class: "tabs", "aria-label": t("outbox.body") }, tab(t("outbox.html"), true), tab(t("outbox.text"), false)),
          frame, text);
      } else if (m.line) {
        const l = m.line;
        parts.push(el("h2", { id: "outbox-detail-title", tabindex: "-1", text: t("outbox.lineTitle") }),
          facts([
            [t("outbox.to"), el("code", { text: l.to })],
            [t("outbox.idempotency"), el("code", { text: `X-Line-Retry-Key: ${m.idempotencyKey}` })],
            [t("outbox.multicast"), l.multicastRecipients ? `${num(l.multicastRecipients)} ${t("outbox.recipients")}` : t("outbox.push")],
            ...common]),
          el("div", { class: "line-chat", "data-testid": "line-chat", role: "log", "aria-label": t("outbox.lineTitle") },
            l.messages.map((msg) => msg.type === "text"
              ? el("p", { class: "bubble", text: msg.text })
              : el("div", { class: "bubble flex" }, el("strong", { text: msg.altText }), el("small", { text: ` (${t("outbox.flex")})` })))));
      }
      detail.replaceChildren(...parts);
      detail.querySelector("h2")?.focus();
    };

    const load = async () => {
      list.replaceChildren(el("p", { text: t("common.loading") }));
      const query = new URLSearchParams();
      if (scenario.value) query.set("scenario", scenario.value);
      if (customer.value.trim()) query.set("customer", customer.value.trim());
      query.set("take", "100");
      const page = await api(`outbox?${query}`);
      const rows = (page && page.messages) || [];
      if (rows.length === 0) { list.replaceChildren(el("p", { class: "empty", text: t("outbox.none") })); detail.replaceChildren(); return; }
      list.replaceChildren(
        el("p", { class: "count", "data-testid": "outbox-count", text: `${t("outbox.count")}: ${num(page.total)}` }),
        k.table([t("outbox.summary"), t("outbox.channel"), t("outbox.at"), scenario.value ? t("outbox.customer") : t("outbox.scenario")],
          rows.map((r) => [
            el("button", { type: "button", class: "link-like summary", title: r.summary || r.template, "data-message": r.name, onclick: () => show(r.name), text: r.summary || r.template }),
            channelName(r.channel), short(r.at), el("span", { class: "ellipsis", title: scenario.value ? r.customerId : r.scenarioId, text: scenario.value ? r.customerId : r.scenarioId })]),
          t("nav.outbox")));
      const wanted = params.get("message");
      await show(wanted && rows.some((r) => r.name === wanted) ? wanted : rows[0].name);
    };

    const apply = async (e) => {
      e.preventDefault();
      const q = new URLSearchParams();
      if (scenario.value) q.set("scenario", scenario.value);
      if (customer.value.trim()) q.set("customer", customer.value.trim());
      history.replaceState(null, "", `#/outbox${q.toString() ? `?${q}` : ""}`);
      await load();
    };

    await load();
    return [el("h1", { text: t("outbox.title") }),
      el("p", { class: "hint", text: t("outbox.intro") }),
      status,
      el("form", { class: "toolbar", onsubmit: apply },
        el("label", { for: "outbox-scenario" }, t("outbox.scenario"), scenario),
        el("label", { for: "outbox-customer" }, t("outbox.customer"), customer),
        el("button", { type: "submit", text: t("common.apply") })),
      el("div", { class: "outbox" }, list, detail)];
  };
})();
