// 送信プレビュー: the sandbox outbox, per scenario and per customer, each message as the customer would see it.
// The email HTML is never put into this document: it is a separate, sandboxed document (its own strict policy, no
// script) shown in a sandboxed frame, so the dashboard's policy stays strict.
import { definePage, href } from "../lib/router.js";
import { addTexts, t } from "../lib/i18n.js";
import { el, field, replace } from "../lib/dom.js";
import { api, apiUrl } from "../lib/api.js";
import { dateTime, num } from "../lib/format.js";
import { emptyState, facts, loadingState, pageHeader } from "../components/states.js";

addTexts({
  ja: {
    "nav.outbox": "送信プレビュー",
    "outbox.title": "送信プレビュー", "outbox.intro": "シナリオが送ったメールとLINEを、お客様に届く姿のまま確認できます。サンドボックスでは実際には送信されず、ここに保存されます。",
    "outbox.email": "メール", "outbox.allScenarios": "すべてのシナリオ", "outbox.scenario": "シナリオ", "outbox.customer": "顧客ID",
    "outbox.at": "日時", "outbox.channel": "チャネル", "outbox.summary": "件名・本文", "outbox.count": "件数: {n}", "outbox.none": "送信プレビューに表示するメッセージはまだありません。",
    "outbox.template": "テンプレート", "outbox.ledgerKey": "送信キー", "outbox.to": "宛先", "outbox.from": "差出人", "outbox.preheader": "プレヘッダー",
    "outbox.unsubscribe": "配信停止ヘッダー", "outbox.idempotency": "冪等キー", "outbox.body": "本文", "outbox.html": "HTML", "outbox.text": "テキスト",
    "outbox.htmlTitle": "メール本文 (HTML)", "outbox.lineTitle": "LINE メッセージ", "outbox.multicast": "送信方法", "outbox.recipients": "人へのマルチキャスト",
    "outbox.push": "プッシュ (1人)", "outbox.flex": "Flexメッセージ",
    "outbox.provider.sandbox": "サンドボックス (送信せず保存)", "outbox.provider.acs": "Azure Communication Services", "outbox.provider.line": "LINE Messaging API",
    "outbox.provider.none": "未設定 (このチャネルのシナリオは開始できません)",
  },
  en: {
    "nav.outbox": "Send preview",
    "outbox.title": "Send preview", "outbox.intro": "The emails and LINE messages scenarios sent, as the customer sees them. In the sandbox nothing is actually sent: the messages are kept here.",
    "outbox.email": "Email", "outbox.allScenarios": "All scenarios", "outbox.scenario": "Scenario", "outbox.customer": "Customer id",
    "outbox.at": "Time", "outbox.channel": "Channel", "outbox.summary": "Subject / text", "outbox.count": "Messages: {n}", "outbox.none": "No messages to preview yet.",
    "outbox.template": "Template", "outbox.ledgerKey": "Send key", "outbox.to": "To", "outbox.from": "From", "outbox.preheader": "Preheader",
    "outbox.unsubscribe": "Unsubscribe headers", "outbox.idempotency": "Idempotency key", "outbox.body": "Body", "outbox.html": "HTML", "outbox.text": "Text",
    "outbox.htmlTitle": "Email body (HTML)", "outbox.lineTitle": "LINE messages", "outbox.multicast": "Sent as", "outbox.recipients": "recipient multicast",
    "outbox.push": "Push (one recipient)", "outbox.flex": "Flex message",
    "outbox.provider.sandbox": "Sandbox (kept, not sent)", "outbox.provider.acs": "Azure Communication Services", "outbox.provider.line": "LINE Messaging API",
    "outbox.provider.none": "Not configured (scenarios on this channel cannot start)",
  },
});

const channelName = (c) => (c === "email" ? t("outbox.email") : c === "line" ? "LINE" : c);

definePage({
  path: "outbox",
  nav: { order: 110, label: "nav.outbox" },
  async render(ctx) {
    const params = ctx.params;
    const [providers, scenarios] = await Promise.all([api("channels/providers", { signal: ctx.signal }), api("scenarios", { signal: ctx.signal })]);
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
          el("div", { class: "kpi-label", text: channelName(c) }),
          el("div", { class: "provider-kind", text: t(`outbox.provider.${kind}`) }),
          p && p.problem ? el("div", { class: "kpi-sub", text: p.problem }) : null);
      }));

    const show = async (name) => {
      replace(detail, loadingState());
      const m = await api(`outbox/message?name=${encodeURIComponent(name)}`, { signal: ctx.signal });
      if (!m) { replace(detail, emptyState()); return; }
      const common = [
        [t("outbox.scenario"), `${m.scenarioId} v${m.definitionVersion} / ${m.stepId}${m.arm ? ` (${m.arm})` : ""}`],
        [t("outbox.template"), m.template],
        [t("outbox.customer"), el("a", { href: href(`customers/${encodeURIComponent(m.customerId)}`), text: m.customerId })],
        [t("outbox.at"), dateTime(m.at)],
        [t("outbox.ledgerKey"), el("code", { text: m.ledgerKey })],
      ];
      const parts = [];
      if (m.email) {
        const e = m.email;
        const frame = el("iframe", { sandbox: "", title: t("outbox.htmlTitle"), class: "mail", "data-testid": "mail-frame",
          src: apiUrl(`outbox/html?name=${encodeURIComponent(name)}`), referrerpolicy: "no-referrer" });
        const text = el("pre", { class: "mail-text", hidden: true, "data-testid": "mail-text", text: e.text });
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
            l.messages.map((msg) => (msg.type === "text"
              ? el("p", { class: "bubble", text: msg.text })
              : el("div", { class: "bubble flex" }, el("strong", { text: msg.altText }), el("small", { text: ` (${t("outbox.flex")})` }))))));
      }
      replace(detail, parts);
      const heading = detail.querySelector("h2");
      if (heading) heading.focus({ preventScroll: true });
    };

    const load = async () => {
      replace(list, loadingState());
      const query = new URLSearchParams();
      if (scenario.value) query.set("scenario", scenario.value);
      if (customer.value.trim()) query.set("customer", customer.value.trim());
      query.set("take", "100");
      const page = await api(`outbox?${query}`, { signal: ctx.signal });
      const rows = (page && page.messages) || [];
      if (rows.length === 0) { replace(list, emptyState(t("outbox.none"))); replace(detail); return; }
      replace(list,
        el("p", { class: "count", "data-testid": "outbox-count", text: t("outbox.count", { n: num(page.total) }) }),
        el("table", { class: "data dense" },
          el("caption", { class: "visually-hidden", text: t("nav.outbox") }),
          el("thead", {}, el("tr", {}, [t("outbox.summary"), t("outbox.channel"), t("outbox.at"), scenario.value ? t("outbox.customer") : t("outbox.scenario")]
            .map((h, i) => el("th", { scope: "col", class: i ? "text" : "text", text: h })))),
          el("tbody", {}, rows.map((r) => el("tr", {},
            el("td", { class: "text" }, el("button", { type: "button", class: "link-like summary", title: r.summary || r.template, "data-message": r.name, onclick: () => show(r.name), text: r.summary || r.template })),
            el("td", { class: "text", text: channelName(r.channel) }),
            el("td", { class: "text nowrap", text: dateTime(r.at) }),
            el("td", { class: "text" }, el("span", { class: "ellipsis", title: scenario.value ? r.customerId : r.scenarioId, text: scenario.value ? r.customerId : r.scenarioId })))))));
      const wanted = params.get("message");
      await show(wanted && rows.some((r) => r.name === wanted) ? wanted : rows[0].name);
    };

    const apply = async (e) => {
      e.preventDefault();
      ctx.setParams({ scenario: scenario.value, customer: customer.value.trim(), message: null });
      await load();
    };

    await load();
    return [pageHeader(t("outbox.title"), { lead: t("outbox.intro") }),
      status,
      el("form", { class: "toolbar", onsubmit: apply },
        field(t("outbox.scenario"), scenario),
        field(t("outbox.customer"), customer),
        el("button", { type: "submit", text: t("common.apply") })),
      el("div", { class: "outbox" }, list, detail)];
  },
});
