// シナリオ作成 (#/scenarios/new?preset=…&segment=…): the entry point every "start a scenario" button opens (RFM cell,
// 次の一手, segments). The parameter contract is in the Dashboard README. This page is the first, small version:
// it reads the stored segment and starts a one-off broadcast to it with a template at a chosen time; the builder
// from presets (steps, A/B, holdout, preview) replaces it (issue 17, part B) and keeps the same parameters.
import { definePage, flash, href } from "../lib/router.js";
import { addTexts, pick, t } from "../lib/i18n.js";
import { el, field, replace, select } from "../lib/dom.js";
import { api } from "../lib/api.js";
import { errorState, facts, pageHeader, section } from "../components/states.js";

addTexts({
  ja: {
    "scenarioNew.title": "シナリオを作成", "scenarioNew.segment": "対象セグメント", "scenarioNew.noSegment": "セグメントが指定されていません。RFM のセル、次の一手、セグメントの画面から開いてください。",
    "scenarioNew.segmentMissing": "セグメント「{id}」は保存されていません。", "scenarioNew.preset": "プリセット", "scenarioNew.rule": "条件",
    "scenarioNew.broadcast": "このセグメントへ一斉配信", "scenarioNew.channel": "チャネル", "scenarioNew.email": "メール", "scenarioNew.template": "テンプレート",
    "scenarioNew.sendAt": "配信日時", "scenarioNew.start": "シナリオを開始", "scenarioNew.started": "{id}: 開始しました", "scenarioNew.notStarted": "シナリオを開始できませんでした",
    "scenarioNew.name": "名前", "scenarioNew.back": "シナリオ一覧へ",
  },
  en: {
    "scenarioNew.title": "Create a scenario", "scenarioNew.segment": "Segment", "scenarioNew.noSegment": "No segment was given. Open this page from an RFM cell, a next action or a segment.",
    "scenarioNew.segmentMissing": "Segment “{id}” is not stored.", "scenarioNew.preset": "Preset", "scenarioNew.rule": "Rule",
    "scenarioNew.broadcast": "Broadcast to this segment", "scenarioNew.channel": "Channel", "scenarioNew.email": "Email", "scenarioNew.template": "Template",
    "scenarioNew.sendAt": "Send at", "scenarioNew.start": "Start the scenario", "scenarioNew.started": "{id}: started", "scenarioNew.notStarted": "The scenario was not started",
    "scenarioNew.name": "Name", "scenarioNew.back": "Back to the scenarios",
  },
});

const stamp = (local) => local.replace(/[^0-9]/g, "").slice(0, 12);

definePage({
  path: "scenarios/new",
  section: "scenarios",
  title: "scenarioNew.title",
  async render(ctx) {
    const segmentId = ctx.params.get("segment");
    const presetId = ctx.params.get("preset");
    const header = pageHeader(t("scenarioNew.title"), { actions: el("a", { class: "button secondary", href: href("scenarios"), text: t("scenarioNew.back") }) });
    const about = [];
    if (presetId) about.push([t("scenarioNew.preset"), el("code", { "data-testid": "preset-id", text: presetId })]);
    if (!segmentId) return [header, about.length ? facts(about) : null, errorState({ message: t("scenarioNew.noSegment") })];
    const segment = await api(`segments/${encodeURIComponent(segmentId)}`, { signal: ctx.signal });
    if (!segment) return [header, errorState({ message: t("scenarioNew.segmentMissing", { id: segmentId }) })];
    about.unshift([t("scenarioNew.segment"), el("strong", { "data-testid": "segment-name", text: segment.name ? `${pick(segment.name, segment.name)} (${segment.id})` : segment.id })],
      [t("scenarioNew.rule"), el("code", { class: "rule", text: JSON.stringify(segment.rule) })]);

    const status = el("div", { role: "status", class: "status-line" });
    const at = new Date(Date.now() + 3600 * 1000);
    const local = new Date(at.getTime() - at.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
    const name = el("input", { id: "start-name", value: ctx.params.get("name") || segment.name || segment.id, required: true });
    const channel = select([["email", t("scenarioNew.email")], ["line", "LINE"]], "email", { id: "start-channel" });
    const template = el("select", { id: "start-template" });
    const when = el("input", { id: "start-at", type: "datetime-local", value: local, required: true });
    const templates = (await api("templates", { signal: ctx.signal })) || [];
    const fillTemplates = () => {
      const part = channel.value === "line" ? (x) => x.line || (x.lineMessages && x.lineMessages.length) : (x) => x.email;
      const usable = templates.filter((v) => part(v.template));
      replace(template, usable.map((v) => el("option", { value: v.template.id, text: v.template.description ? `${v.template.id} — ${v.template.description}` : v.template.id })));
      template.value = usable.some((v) => v.template.id === "segment-broadcast") ? "segment-broadcast" : (usable[0]?.template.id || "");
    };
    channel.addEventListener("change", fillTemplates);
    fillTemplates();

    const submit = async (e) => {
      e.preventDefault();
      const scenarioId = `broadcast-${segment.id}-${stamp(when.value)}`;
      try {
        await api("scenarios", { method: "POST", body: {
          schemaVersion: 1, id: scenarioId, version: 1, name: name.value,
          trigger: { type: "broadcast", segmentId: segment.id, at: new Date(when.value).toISOString() },
          steps: [{ type: "send", id: "send", channels: [channel.value], template: template.value }] } });
        await api(`scenarios/${encodeURIComponent(scenarioId)}/activate`, { method: "POST" });
        flash(t("scenarioNew.started", { id: scenarioId }));
        location.hash = href("scenarios", { id: scenarioId }).slice(1);
      } catch (error) {
        replace(status, errorState({ message: `${t("scenarioNew.notStarted")}: ${error.message}`, problems: error.problems }));
      }
    };
    return [header, facts(about, "segment-facts"),
      section(t("scenarioNew.broadcast"), el("form", { class: "form-grid", "data-testid": "start-scenario", onsubmit: submit },
        field(t("scenarioNew.name"), name), field(t("scenarioNew.channel"), channel), field(t("scenarioNew.template"), template), field(t("scenarioNew.sendAt"), when),
        el("div", { class: "form-actions" }, el("button", { type: "submit", text: t("scenarioNew.start") }))), { id: "broadcast" }),
      status];
  },
});
