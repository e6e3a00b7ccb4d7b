// テンプレート: the message templates every scenario step names — the list, and an editor for one template's parts
// (email subject, preheader, HTML and text; LINE text or message objects; DM copy; call script; Japanese and English)
// with a live preview rendered by the server's own renderer for a sample customer (the email's HTML in a sandboxed
// frame, as 送信プレビュー shows it), saving with the API's checks (400/409/422 reasons shown), and a test send to the
// sandbox outbox.
import { definePage, href, path } from "../lib/router.js";
import { addTexts, pick, t } from "../lib/i18n.js";
import { el, field, replace } from "../lib/dom.js";
import { api, apiUrl } from "../lib/api.js";
import { dateTime, num } from "../lib/format.js";
import { dataTable } from "../components/data-table.js";
import { badge, emptyState, errorState, pageHeader, section } from "../components/states.js";

addTexts({
  ja: {
    "nav.templates": "テンプレート", "templates.title": "テンプレート",
    "templates.lead": "シナリオが送るメール・LINE・DM・架電の文面です。編集すると次の送信から使われます。お客様の名前や商品名は {{ customer }} などの差し込みで入ります。",
    "templates.id": "ID", "templates.description": "説明", "templates.channels": "チャネル", "templates.usedBy": "使っているプリセット", "templates.state": "状態",
    "templates.updated": "更新", "templates.default": "既定", "templates.edited": "編集済み (第 {n} 版)", "templates.edit": "編集",
    "templates.channel.email": "メール", "templates.channel.line": "LINE", "templates.channel.postal": "DM", "templates.channel.phone": "架電",
    "templates.none": "テンプレートがありません。", "templates.notFound": "テンプレート「{id}」はありません。", "templates.back": "一覧へ",
    "templates.editTitle": "テンプレートの編集: {id}", "templates.language": "言語", "templates.ja": "日本語", "templates.en": "English (英語版)",
    "templates.enHint": "英語版で空の部分は日本語の内容が使われます (ショップの配信言語が英語のとき)。",
    "templates.email": "メール", "templates.subject": "件名", "templates.preheader": "プレヘッダー (受信一覧で件名の後に表示)", "templates.html": "HTML 本文", "templates.text": "テキスト本文",
    "templates.line": "LINE", "templates.lineText": "LINE テキスト", "templates.lineMessages": "LINE メッセージ (JSON、1〜5 件の text / flex)", "templates.postal": "DM 文面", "templates.call": "架電スクリプト",
    "templates.coupon": "クーポンコード ({{ coupon }})", "templates.parts": "チャネル", "templates.addPart": "{part} を追加", "templates.removePart": "{part} を削除",
    "templates.save": "保存", "templates.saving": "保存中…", "templates.saved": "保存しました (第 {n} 版)。次の送信から使われます。", "templates.revert": "変更を取り消す",
    "templates.notSaved": "保存できませんでした", "templates.dirty": "保存していない変更があります",
    "templates.preview": "プレビュー", "templates.previewFor": "表示する顧客", "templates.sample": "サンプル顧客 (佐藤 花子)", "templates.customerId": "顧客 ID (空欄でサンプル)",
    "templates.previewing": "プレビューを作成中…", "templates.problems": "このままでは送信できません", "templates.to": "宛先", "templates.previewHtml": "メール本文 (HTML)",
    "templates.tab.email": "メール", "templates.tab.text": "テキスト", "templates.tab.line": "LINE", "templates.tab.postal": "DM", "templates.tab.call": "架電",
    "templates.noPart": "この部分はありません。", "templates.testSend": "テスト送信", "templates.testEmail": "メールをテスト送信", "templates.testLine": "LINE をテスト送信",
    "templates.testHint": "テスト送信は送信プレビュー (サンドボックス) に保存され、お客様には届きません。保存済みの内容が送られます。",
    "templates.testSaveFirst": "変更を保存してからテスト送信できます。", "templates.testDone": "テスト送信しました。", "templates.openOutbox": "送信プレビューで見る",
    "templates.variables": "差し込み: {{ customer }} (佐藤 花子 様)・{{ name }} (お名前のみ)・{{ last_product }}・{{ entry_product }}・{{ coupon }}・{{ shop_name }}・{{ unsubscribe_url }}",
    "templates.search": "検索",
  },
  en: {
    "nav.templates": "Templates", "templates.title": "Templates",
    "templates.lead": "The email, LINE, DM and call texts scenarios send. An edit is used from the next send on. Names and products come in through placeholders such as {{ customer }}.",
    "templates.id": "Id", "templates.description": "Description", "templates.channels": "Channels", "templates.usedBy": "Used by presets", "templates.state": "State",
    "templates.updated": "Updated", "templates.default": "Built-in", "templates.edited": "Edited (revision {n})", "templates.edit": "Edit",
    "templates.channel.email": "Email", "templates.channel.line": "LINE", "templates.channel.postal": "DM", "templates.channel.phone": "Call",
    "templates.none": "No templates.", "templates.notFound": "There is no template “{id}”.", "templates.back": "Back to the list",
    "templates.editTitle": "Edit template: {id}", "templates.language": "Language", "templates.ja": "日本語 (Japanese)", "templates.en": "English",
    "templates.enHint": "Empty English parts fall back to the Japanese ones (when the shop sends in English).",
    "templates.email": "Email", "templates.subject": "Subject", "templates.preheader": "Preheader (shown after the subject in the inbox)", "templates.html": "HTML body", "templates.text": "Text body",
    "templates.line": "LINE", "templates.lineText": "LINE text", "templates.lineMessages": "LINE messages (JSON, 1–5 text / flex)", "templates.postal": "DM copy", "templates.call": "Call script",
    "templates.coupon": "Coupon code ({{ coupon }})", "templates.parts": "Channels", "templates.addPart": "Add {part}", "templates.removePart": "Remove {part}",
    "templates.save": "Save", "templates.saving": "Saving…", "templates.saved": "Saved (revision {n}). Used from the next send on.", "templates.revert": "Discard changes",
    "templates.notSaved": "Not saved", "templates.dirty": "Unsaved changes",
    "templates.preview": "Preview", "templates.previewFor": "Customer", "templates.sample": "Sample customer (Hanako Sato)", "templates.customerId": "Customer id (empty: the sample)",
    "templates.previewing": "Rendering the preview…", "templates.problems": "This cannot be sent as it is", "templates.to": "To", "templates.previewHtml": "Email body (HTML)",
    "templates.tab.email": "Email", "templates.tab.text": "Text", "templates.tab.line": "LINE", "templates.tab.postal": "DM", "templates.tab.call": "Call",
    "templates.noPart": "This part is not set.", "templates.testSend": "Test send", "templates.testEmail": "Test-send the email", "templates.testLine": "Test-send the LINE message",
    "templates.testHint": "A test send goes to the send preview (sandbox) and never reaches a customer. The saved version is sent.",
    "templates.testSaveFirst": "Save your changes to test-send them.", "templates.testDone": "Test sent.", "templates.openOutbox": "Open it in the send preview",
    "templates.variables": "Placeholders: {{ customer }} (the addressee, 佐藤 花子 様), {{ name }} (the name alone), {{ last_product }}, {{ entry_product }}, {{ coupon }}, {{ shop_name }}, {{ unsubscribe_url }}",
    "templates.search": "Search",
  },
});

const CHANNELS = ["email", "line", "postal", "phone"];

/** The channels a template's parts (one language) can send on. */
export function partChannels(p) {
  if (!p) return [];
  return CHANNELS.filter((c) => (c === "email" ? p.email : c === "line" ? p.line || (p.lineMessages && p.lineMessages.length) : c === "postal" ? p.postal : p.call));
}

const channelBadges = (channels) => el("span", { class: "badges" }, channels.map((c) => badge(t(`templates.channel.${c}`), "info")));

/** Which presets name each template (from the presets' summaries). */
async function usage(signal) {
  const presets = ((await api("scenarios/builder/presets", { signal })) || []).map((v) => v.preset);
  const by = new Map();
  for (const p of presets) for (const id of p.templates) by.set(id, [...(by.get(id) || []), p]);
  return by;
}

definePage({
  path: "templates",
  nav: { order: 60, label: "nav.templates" },
  async render(ctx) {
    const [views, used] = await Promise.all([api("templates", { signal: ctx.signal }), usage(ctx.signal)]);
    const rows = (views || []).map((v) => ({ ...v.template, isDefault: v.isDefault, channels: partChannels(v.template), usedBy: used.get(v.template.id) || [] }));
    const search = el("input", { type: "search", id: "template-search", value: ctx.params.get("q") || "", autocomplete: "off", placeholder: "winback, F2 …" });
    const table = dataTable({
      caption: t("templates.title"), testId: "template-list", pageSize: 50,
      rowKey: (r) => r.id, sort: { key: "id", dir: "asc" },
      columns: [
        { key: "id", label: t("templates.id"), format: (r) => el("a", { href: href(path("templates", r.id)), text: r.id }) },
        { key: "description", label: t("templates.description") },
        { key: "channels", label: t("templates.channels"), sortable: false, format: (r) => channelBadges(r.channels), csv: (r) => r.channels.join("|") },
        { key: "usedBy", label: t("templates.usedBy"), value: (r) => r.usedBy.length, format: (r) => r.usedBy.map((p) => pick(p.name)).join("、") || "—", csv: (r) => r.usedBy.map((p) => p.id).join("|") },
        { key: "state", label: t("templates.state"), value: (r) => (r.isDefault ? 0 : r.revision), format: (r) => (r.isDefault ? badge(t("templates.default")) : badge(t("templates.edited", { n: num(r.revision) }), "good")) },
        { key: "updatedAt", label: t("templates.updated"), type: "dateTime" },
      ],
      rows,
    });
    const filter = () => {
      const q = search.value.trim().toLowerCase();
      ctx.setParams({ q: search.value.trim() });
      table.update(q ? rows.filter((r) => `${r.id} ${r.description || ""} ${r.usedBy.map((p) => pick(p.name)).join(" ")}`.toLowerCase().includes(q)) : rows);
    };
    search.addEventListener("input", filter);
    if (search.value) filter();
    return [pageHeader(t("templates.title"), { lead: t("templates.lead") }),
      section(t("templates.title"), [el("div", { class: "toolbar" }, field(t("templates.search"), search)), rows.length ? table : emptyState(t("templates.none"))], { id: "templates" })];
  },
});

/** A textarea or input bound to a path of the edited parts object. */
function bound(state, get, set, { multiline = false, rows = 6, label, mono = false, id }) {
  const control = multiline ? el("textarea", { rows: String(rows), id, class: mono ? "mono" : null, spellcheck: "false" }) : el("input", { type: "text", id });
  control.value = get(state.parts()) ?? "";
  control.addEventListener("input", () => { set(state.parts(true), control.value); state.changed(); });
  return field(label, control);
}

definePage({
  path: "templates/:id",
  section: "templates",
  title: "templates.title",
  async render(ctx) {
    const id = ctx.args.id;
    const view = await api(`templates/${encodeURIComponent(id)}`, { signal: ctx.signal });
    const back = el("a", { class: "button secondary", href: href("templates"), text: t("templates.back") });
    if (!view) return [pageHeader(t("templates.title"), { actions: back }), errorState({ message: t("templates.notFound", { id }) })];

    let saved = view.template;
    let isDefault = view.isDefault;
    // The edit: the template's body as PUT takes it.
    let draft = structuredClone(saved);
    let lang = ctx.params.get("lang") === "en" ? "en" : "ja";
    let dirty = false;

    const status = el("div", { role: "status", class: "status-line", "data-testid": "template-status" });
    const meta = el("p", { class: "hint", "data-testid": "template-meta" });
    const dirtyNote = el("span", { class: "badge badge-warn", hidden: true, text: t("templates.dirty") });
    const editor = el("div", { class: "template-editor", "data-testid": "template-editor" });
    const previewBox = el("div", { class: "template-preview", "data-testid": "template-preview" });
    const customer = el("input", { type: "text", id: "preview-customer", autocomplete: "off", placeholder: t("templates.sample"), value: ctx.params.get("customer") || "" });
    const testArea = el("div", { class: "test-send", "data-testid": "test-send" });

    const showMeta = () => {
      meta.textContent = isDefault ? t("templates.default") : `${t("templates.edited", { n: num(saved.revision) })} · ${t("templates.updated")} ${dateTime(saved.updatedAt)}`;
    };

    const state = {
      /** The parts of the language being edited (the top level for Japanese, `en` for English); create: make `en` exist. */
      parts(create) {
        if (lang === "ja") return draft;
        if (!draft.en && create) draft.en = {};
        return draft.en || {};
      },
      changed() {
        dirty = true;
        dirtyNote.hidden = false;
        drawTests();
        schedulePreview();
      },
    };

    const partLabel = (c) => t(`templates.channel.${c}`);
    const has = (p, c) => partChannels(p).includes(c);
    const addPart = (c) => {
      const p = state.parts(true);
      if (c === "email") p.email = { subject: "", preheader: "", html: "<p>{{ name }}</p>\n", text: "{{ name }}\n" };
      if (c === "line") p.line = "{{ name }}\n";
      if (c === "postal") p.postal = { text: "{{ name }}\n" };
      if (c === "phone") p.call = { script: "{{ name }}\n" };
      state.changed();
      drawEditor();
    };
    const removePart = (c) => {
      const p = state.parts(true);
      if (c === "email") delete p.email;
      if (c === "line") { delete p.line; delete p.lineMessages; }
      if (c === "postal") delete p.postal;
      if (c === "phone") delete p.call;
      state.changed();
      drawEditor();
    };

    const partBox = (c, body) => el("fieldset", { class: "part", "data-part": c },
      el("legend", { text: partLabel(c) }), body,
      el("div", { class: "part-actions" }, el("button", { type: "button", class: "secondary small danger", onclick: () => removePart(c), text: t("templates.removePart", { part: partLabel(c) }) })));

    function drawEditor() {
      const p = state.parts();
      const boxes = [];
      if (has(p, "email")) {
        boxes.push(partBox("email", [
          bound(state, (x) => x.email?.subject, (x, v) => { x.email.subject = v; }, { label: t("templates.subject"), id: `t-subject-${lang}` }),
          bound(state, (x) => x.email?.preheader, (x, v) => { x.email.preheader = v || null; }, { label: t("templates.preheader"), id: `t-preheader-${lang}` }),
          bound(state, (x) => x.email?.html, (x, v) => { x.email.html = v; }, { label: t("templates.html"), multiline: true, rows: 10, mono: true, id: `t-html-${lang}` }),
          bound(state, (x) => x.email?.text, (x, v) => { x.email.text = v; }, { label: t("templates.text"), multiline: true, rows: 7, id: `t-text-${lang}` })]));
      }
      if (has(p, "line")) {
        boxes.push(partBox("line", p.lineMessages && p.lineMessages.length
          ? jsonField(state, `t-line-json-${lang}`)
          : bound(state, (x) => x.line, (x, v) => { x.line = v; }, { label: t("templates.lineText"), multiline: true, rows: 6, id: `t-line-${lang}` })));
      }
      if (has(p, "postal")) boxes.push(partBox("postal", bound(state, (x) => x.postal?.text, (x, v) => { x.postal.text = v; }, { label: t("templates.postal"), multiline: true, rows: 7, id: `t-postal-${lang}` })));
      if (has(p, "phone")) boxes.push(partBox("phone", bound(state, (x) => x.call?.script, (x, v) => { x.call.script = v; }, { label: t("templates.call"), multiline: true, rows: 7, id: `t-call-${lang}` })));
      const missing = CHANNELS.filter((c) => !has(p, c));
      replace(editor,
        lang === "en" ? el("p", { class: "note", text: t("templates.enHint") }) : null,
        boxes,
        missing.length ? el("div", { class: "part-add" }, missing.map((c) => el("button", { type: "button", class: "secondary small", onclick: () => addPart(c), text: t("templates.addPart", { part: partLabel(c) }) }))) : null,
        el("p", { class: "hint", text: t("templates.variables") }));
    }

    function jsonField(st, fieldId) {
      const area = el("textarea", { rows: "10", id: fieldId, class: "mono", spellcheck: "false" });
      area.value = JSON.stringify(st.parts().lineMessages, null, 2);
      const problem = el("span", { class: "field-hint error-text" });
      area.addEventListener("input", () => {
        try {
          st.parts(true).lineMessages = JSON.parse(area.value);
          problem.textContent = "";
          st.changed();
        } catch (e) {
          problem.textContent = e.message;
        }
      });
      return el("div", {}, field(t("templates.lineMessages"), area), problem);
    }

    // ---- Preview (the server renders; the email's HTML is its own sandboxed document) ----
    let previewTimer = null;
    let previewToken = 0;
    const schedulePreview = () => {
      clearTimeout(previewTimer);
      previewTimer = setTimeout(preview, 500);
    };
    ctx.onLeave(() => clearTimeout(previewTimer));
    let activeTab = "email";

    async function preview() {
      const mine = ++previewToken;
      previewBox.setAttribute("aria-busy", "true");
      let result;
      try {
        result = await api("templates/preview", { method: "POST", signal: ctx.signal, body: { template: body(), language: lang, customerId: customer.value.trim() || null, templateId: id } });
      } catch (e) {
        if (mine === previewToken) { replace(previewBox, errorState(e)); previewBox.removeAttribute("aria-busy"); }
        return;
      }
      if (mine !== previewToken) return;
      drawPreview(result);
      previewBox.removeAttribute("aria-busy");
    }

    function drawPreview(r) {
      const tabs = [["email", r.email], ["line", r.line], ["postal", r.postal], ["call", r.call]].filter(([, v]) => v);
      if (!tabs.some(([k]) => k === activeTab) && tabs.length) activeTab = tabs[0][0];
      const panel = el("div", { class: "preview-panel" });
      const show = (k) => {
        activeTab = k;
        tabBar.querySelectorAll("button").forEach((b) => b.setAttribute("aria-selected", String(b.dataset.tab === k)));
        if (k === "email") {
          const e = r.email;
          const frame = el("iframe", { sandbox: "", title: t("templates.previewHtml"), class: "mail", "data-testid": "preview-frame", src: apiUrl(`outbox/html?name=${encodeURIComponent(e.htmlName)}`), referrerpolicy: "no-referrer" });
          replace(panel, el("dl", { class: "facts" },
            el("dt", { text: t("templates.subject") }), el("dd", { "data-testid": "preview-subject", text: e.subject }),
            e.preheader ? [el("dt", { text: t("templates.preheader") }), el("dd", { text: e.preheader })] : null,
            el("dt", { text: t("templates.to") }), el("dd", { text: e.to })),
          frame,
          el("details", { class: "mail-text-box" }, el("summary", { text: t("templates.text") }), el("pre", { class: "mail-text", "data-testid": "preview-text", text: e.text })));
        } else if (k === "line") {
          replace(panel, el("div", { class: "line-chat", "data-testid": "preview-line", role: "log" }, r.line.map((m) => (m.type === "text"
            ? el("p", { class: "bubble", text: m.text })
            : el("div", { class: "bubble flex" }, el("strong", { text: m.altText }), el("small", { text: " (Flex)" }))))));
        } else {
          replace(panel, el("pre", { class: "mail-text", "data-testid": `preview-${k}`, text: r[k] }));
        }
      };
      const tabBar = el("div", { role: "tablist", class: "tabs", "aria-label": t("templates.preview") },
        tabs.map(([k]) => el("button", { type: "button", role: "tab", "data-tab": k, "aria-selected": "false", onclick: () => show(k), text: t(`templates.tab.${k}`) })));
      replace(previewBox,
        r.problems.length ? el("div", { class: "state error", role: "alert", "data-testid": "preview-problems" }, el("p", {}, el("strong", { text: t("templates.problems") })),
          el("ul", {}, r.problems.map((p) => el("li", { text: p })))) : null,
        el("p", { class: "hint", "data-testid": "preview-customer-name", text: `${t("templates.previewFor")}: ${r.customer.sample ? t("templates.sample") : `${r.customer.name || ""} (${r.customer.id})`}` }),
        tabs.length ? [tabBar, panel] : emptyState(t("templates.noPart")));
      if (tabs.length) show(activeTab);
    }

    // ---- Save, revert, test send ----
    const body = () => ({
      description: draft.description || null, email: draft.email || null, line: draft.line || null, lineMessages: draft.lineMessages && draft.lineMessages.length ? draft.lineMessages : null,
      postal: draft.postal || null, call: draft.call || null, coupon: draft.coupon || null, en: draft.en && Object.keys(draft.en).length ? draft.en : null,
      expectedRevision: isDefault ? null : saved.revision,
    });
    const save = async (e) => {
      e.preventDefault();
      const button = e.submitter || e.target.querySelector("button[type=submit]");
      button.disabled = true;
      replace(status);
      try {
        const result = await api(`templates/${encodeURIComponent(id)}`, { method: "PUT", body: body() });
        saved = result.template;
        isDefault = result.isDefault;
        draft = structuredClone(saved);
        dirty = false;
        dirtyNote.hidden = true;
        status.textContent = t("templates.saved", { n: num(saved.revision) });
        showMeta();
        drawTests();
      } catch (error) {
        replace(status, errorState({ message: `${t("templates.notSaved")}: ${error.message}`, problems: error.problems }));
      } finally {
        button.disabled = false;
      }
    };
    const revert = () => {
      draft = structuredClone(saved);
      dirty = false;
      dirtyNote.hidden = true;
      // The description and coupon sit outside the editor that drawEditor redraws.
      description.value = draft.description || "";
      coupon.value = draft.coupon || "";
      drawEditor();
      drawTests();
      schedulePreview();
    };

    function drawTests() {
      const p = partChannels(lang === "en" && saved.en ? { ...saved, ...saved.en } : saved);
      const send = (channel) => async (e) => {
        e.currentTarget.disabled = true;
        const result = el("p", { role: "status", class: "status-line" });
        testArea.querySelector(".test-result")?.replaceChildren(result);
        try {
          const sent = await api(`templates/${encodeURIComponent(id)}/test-send`, { method: "POST", body: { channel, language: lang, customerId: customer.value.trim() || null } });
          replace(result, t("templates.testDone"), " ", el("a", { href: href("outbox", { scenario: sent.scenarioId, customer: sent.customerId, message: sent.name }), "data-testid": "test-send-link", text: t("templates.openOutbox") }));
        } catch (error) {
          replace(result, errorState(error));
        } finally {
          drawTestButtons();
        }
      };
      const buttons = el("div", { class: "form-actions" });
      const drawTestButtons = () => replace(buttons,
        p.includes("email") ? el("button", { type: "button", class: "secondary", disabled: dirty, onclick: send("email"), text: t("templates.testEmail") }) : null,
        p.includes("line") ? el("button", { type: "button", class: "secondary", disabled: dirty, onclick: send("line"), text: t("templates.testLine") }) : null);
      drawTestButtons();
      replace(testArea, el("h3", { text: t("templates.testSend") }), el("p", { class: "hint", text: dirty ? t("templates.testSaveFirst") : t("templates.testHint") }), buttons, el("div", { class: "test-result" }));
    }

    const langTabs = el("div", { role: "tablist", class: "tabs", "aria-label": t("templates.language") },
      [["ja", t("templates.ja")], ["en", t("templates.en")]].map(([code, label]) => el("button", { type: "button", role: "tab", "aria-selected": String(code === lang), "data-lang": code, onclick: (e) => {
        lang = code;
        ctx.setParams({ lang: code === "en" ? "en" : null });
        langTabs.querySelectorAll("button").forEach((b) => b.setAttribute("aria-selected", String(b === e.currentTarget)));
        drawEditor();
        drawTests();
        schedulePreview();
      }, text: label })));

    const description = el("input", { type: "text", id: "t-description", value: draft.description || "" });
    description.addEventListener("input", () => { draft.description = description.value; state.changed(); });
    const coupon = el("input", { type: "text", id: "t-coupon", value: draft.coupon || "", autocomplete: "off" });
    coupon.addEventListener("input", () => { draft.coupon = coupon.value; state.changed(); });
    customer.addEventListener("change", () => { ctx.setParams({ customer: customer.value.trim() }); schedulePreview(); });

    showMeta();
    drawEditor();
    drawTests();
    preview();

    return [pageHeader(t("templates.editTitle", { id }), { note: meta, actions: [dirtyNote, back] }),
      status,
      el("form", { class: "template-layout", onsubmit: save, "data-testid": "template-form" },
        el("div", { class: "panel template-edit" },
          el("div", { class: "form-grid" }, field(t("templates.description"), description), field(t("templates.coupon"), coupon)),
          langTabs, editor,
          el("div", { class: "form-actions sticky-actions" },
            el("button", { type: "submit", "data-testid": "template-save", text: t("templates.save") }),
            el("button", { type: "button", class: "secondary", onclick: revert, text: t("templates.revert") }))),
        el("div", { class: "panel template-side" },
          el("h2", { text: t("templates.preview") }),
          field(t("templates.customerId"), customer),
          previewBox, testArea))];
  },
});
