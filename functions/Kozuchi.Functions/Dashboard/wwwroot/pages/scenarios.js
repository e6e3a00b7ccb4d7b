// シナリオ: the list with lifecycle buttons and, per scenario, its results (totals, what became of the sends,
// variants, uplift over the holdout, the winner). Texts shared with the builder page (scenario-new.js) live here.
import { definePage, href } from "../lib/router.js";
import { addTexts, pick, t } from "../lib/i18n.js";
import { el, replace } from "../lib/dom.js";
import { api } from "../lib/api.js";
import { dateTime, money, num, pct } from "../lib/format.js";
import { dataTable } from "../components/data-table.js";
import { kpiCard } from "../components/kpi-card.js";
import { badge, emptyState, errorState, freshnessNote, loadingState, pageHeader, section, otherCurrencies } from "../components/states.js";
import { confirmDialog } from "../components/dialog.js";
import { audienceView } from "../components/audience.js";

addTexts({
  ja: {
    "nav.scenarios": "シナリオ",
    "scenarios.title": "シナリオ", "scenarios.variant": "バリアント", "scenarios.uplift": "ホールドアウト比の上乗せ", "scenarios.allArms": "全バリアント合計",
    "scenarios.results": "結果", "scenarios.resultsOf": "結果: {name}", "scenarios.entered": "対象者", "scenarios.sent": "送信", "scenarios.converted": "コンバージョン",
    "scenarios.revenuePerCustomer": "1人あたり売上", "scenarios.versusControl": "対照比 CVR差 [95%区間]", "scenarios.cost": "費用",
    "scenarios.holdout": "ホールドアウト", "scenarios.treatmentRate": "施策群CVR", "scenarios.holdoutRate": "ホールドアウトCVR",
    "scenarios.upliftCvr": "CVR上乗せ [95%区間]", "scenarios.incrementalRevenue": "増分売上", "scenarios.incrementalRoas": "増分ROAS",
    "scenarios.winner": "勝ちパターン", "scenarios.name": "名前", "scenarios.status": "状態", "scenarios.version": "版", "scenarios.id": "ID",
    "scenarios.status.draft": "下書き", "scenarios.status.active": "稼働中", "scenarios.status.paused": "一時停止", "scenarios.status.stopped": "停止",
    "scenarios.pause": "一時停止", "scenarios.resume": "再開", "scenarios.activate": "開始", "scenarios.stop": "停止",
    "scenarios.did.pause": "{id}: 一時停止しました", "scenarios.did.resume": "{id}: 再開しました", "scenarios.did.activate": "{id}: 開始しました", "scenarios.did.stop": "{id}: 停止しました",
    "scenarios.new": "シナリオを作成", "scenarios.status.finished": "完了", "scenarios.otherCurrencies": "他の通貨の売上 (合算していません)", "scenarios.ordersCount": "{n} 件", "scenarios.trigger": "トリガー", "scenarios.nextRun": "次回の実行", "scenarios.onEvent": "イベントのたび",
    "scenarios.updated": "更新", "scenarios.audience": "対象者の内訳", "scenarios.audienceOf": "対象者の内訳: {name}",
    "scenarios.stopTitle": "「{name}」を停止しますか?", "scenarios.stopMessage": "実行中の参加者はすべて終了し、このあと送信されません。停止したシナリオは再開できません。",
    "scenarios.sends": "送信の結果", "scenarios.recipients": "受信者 (送信が受け付けられた顧客)", "scenarios.delivered": "到達", "scenarios.sandbox": "送信 (サンドボックス)", "scenarios.failed": "失敗",
    "scenarios.suppressed": "抑止", "scenarios.pending": "送信待ち", "scenarios.quietHours": "配信時間外のため延期 (後で送信)", "scenarios.reason": "内訳",
    "scenarios.count": "件数", "scenarios.recipientCvr": "受信者CVR", "scenarios.openOutbox": "送信プレビューで内容を見る",
    "scenarios.none": "シナリオはまだありません。プリセットから作成できます。",
    "suppressed.no-consent": "配信同意なし", "suppressed.unsubscribed": "配信停止", "suppressed.no-address": "宛先なし・不達", "suppressed.frequency-cap": "配信回数の上限",
    "suppressed.unreachable": "届けられるチャネルなし", "suppressed.other": "その他 (統合・削除済みの顧客)",
  },
  en: {
    "nav.scenarios": "Scenarios",
    "scenarios.title": "Scenarios", "scenarios.variant": "Variant", "scenarios.uplift": "Uplift over holdout", "scenarios.allArms": "All variants",
    "scenarios.results": "Results", "scenarios.resultsOf": "Results: {name}", "scenarios.entered": "Entered", "scenarios.sent": "Sent", "scenarios.converted": "Converted",
    "scenarios.revenuePerCustomer": "Revenue per customer", "scenarios.versusControl": "CVR vs control [95% CI]", "scenarios.cost": "Cost",
    "scenarios.holdout": "holdout", "scenarios.treatmentRate": "Treated CVR", "scenarios.holdoutRate": "Holdout CVR",
    "scenarios.upliftCvr": "CVR uplift [95% CI]", "scenarios.incrementalRevenue": "Incremental revenue", "scenarios.incrementalRoas": "Incremental ROAS",
    "scenarios.winner": "Winner", "scenarios.name": "Name", "scenarios.status": "Status", "scenarios.version": "Version", "scenarios.id": "Id",
    "scenarios.status.draft": "Draft", "scenarios.status.active": "Active", "scenarios.status.paused": "Paused", "scenarios.status.stopped": "Stopped",
    "scenarios.pause": "Pause", "scenarios.resume": "Resume", "scenarios.activate": "Activate", "scenarios.stop": "Stop",
    "scenarios.did.pause": "{id}: paused", "scenarios.did.resume": "{id}: resumed", "scenarios.did.activate": "{id}: activated", "scenarios.did.stop": "{id}: stopped",
    "scenarios.new": "Create a scenario", "scenarios.status.finished": "Finished", "scenarios.otherCurrencies": "Revenue in other currencies (not added)", "scenarios.ordersCount": "{n} orders", "scenarios.trigger": "Trigger", "scenarios.nextRun": "Next run", "scenarios.onEvent": "On each event",
    "scenarios.updated": "Updated", "scenarios.audience": "Who entered", "scenarios.audienceOf": "Who entered: {name}",
    "scenarios.stopTitle": "Stop “{name}”?", "scenarios.stopMessage": "Every running enrolment ends and nothing more is sent. A stopped scenario cannot be resumed.",
    "scenarios.sends": "What became of the sends", "scenarios.recipients": "Recipients (a send was accepted)", "scenarios.delivered": "Delivered", "scenarios.sandbox": "Sent (sandbox)", "scenarios.failed": "Failed",
    "scenarios.suppressed": "Suppressed", "scenarios.pending": "Pending", "scenarios.quietHours": "Deferred for quiet hours (sent later)", "scenarios.reason": "Breakdown",
    "scenarios.count": "Count", "scenarios.recipientCvr": "Recipient CVR", "scenarios.openOutbox": "See the messages in the send preview",
    "scenarios.none": "No scenarios yet. Create one from a preset.",
    "suppressed.no-consent": "No consent", "suppressed.unsubscribed": "Unsubscribed", "suppressed.no-address": "No address / bounced", "suppressed.frequency-cap": "Frequency cap",
    "suppressed.unreachable": "No channel reaches them", "suppressed.other": "Other (merged or erased customers)",
  },
});

const sum = (o) => Object.values(o || {}).reduce((a, b) => a + b, 0);
const fmtDiff = (d) => (d == null ? "—" : `${(d.estimate * 100).toFixed(1)}pt [${(d.lower * 100).toFixed(1)}, ${(d.upper * 100).toFixed(1)}] p=${d.pValue.toFixed(3)}`);

async function results(ctx, id, detail, name) {
  // The heading says the scenario's name, as the list does (the id is the list's small print).
  const heading = el("h2", { id: "results-title", tabindex: "-1", text: t("scenarios.resultsOf", { name: name || id }) });
  replace(detail, heading, loadingState());
  heading.focus({ preventScroll: true });
  let data;
  try {
    data = await api(`scenarios/${encodeURIComponent(id)}/results`, { signal: ctx.signal });
  } catch (e) {
    replace(detail, heading, errorState(e)); return;
  }
  const r = data && data.results;
  if (!r) { replace(detail, heading, emptyState()); return; }
  const currency = r.currency || "JPY";
  const tally = r.tally || {};
  const parts = [heading, freshnessNote({ computedAt: data.computedAt, current: data.current }),
    el("div", { class: "cards", "data-testid": "scenario-totals" },
      kpiCard({ label: t("scenarios.entered"), value: num(r.entered) }),
      kpiCard({ label: t("scenarios.recipients"), value: num(r.arms.filter((a) => !a.holdout).reduce((n, a) => n + a.recipients, 0)) }),
      kpiCard({ label: t("scenarios.converted"), value: num(r.converted) }),
      kpiCard({ label: t("common.revenue"), value: money(r.revenue, currency) })),
    otherCurrencies(r.otherRevenue, { testId: "scenario-other-currencies", amount: (o) => o.amount }),
    el("h3", { text: t("scenarios.sends") }),
    el("div", { class: "cards sends", "data-testid": "send-outcomes" },
      kpiCard({ label: t("scenarios.sent"), value: num(tally.sent || 0) }), kpiCard({ label: t("scenarios.delivered"), value: num(tally.delivered || 0) }),
      kpiCard({ label: t("scenarios.sandbox"), value: num(tally.sandbox || 0) }), kpiCard({ label: t("scenarios.failed"), value: num(tally.failed || 0) }),
      kpiCard({ label: t("scenarios.suppressed"), value: num(sum(tally.suppressed)) }), kpiCard({ label: t("scenarios.pending"), value: num(tally.pending || 0) }),
      kpiCard({ label: t("scenarios.cost"), value: money(r.cost, currency) }))];
  const reasons = [
    ...Object.entries(tally.suppressed || {}).map(([reason, n]) => ({ reason: `${t("scenarios.suppressed")}: ${t(`suppressed.${reason}`)}`, n })),
    ...(tally.quietHoursDeferred ? [{ reason: t("scenarios.quietHours"), n: tally.quietHoursDeferred }] : []),
    ...Object.entries(tally.failedReasons || {}).map(([reason, n]) => ({ reason: `${t("scenarios.failed")}: ${reason}`, n }))];
  if (reasons.length) parts.push(dataTable({ caption: t("scenarios.reason"), columns: [{ key: "reason", label: t("scenarios.reason") }, { key: "n", label: t("scenarios.count"), type: "number" }], rows: reasons, sort: { key: "n" } }));
  if (tally.sandbox) parts.push(el("p", {}, el("a", { href: href("outbox", { scenario: id }), "data-testid": "outbox-link", text: t("scenarios.openOutbox") })));
  parts.push(r.arms.length === 0 ? emptyState() : dataTable({
    caption: t("scenarios.variant"),
    columns: [
      { key: "arm", label: t("scenarios.variant"), format: (a) => (a.holdout ? `${a.arm} (${t("scenarios.holdout")})` : a.arm) },
      { key: "entered", label: t("scenarios.entered"), type: "number" },
      { key: "sent", label: t("scenarios.sent"), type: "number" },
      { key: "sandbox", label: t("scenarios.sandbox"), type: "number", value: (a) => a.tally?.sandbox || 0 },
      { key: "failed", label: t("scenarios.failed"), type: "number", value: (a) => a.tally?.failed || 0 },
      { key: "suppressed", label: t("scenarios.suppressed"), type: "number", value: (a) => sum(a.tally?.suppressed) },
      { key: "converted", label: t("scenarios.converted"), type: "number" },
      { key: "conversionRate", label: "CVR", type: "pct" },
      { key: "recipientConversionRate", label: t("scenarios.recipientCvr"), type: "pct", value: (a) => (a.holdout ? null : a.recipientConversionRate) },
      { key: "revenuePerCustomer", label: t("scenarios.revenuePerCustomer"), type: "money", currency: () => currency },
      { key: "versusControl", label: t("scenarios.versusControl"), sortable: false, format: (a) => (a.versusControl ? fmtDiff(a.versusControl.conversion) : "—") },
      { key: "cost", label: t("scenarios.cost"), type: "money", currency: () => currency },
      { key: "roas", label: "ROAS", type: "measure" },
    ],
    rows: r.arms,
  }));
  if (r.uplift && r.uplift.length) {
    parts.push(el("h3", { text: t("scenarios.uplift") }), dataTable({
      caption: t("scenarios.uplift"),
      columns: [
        // The API names the pooled row "all arms" (ScenarioResults.AllArms, what 次の一手 reads); the arms keep their own names.
        { key: "treatment", label: t("scenarios.variant"), format: (u) => (u.treatment === "all arms" ? t("scenarios.allArms") : u.treatment) },
        { key: "treatmentRate", label: t("scenarios.treatmentRate"), type: "pct", value: (u) => u.uplift.treatmentRate },
        { key: "holdoutRate", label: t("scenarios.holdoutRate"), type: "pct", value: (u) => u.uplift.holdoutRate },
        { key: "conversionUplift", label: t("scenarios.upliftCvr"), sortable: false, format: (u) => fmtDiff(u.uplift.conversionUplift) },
        { key: "incrementalRevenue", label: t("scenarios.incrementalRevenue"), type: "money", currency: () => currency, value: (u) => u.uplift.incrementalRevenue },
        { key: "incrementalRoas", label: t("scenarios.incrementalRoas"), type: "measure" },
      ],
      rows: r.uplift,
    }));
  }
  if (r.winner) parts.push(el("p", { "data-testid": "winner", text: `${t("scenarios.winner")}: ${r.winner.arm || "—"} — ${r.winner.reason}` }));
  replace(detail, parts);
}

const statusKind = { active: "good", paused: "warn", draft: "neutral", stopped: "bad", finished: "info" };
/** 完了 for a broadcast that went out and whose enrolments have all completed; else the lifecycle status. */
const statusOf = (s) => (s.finished ? "finished" : s.scenario.status.toLowerCase());

/** Who the scenario's trigger reaches, who entered and why the others did not ("7 人は連絡手段がないため対象外"). */
async function audience(ctx, row, detail) {
  const heading = el("h2", { id: "results-title", tabindex: "-1", text: t("scenarios.audienceOf", { name: row.scenario.name || row.scenario.scenarioId }) });
  replace(detail, heading, loadingState());
  heading.focus({ preventScroll: true });
  try {
    const a = await api(`scenarios/${encodeURIComponent(row.scenario.scenarioId)}/audience`, { signal: ctx.signal });
    replace(detail, heading, el("p", { class: "hint", text: pick(row.trigger) }), audienceView(a));
  } catch (e) {
    replace(detail, heading, errorState(e));
  }
}

definePage({
  path: "scenarios",
  nav: { order: 50, label: "nav.scenarios" },
  async render(ctx) {
    const status = el("p", { role: "status", class: "status-line", "data-testid": "scenario-status" });
    const list = el("div", {});
    const detail = el("section", { class: "panel", "aria-labelledby": "results-title", "data-testid": "scenario-results" });
    const lifecycle = (id, action) => async () => {
      try {
        await api(`scenarios/${encodeURIComponent(id)}/${action}`, { method: "POST" });
        status.textContent = t(`scenarios.did.${action}`, { id });
      } catch (e) {
        replace(status, errorState(e));
      }
      await load();
    };
    let rows = [];
    const nameOf = (id) => { const s = rows.find((x) => x.scenario.scenarioId === id); return s ? s.scenario.name || id : id; };
    const load = async () => {
      rows = (await api("scenarios/builder/list", { signal: ctx.signal })) || [];
      replace(list, rows.length === 0 ? emptyState(t("scenarios.none"), { href: href("scenarios/new"), text: t("scenarios.new") }) : dataTable({
        caption: t("scenarios.title"),
        rowKey: (s) => s.scenario.scenarioId,
        sort: { key: "updated", dir: "desc" },
        columns: [
          { key: "name", label: t("scenarios.name"), value: (s) => s.scenario.name || s.scenario.scenarioId, format: (s) => el("div", { class: "scenario-name" },
            el("strong", { text: s.scenario.name || s.scenario.scenarioId }), el("code", { class: "hint", text: ` ${s.scenario.scenarioId}` }),
            s.description ? el("p", { class: "hint scenario-description", text: s.description }) : null) },
          { key: "trigger", label: t("scenarios.trigger"), value: (s) => pick(s.trigger) },
          { key: "nextRun", label: t("scenarios.nextRun"), value: (s) => s.nextRun, format: (s) => (s.nextRun ? dateTime(s.nextRun) : s.finished || s.triggerType === "broadcast" || s.scenario.status !== "Active" ? "—" : t("scenarios.onEvent")) },
          { key: "status", label: t("scenarios.status"), value: (s) => statusOf(s), format: (s) => badge(t(`scenarios.status.${statusOf(s)}`), statusKind[statusOf(s)] || "neutral", { "data-testid": "scenario-state" }) },
          { key: "entered", label: t("scenarios.entered"), type: "number" },
          { key: "sent", label: t("scenarios.sent"), type: "number" },
          { key: "converted", label: t("scenarios.converted"), type: "number" },
          { key: "updated", label: t("scenarios.updated"), type: "dateTime", value: (s) => s.scenario.updatedAt },
          { key: "actions", label: "", sortable: false, csv: false, format: (s) => { const id = s.scenario.scenarioId; const st = s.scenario.status; return el("span", { class: "actions" },
            el("button", { type: "button", class: "secondary small", "data-results": id, onclick: () => { ctx.setParams({ id }); results(ctx, id, detail, nameOf(id)); }, text: t("scenarios.results") }),
            el("button", { type: "button", class: "secondary small", "data-audience": id, onclick: () => audience(ctx, s, detail), text: t("scenarios.audience") }),
            st === "Active" ? el("button", { type: "button", class: "secondary small", onclick: lifecycle(id, "pause"), text: t("scenarios.pause") }) : null,
            st === "Paused" ? el("button", { type: "button", class: "secondary small", onclick: lifecycle(id, "resume"), text: t("scenarios.resume") }) : null,
            st === "Draft" ? el("button", { type: "button", class: "small", onclick: lifecycle(id, "activate"), text: t("scenarios.activate") }) : null,
            st !== "Stopped" && !s.finished ? el("button", { type: "button", class: "danger secondary small", onclick: stop(s), text: t("scenarios.stop") }) : null); } },
        ],
        rows,
      }));
    };
    const stop = (s) => async () => {
      const ok = await confirmDialog({ title: t("scenarios.stopTitle", { name: s.scenario.name || s.scenario.scenarioId }), message: t("scenarios.stopMessage"), danger: true, confirmLabel: t("scenarios.stop") });
      if (ok) await lifecycle(s.scenario.scenarioId, "stop")();
    };
    await load();
    if (ctx.params.get("id")) results(ctx, ctx.params.get("id"), detail, nameOf(ctx.params.get("id")));
    return [pageHeader(t("scenarios.title"), { actions: el("a", { class: "button", href: href("scenarios/new"), text: t("scenarios.new") }) }), status,
      section(t("scenarios.title"), list, { id: "scenario-list" }), detail];
  },
});
