// シナリオ作成 (#/scenarios/new?preset=…&segment=…&name=…&from=…): the builder every "start a scenario" button opens
// (RFM cell, 次の一手, segments; the parameter contract is in the Dashboard README). It starts from a preset of
// scenarios/presets/ (or a plain broadcast), lets the operator choose the segment and when it enters, the template and
// channels of each send, the A/B weights and the holdout, and previews the result before anything is stored: what
// starts it and when it next runs, who would enter now and why the others would not, and which templates or channels
// are missing — activation is refused while any is.
import { definePage, flash, href, navigate } from "../lib/router.js";
import { addTexts, pick, t } from "../lib/i18n.js";
import { el, field, replace, select } from "../lib/dom.js";
import { api } from "../lib/api.js";
import { dateTime, fromTokyoInput, num, tokyoInput } from "../lib/format.js";
import { audienceView } from "../components/audience.js";
import { badge, emptyState, errorState, facts, pageHeader, section } from "../components/states.js";

addTexts({
  ja: {
    "scenarioNew.title": "シナリオを作成", "scenarioNew.lead": "プリセットを選び、対象・文面・チャネル・A/B とホールドアウトを決めます。開始前に、いま誰が対象になるか、足りないテンプレートがないかを確認できます。",
    "scenarioNew.segment": "対象セグメント", "scenarioNew.noSegmentChosen": "(選ばない: プリセットのトリガーに従う)",
    "scenarioNew.segmentMissing": "セグメント「{id}」は保存されていません。セグメントの画面で保存してから開いてください。", "scenarioNew.preset": "プリセット",
    "scenarioNew.noPreset": "一斉配信 (1 通だけ送る)", "scenarioNew.name": "名前", "scenarioNew.id": "ID", "scenarioNew.back": "シナリオ一覧へ",
    "scenarioNew.when": "参加のタイミング", "scenarioNew.when.preset": "プリセットのトリガー: {text}", "scenarioNew.when.broadcast": "セグメント全員に一斉配信 (日時指定)",
    "scenarioNew.when.entry": "セグメントに新しく入ったとき (毎日判定)", "scenarioNew.sendAt": "配信日時",
    "scenarioNew.sends": "送信ステップ", "scenarioNew.step": "ステップ", "scenarioNew.template": "テンプレート", "scenarioNew.channels": "チャネル (左から優先)",
    "scenarioNew.templateMissing": "(未作成)", "scenarioNew.split": "A/B テストとホールドアウト", "scenarioNew.arm": "{name} (%)", "scenarioNew.holdout": "ホールドアウト (%)",
    "scenarioNew.splitSum": "合計 {n}% (100% にしてください)", "scenarioNew.noSplit": "このプリセットには A/B テストがありません。ホールドアウトを設けると、何も送らない群との比較で効果を測れます。",
    "scenarioNew.addHoldout": "ホールドアウト (%)", "scenarioNew.autoWinner": "勝ちパターンが決まったら新しい参加者をその案に寄せる",
    "scenarioNew.preview": "開始前の確認", "scenarioNew.previewing": "確認中…", "scenarioNew.trigger": "トリガー", "scenarioNew.nextRun": "次回の実行",
    "scenarioNew.onEvent": "イベントのたび (注文・カート)", "scenarioNew.missing": "足りないテンプレート・チャネル", "scenarioNew.missingTemplate": "テンプレート「{id}」: {channels} がありません",
    "scenarioNew.missingTemplateNone": "テンプレート「{id}」がありません", "scenarioNew.missingChannel": "{channel}: {problem}", "scenarioNew.createTemplate": "テンプレートを作成・編集",
    "scenarioNew.ready": "足りないものはありません。開始できます。", "scenarioNew.refused": "足りないテンプレートまたはチャネルがあるため開始できません。",
    "scenarioNew.invalid": "この設定ではシナリオになりません",
    "scenarioNew.chooseSegment": "対象セグメントを選んでください。このプリセットはセグメントの全員（一斉配信）またはセグメントに入った人に送ります。", "scenarioNew.who": "いま参加する顧客",
    "scenarioNew.start": "作成して開始", "scenarioNew.draft": "下書きとして保存", "scenarioNew.started": "「{name}」を開始しました", "scenarioNew.drafted": "「{name}」を下書きとして保存しました",
    "scenarioNew.notStarted": "シナリオを作成できませんでした", "scenarioNew.description": "説明", "scenarioNew.goal": "{days} 日以内の注文", "scenarioNew.goalLabel": "目標",
    "scenarioNew.channel.email": "メール", "scenarioNew.channel.line": "LINE", "scenarioNew.channel.postal": "DM", "scenarioNew.channel.phone": "電話",
    "scenarioNew.fromRfm": "RFM に戻る", "scenarioNew.fromOverview": "概要に戻る", "scenarioNew.fromSegments": "セグメントに戻る",
    "scenarioNew.does.line": "LINE を送る", "scenarioNew.does.email": "メールを送る", "scenarioNew.does.postal": "DM を郵送する", "scenarioNew.does.phone": "架電リストに載せる",
    "scenarioNew.does.nothing": "送らない (チャネルが選ばれていません)", "scenarioNew.does.fallback": "{first}・届かなければ{rest}", "scenarioNew.does": "{action}（テンプレート: {template}）",
  },
  en: {
    "scenarioNew.title": "Create a scenario", "scenarioNew.lead": "Pick a preset, then the audience, texts, channels, A/B weights and holdout. Before it starts, see who would enter now and whether a template is missing.",
    "scenarioNew.segment": "Segment", "scenarioNew.noSegmentChosen": "(none: the preset's trigger decides)",
    "scenarioNew.segmentMissing": "Segment “{id}” is not stored. Save it on the segments page, then open this page again.", "scenarioNew.preset": "Preset",
    "scenarioNew.noPreset": "Broadcast (a single message)", "scenarioNew.name": "Name", "scenarioNew.id": "Id", "scenarioNew.back": "Back to the scenarios",
    "scenarioNew.when": "When customers enter", "scenarioNew.when.preset": "The preset's trigger: {text}", "scenarioNew.when.broadcast": "Once, everyone in the segment at a set time",
    "scenarioNew.when.entry": "When a customer enters the segment (checked daily)", "scenarioNew.sendAt": "Send at",
    "scenarioNew.sends": "Sends", "scenarioNew.step": "Step", "scenarioNew.template": "Template", "scenarioNew.channels": "Channels (first is preferred)",
    "scenarioNew.templateMissing": "(missing)", "scenarioNew.split": "A/B test and holdout", "scenarioNew.arm": "{name} (%)", "scenarioNew.holdout": "Holdout (%)",
    "scenarioNew.splitSum": "Total {n}% (make it 100%)", "scenarioNew.noSplit": "This preset has no A/B test. A holdout measures the effect against customers sent nothing.",
    "scenarioNew.addHoldout": "Holdout (%)", "scenarioNew.autoWinner": "Once a winner is known, send new customers to it",
    "scenarioNew.preview": "Before it starts", "scenarioNew.previewing": "Checking…", "scenarioNew.trigger": "Trigger", "scenarioNew.nextRun": "Next run",
    "scenarioNew.onEvent": "On each event (order, cart)", "scenarioNew.missing": "Missing templates and channels", "scenarioNew.missingTemplate": "Template “{id}”: no {channels}",
    "scenarioNew.missingTemplateNone": "Template “{id}” does not exist", "scenarioNew.missingChannel": "{channel}: {problem}", "scenarioNew.createTemplate": "Create or edit the template",
    "scenarioNew.ready": "Nothing is missing. It can start.", "scenarioNew.refused": "It cannot start while a template or channel is missing.",
    "scenarioNew.invalid": "This is not a valid scenario",
    "scenarioNew.chooseSegment": "Choose a target segment: this preset sends to everyone in a segment (a broadcast) or to whoever enters it.", "scenarioNew.who": "Who enters now",
    "scenarioNew.start": "Create and start", "scenarioNew.draft": "Save as draft", "scenarioNew.started": "Started “{name}”", "scenarioNew.drafted": "Saved “{name}” as a draft",
    "scenarioNew.notStarted": "The scenario was not created", "scenarioNew.description": "Description", "scenarioNew.goal": "an order within {days} days", "scenarioNew.goalLabel": "Goal",
    "scenarioNew.channel.email": "Email", "scenarioNew.channel.line": "LINE", "scenarioNew.channel.postal": "DM", "scenarioNew.channel.phone": "Phone",
    "scenarioNew.fromRfm": "Back to RFM", "scenarioNew.fromOverview": "Back to the overview", "scenarioNew.fromSegments": "Back to segments",
    "scenarioNew.does.line": "Send a LINE message", "scenarioNew.does.email": "Send an email", "scenarioNew.does.postal": "Mail a DM", "scenarioNew.does.phone": "Put on the call list",
    "scenarioNew.does.nothing": "Send nothing (no channel chosen)", "scenarioNew.does.fallback": "{first}, else {rest}", "scenarioNew.does": "{action} (template: {template})",
  },
});

const CHANNELS = ["line", "email", "postal", "phone"];
const SEGMENT_TRIGGERS = new Set(["segmentEntry", "broadcast"]);
/** The id's suffix: the moment in the shop's clock (Tokyo), as the operator reads every other time here. */
const stamp = (d) => tokyoInput(d).replace(/[^0-9]/g, "").slice(0, 12);
const clone = (x) => JSON.parse(JSON.stringify(x));

/**
 * What a send step does, as the operator reads it: its first channel's action, the fallbacks, and the template
 * (「LINE を送る・届かなければメール（テンプレート: vip-retention-line）」), instead of its id ("line", "call").
 */
function sendLabel({ template, channels }) {
  if (!channels.length) return t("scenarioNew.does", { action: t("scenarioNew.does.nothing"), template });
  const first = t(`scenarioNew.does.${channels[0]}`);
  const action = channels.length === 1 ? first : t("scenarioNew.does.fallback", { first, rest: channels.slice(1).map((c) => t(`scenarioNew.channel.${c}`)).join("・") });
  return t("scenarioNew.does", { action, template });
}

/** A one-message broadcast, the builder's "no preset". */
const broadcastDefinition = () => ({
  schemaVersion: 1, id: "broadcast", version: 1, name: "", trigger: { type: "broadcast", segmentId: "", at: new Date().toISOString() },
  steps: [{ type: "send", id: "send", channels: ["email"], template: "segment-broadcast" }],
});

/** A split at the start with one arm and a holdout of share h, the holdout measured over the first goal's window. */
function withHoldout(definition, h) {
  const start = definition.start || definition.steps[0].id;
  const goal = definition.steps.find((s) => s.type === "goal");
  const steps = [{ type: "split", id: "holdout-split", arms: [{ name: "main", weight: 100 - h, next: start }], holdout: { weight: h, next: "goal-holdout" } },
    ...definition.steps, { type: "goal", id: "goal-holdout", window: clone(goal ? goal.window : { days: 30 }) }];
  return { ...definition, start: undefined, steps };
}

definePage({
  path: "scenarios/new",
  section: "scenarios",
  title: "scenarioNew.title",
  async render(ctx) {
    const from = ctx.params.get("from");
    const back = from === "rfm" ? ["rfm", "scenarioNew.fromRfm"] : from === "overview" ? ["overview", "scenarioNew.fromOverview"] : from === "segments" ? ["segments", "scenarioNew.fromSegments"] : ["scenarios", "scenarioNew.back"];
    const header = pageHeader(t("scenarioNew.title"), { lead: t("scenarioNew.lead"), actions: el("a", { class: "button secondary", href: href(back[0]), text: t(back[1]) }) });
    const [presets, segments, templateViews] = await Promise.all([
      api("scenarios/builder/presets", { signal: ctx.signal }), api("segments", { signal: ctx.signal }), api("templates", { signal: ctx.signal })]);
    const templateIds = (templateViews || []).map((v) => v.template.id).sort();
    const segmentId = ctx.params.get("segment");
    if (segmentId && !(segments || []).some((s) => s.id === segmentId)) {
      return [header, errorState({ message: t("scenarioNew.segmentMissing", { id: segmentId }) })];
    }

    // The operator's choices; the definition is derived from them on every change.
    const state = {
      preset: ctx.params.get("preset") && presets.some((p) => p.preset.id === ctx.params.get("preset")) ? ctx.params.get("preset") : "",
      segment: segmentId || "",
      when: null,
      at: new Date(Date.now() + 3600 * 1000),
      sends: {},   // step id → { template, channels }
      weights: {}, // arm name → weight, "holdout" → weight
      holdout: 0,  // the holdout added to a preset without a split
      autoWinner: null,
    };
    const presetOf = () => presets.find((p) => p.preset.id === state.preset);
    const baseDefinition = () => (presetOf() ? clone(presetOf().definition) : broadcastDefinition());

    const name = el("input", { id: "scenario-name", required: true });
    const id = el("input", { id: "scenario-id", required: true, pattern: "[A-Za-z0-9_\\-]+" });
    const suggested = () => {
      const segment = (segments || []).find((s) => s.id === state.segment);
      const p = presetOf();
      return [p ? pick(p.preset.name) : t("scenarioNew.noPreset"), segment ? segment.name || segment.id : null].filter(Boolean).join(" — ");
    };
    const resetIdentity = () => {
      if (!name.dataset.touched) name.value = ctx.params.get("name") && !name.dataset.seeded ? ctx.params.get("name") : suggested();
      name.dataset.seeded = "1";
      if (!id.dataset.touched) id.value = `${state.preset || "broadcast"}${state.segment ? `-${state.segment}` : ""}-${stamp(new Date())}`.slice(0, 100);
    };
    name.addEventListener("input", () => { name.dataset.touched = "1"; schedule(); });
    id.addEventListener("input", () => { id.dataset.touched = "1"; schedule(); });

    const definition = () => {
      let d = baseDefinition();
      d.id = id.value.trim();
      d.version = 1;
      d.name = name.value.trim() || suggested();
      const segmentTrigger = SEGMENT_TRIGGERS.has(d.trigger.type);
      if (state.segment && (state.when !== "preset" || segmentTrigger || !presetOf())) {
        const mode = state.when !== "preset" ? state.when : d.trigger.type === "segmentEntry" ? "entry" : "broadcast";
        d.trigger = mode === "entry" ? { type: "segmentEntry", segmentId: state.segment } : { type: "broadcast", segmentId: state.segment, at: state.at.toISOString() };
      } else if (d.trigger.type === "broadcast") {
        d.trigger.at = state.at.toISOString();
      }
      for (const step of d.steps) {
        const chosen = step.type === "send" && state.sends[step.id];
        if (chosen) { step.template = chosen.template; step.channels = chosen.channels; }
      }
      const split = d.steps.find((s) => s.type === "split");
      if (split) {
        for (const arm of split.arms) if (state.weights[arm.name] !== undefined) arm.weight = state.weights[arm.name];
        if (split.holdout && state.weights.holdout !== undefined) split.holdout.weight = state.weights.holdout;
        if (state.autoWinner !== null) split.autoWinner = state.autoWinner;
      } else if (state.holdout > 0) {
        d = withHoldout(d, state.holdout);
      }
      return d;
    };

    // — the form —
    const presetSelect = select([["", t("scenarioNew.noPreset")], ...presets.map((p) => [p.preset.id, pick(p.preset.name)])], state.preset, { id: "scenario-preset", "data-testid": "preset" });
    const presetAbout = el("div", { class: "preset-about", "data-testid": "preset-about" });
    const segmentSelect = select([["", t("scenarioNew.noSegmentChosen")], ...(segments || []).map((s) => [s.id, s.name ? `${s.name} (${s.id})` : s.id])], state.segment, { id: "scenario-segment", "data-testid": "segment" });
    const whenBox = el("div", { class: "when", "data-testid": "when" });
    const sendsBox = el("div", { class: "send-steps", "data-testid": "send-steps" });
    const splitBox = el("div", { class: "split", "data-testid": "split" });
    const previewBox = el("div", { "data-testid": "scenario-preview", "aria-live": "polite" });
    const status = el("div", { role: "status", class: "status-line" });
    const startButton = el("button", { type: "submit", "data-testid": "scenario-start", disabled: true, text: t("scenarioNew.start") });
    const draftButton = el("button", { type: "button", class: "secondary", "data-testid": "scenario-draft", text: t("scenarioNew.draft") });

    const drawPreset = () => {
      const p = presetOf();
      replace(presetAbout, p ? [el("p", { "data-testid": "preset-description", text: pick(p.preset.description) }),
        facts([[t("scenarioNew.trigger"), pick(p.preset.trigger)], [t("scenarioNew.channels"), p.preset.channels.map((c) => t(`scenarioNew.channel.${c}`)).join("・")],
          [t("scenarioNew.template"), p.preset.templates.join(", ")], p.preset.goalDays ? [t("scenarioNew.goalLabel"), t("scenarioNew.goal", { days: num(p.preset.goalDays) })] : null])] : null);
    };

    const drawWhen = () => {
      const p = presetOf();
      const base = baseDefinition();
      const options = [];
      if (p && !SEGMENT_TRIGGERS.has(base.trigger.type)) options.push(["preset", t("scenarioNew.when.preset", { text: pick(p.preset.trigger) })]);
      if (state.segment) options.push(["broadcast", t("scenarioNew.when.broadcast")], ["entry", t("scenarioNew.when.entry")]);
      // A segment given is who the scenario is for: by default they all get it now (a broadcast), or on entering
      // the segment when the preset is itself a segment-entry one.
      if (!options.some(([v]) => v === state.when)) state.when = !options.length ? "preset" : state.segment ? (base.trigger.type === "segmentEntry" ? "entry" : "broadcast") : options[0][0];
      const isBroadcast = state.when === "broadcast" || (!p && state.segment) || (state.when === "preset" && base.trigger.type === "broadcast");
      const at = el("input", { id: "scenario-at", type: "datetime-local", value: tokyoInput(state.at), onchange: (e) => { if (e.target.value) { state.at = fromTokyoInput(e.target.value); schedule(); } } });
      replace(whenBox, options.length > 1 ? field(t("scenarioNew.when"), select(options, state.when, { id: "scenario-when", onchange: (e) => { state.when = e.target.value; drawWhen(); schedule(); } }))
        : options.length === 1 ? el("p", { class: "hint", text: options[0][1] }) : null,
      isBroadcast ? field(t("scenarioNew.sendAt"), at) : null);
    };

    const drawSends = () => {
      const steps = baseDefinition().steps.filter((s) => s.type === "send");
      replace(sendsBox, steps.map((step) => {
        const chosen = state.sends[step.id] || { template: step.template, channels: [...step.channels] };
        state.sends[step.id] = chosen;
        const options = templateIds.includes(chosen.template) ? templateIds : [...templateIds, chosen.template];
        // Headed by what the step does, kept in step with the template and channels chosen below it (the id stays as a tooltip).
        const heading = el("h3", { "data-testid": "send-step-label", title: step.id });
        const templateSelect = select(options.map((x) => [x, templateIds.includes(x) ? x : `${x} ${t("scenarioNew.templateMissing")}`]), chosen.template,
          { "data-testid": "send-template", "data-step": step.id, onchange: (e) => { chosen.template = e.target.value; relabel(); schedule(); } });
        const relabel = () => {
          heading.textContent = sendLabel(chosen);
          templateSelect.setAttribute("aria-label", `${t("scenarioNew.template")}: ${heading.textContent}`);
        };
        relabel();
        const checks = el("fieldset", { class: "checks" }, el("legend", { text: t("scenarioNew.channels") }), CHANNELS.map((c) =>
          el("label", { class: "check" }, el("input", { type: "checkbox", value: c, "data-channel": c, checked: chosen.channels.includes(c), onchange: (e) => {
            chosen.channels = e.target.checked ? [...chosen.channels, c] : chosen.channels.filter((x) => x !== c);
            relabel();
            schedule();
          } }), t(`scenarioNew.channel.${c}`))));
        return el("div", { class: "send-step", "data-testid": "send-step", "data-step": step.id }, heading,
          el("div", { class: "form-grid" }, field(t("scenarioNew.template"), templateSelect), checks));
      }));
    };

    const drawSplit = () => {
      const split = baseDefinition().steps.find((s) => s.type === "split");
      const sum = el("p", { class: "hint", "data-testid": "split-sum" });
      const total = () => {
        const n = split.arms.reduce((a, arm) => a + (state.weights[arm.name] ?? arm.weight), 0) + (split.holdout ? state.weights.holdout ?? split.holdout.weight : 0);
        sum.textContent = n === 100 ? "" : t("scenarioNew.splitSum", { n });
      };
      const weight = (key, value, label) => field(label, el("input", { type: "number", min: 0, max: 100, step: 1, value, "data-weight": key,
        oninput: (e) => { state.weights[key] = Number(e.target.value || 0); total(); schedule(); } }));
      if (!split) {
        replace(splitBox, el("p", { class: "hint", text: t("scenarioNew.noSplit") }),
          field(t("scenarioNew.addHoldout"), el("input", { type: "number", min: 0, max: 50, step: 1, value: state.holdout, "data-weight": "holdout",
            oninput: (e) => { state.holdout = Math.max(0, Math.min(50, Number(e.target.value || 0))); schedule(); } })));
        return;
      }
      replace(splitBox, el("div", { class: "form-grid" },
        split.arms.map((arm) => weight(arm.name, state.weights[arm.name] ?? arm.weight, t("scenarioNew.arm", { name: arm.name }))),
        split.holdout ? weight("holdout", state.weights.holdout ?? split.holdout.weight, t("scenarioNew.holdout")) : null),
      el("label", { class: "check" }, el("input", { type: "checkbox", checked: state.autoWinner ?? Boolean(split.autoWinner), onchange: (e) => { state.autoWinner = e.target.checked; schedule(); } }), t("scenarioNew.autoWinner")),
      sum);
      total();
    };

    const drawAll = () => { resetIdentity(); drawPreset(); drawWhen(); drawSends(); drawSplit(); schedule(); };
    presetSelect.addEventListener("change", () => { state.preset = presetSelect.value; state.sends = {}; state.weights = {}; state.autoWinner = null; drawAll(); });
    segmentSelect.addEventListener("change", () => { state.segment = segmentSelect.value; drawAll(); });

    // — the preview —
    let timer = null;
    let asked = 0;
    let ready = false;
    const schedule = () => {
      clearTimeout(timer);
      // An answer still in flight for the previous choices must not enable the start button.
      asked++;
      ready = false;
      startButton.disabled = true;
      previewBox.dataset.state = "checking";
      timer = setTimeout(preview, 300);
    };
    ctx.onLeave(() => { clearTimeout(timer); asked++; });
    const preview = async () => {
      const mine = asked;
      const d = definition();
      if (SEGMENT_TRIGGERS.has(d.trigger.type) && !d.trigger.segmentId) {
        // Nothing to check yet: the operator has not said who it is for (the API would answer with a validation error).
        replace(previewBox, emptyState(t("scenarioNew.chooseSegment")));
        previewBox.dataset.state = "refused";
        return;
      }
      let p;
      try {
        p = await api("scenarios/builder/preview", { method: "POST", body: d, signal: ctx.signal });
      } catch (e) {
        if (e.name === "AbortError" || mine !== asked) return;
        replace(previewBox, errorState(e));
        previewBox.dataset.state = "error";
        return;
      }
      if (mine !== asked || !ctx.current) return;
      ready = p.canActivate && p.errors.length === 0;
      startButton.disabled = !ready;
      previewBox.dataset.state = ready ? "ready" : "refused";
      if (p.errors.length) {
        replace(previewBox, errorState({ message: t("scenarioNew.invalid"), problems: p.errors.map((e) => e.text) }));
        return;
      }
      const missing = p.missing ? [
        ...p.missing.templates.map((m) => el("li", { "data-template": m.template },
          m.exists ? t("scenarioNew.missingTemplate", { id: m.template, channels: m.channels.map((c) => t(`scenarioNew.channel.${c}`)).join("・") }) : t("scenarioNew.missingTemplateNone", { id: m.template }),
          " ", el("a", { href: href(`templates/${encodeURIComponent(m.template)}`), text: t("scenarioNew.createTemplate") }))),
        ...p.missing.channels.map((m) => el("li", { "data-channel": m.channel, text: t("scenarioNew.missingChannel", { channel: t(`scenarioNew.channel.${m.channel}`), problem: m.problem }) }))] : [];
      replace(previewBox,
        facts([[t("scenarioNew.trigger"), el("span", { "data-testid": "preview-trigger", text: pick(p.trigger) })],
          [t("scenarioNew.nextRun"), el("span", { "data-testid": "preview-next-run", text: p.nextRun ? dateTime(p.nextRun) : t("scenarioNew.onEvent") })],
          [t("scenarioNew.channels"), p.channels.map((c) => t(`scenarioNew.channel.${c}`)).join("・")],
          [t("scenarioNew.template"), p.templates.join(", ")]]),
        missing.length
          ? el("div", { class: "state error", role: "alert", "data-testid": "preview-missing" }, el("p", {}, el("strong", { text: t("scenarioNew.refused") })), el("ul", {}, missing))
          : el("p", { "data-testid": "preview-ready" }, badge(t("scenarioNew.ready"), "good")),
        el("h3", { text: t("scenarioNew.who") }), audienceView(p.audience));
    };

    const create = async (activate) => {
      const d = definition();
      try {
        await api("scenarios", { method: "POST", body: d });
        if (activate) await api(`scenarios/${encodeURIComponent(d.id)}/activate`, { method: "POST" });
        flash(t(activate ? "scenarioNew.started" : "scenarioNew.drafted", { name: d.name }));
        navigate("scenarios", { id: d.id });
      } catch (error) {
        replace(status, errorState({ message: `${t("scenarioNew.notStarted")}: ${error.message}`, problems: error.problems }));
      }
    };
    draftButton.addEventListener("click", () => create(false));

    drawAll();
    return [header,
      el("form", { class: "builder", "data-testid": "scenario-builder", onsubmit: (e) => { e.preventDefault(); if (ready) create(true); } },
        section(t("scenarioNew.preset"), [field(t("scenarioNew.preset"), presetSelect), presetAbout], { id: "preset" }),
        section(t("scenarioNew.segment"), [field(t("scenarioNew.segment"), segmentSelect), whenBox], { id: "audience" }),
        section(t("scenarioNew.sends"), sendsBox, { id: "sends" }),
        section(t("scenarioNew.split"), splitBox, { id: "split" }),
        section(t("scenarioNew.name"), el("div", { class: "form-grid" }, field(t("scenarioNew.name"), name), field(t("scenarioNew.id"), id)), { id: "identity" }),
        section(t("scenarioNew.preview"), [previewBox, el("div", { class: "form-actions" }, startButton, draftButton), status], { id: "preview", testId: "preview-section" }))];
  },
});
