// 取込・エラー: how orders came in (every path: CLI, dropped files, cart pulls, webhooks by day) with their counts and
// rejected rows, and the messages that could not be processed, described in words with the reason they failed and a
// replay button.
import { definePage } from "../lib/router.js";
import { addTexts, pick, t } from "../lib/i18n.js";
import { el, replace } from "../lib/dom.js";
import { api, apiUrl } from "../lib/api.js";
import { dateTime, num, todayInTokyo } from "../lib/format.js";
import { reasonText } from "../lib/reasons.js";
import { dataTable } from "../components/data-table.js";
import { kpiCard } from "../components/kpi-card.js";
import { badge, emptyState, errorState, pageHeader, section } from "../components/states.js";

addTexts({
  ja: {
    "nav.operations": "取込・エラー", "operations.title": "取込・エラー",
    "operations.lead": "注文がどの経路からいつ何件入ったか、取り込めなかった行とその理由、処理できなかったメッセージを確認できます。原因を直したら再実行してください。",
    "operations.poison": "処理できなかったメッセージ", "operations.queue": "キュー",
    "operations.count": "件数", "operations.sample": "内容 (先頭)", "operations.replay": "再実行", "operations.replayed": "{queue}: {n} 件を再投入しました",
    "operations.replayHint": "再実行するとメッセージを元のキューに戻し、もう一度処理します。同じ注文や送信が二重になることはありません。",
    "operations.none": "処理できなかったメッセージはありません。", "operations.imports": "取込履歴",
    "operations.noImports": "取り込んだ記録はまだありません。CLI (kozuchi import orders)、imports コンテナーへのファイル投入、カート API の取得がここに記録されます。",
    "operations.file": "ファイル・取込元", "operations.at": "日時",
    "operations.rowsRead": "読込行数", "operations.ordersAccepted": "取込注文数", "operations.rowsRejected": "エラー行数",
    "operations.storedOrders": "保存済み", "operations.pendingOrders": "未反映", "operations.chunks": "チャンク",
    "operations.errors": "エラー一覧 (CSV)", "operations.path": "経路", "operations.result": "結果",
    "operations.path.cli": "CLI", "operations.path.blob": "ファイル投入", "operations.path.pull": "カート API", "operations.path.webhook": "Webhook",
    "operations.status.ok": "正常", "operations.status.partial": "一部エラー", "operations.status.failed": "失敗",
    "operations.showErrors": "エラー行 ({n})", "operations.errorRows": "取り込めなかった行: {name}", "operations.line": "行", "operations.column": "列", "operations.reason": "理由",
    "operations.cliReport": "全件の一覧は CLI を実行した端末の {file} にあります。", "operations.firstRows": "先頭 {n} 行を表示しています。",
    "operations.webhooks": "Webhook (日別)", "operations.noWebhooks": "直近 14 日に受信した Webhook はありません。",
    "operations.day": "日付", "operations.source": "送信元", "operations.accepted": "受信", "operations.rejected": "エラー", "operations.ignored": "対象外",
    "operations.rejections": "読み取れなかった Webhook", "operations.stored": "保存先 (raw)",
    "operations.source.shopify": "Shopify (注文)", "operations.source.shopify-checkout": "Shopify (カート)", "operations.source.kozuchi": "注文 Webhook", "operations.source.kozuchi-checkout": "カート Webhook",
    "operations.failedCount": "処理できなかったメッセージ", "operations.lastImport": "最後の取込", "operations.webhooksToday": "今日の Webhook",
    "operations.webhooksTodayValue": "{accepted} 件受信・{rejected} 件エラー", "operations.noneYet": "まだありません",
    "operations.what": "内容", "operations.why": "理由", "operations.attempts": "試行 {n} 回・最後の失敗 {at}", "operations.noReason": "失敗の理由は記録されていません (この機能より前に失敗したメッセージです)。",
    "operations.messages": "{n} 件", "operations.body": "メッセージの中身 (JSON)", "operations.moreMessages": "ほか {n} 件 (先頭 {shown} 件を表示)",
  },
  en: {
    "nav.operations": "Imports & failures", "operations.title": "Imports & failures",
    "operations.lead": "How orders came in, by which path and when, the rows that could not be taken and why, and the messages that could not be processed. Fix the cause, then replay.",
    "operations.poison": "Messages that could not be processed", "operations.queue": "Queue",
    "operations.count": "Count", "operations.sample": "Content (first)", "operations.replay": "Replay", "operations.replayed": "{queue}: {n} messages re-queued",
    "operations.replayHint": "Replay puts the messages back on their queue to be processed again. Nothing is doubled: processing is idempotent.",
    "operations.none": "No failed messages.", "operations.imports": "Imports",
    "operations.noImports": "Nothing imported yet. The CLI (kozuchi import orders), files dropped in the imports container and cart pulls are recorded here.",
    "operations.file": "File / source", "operations.at": "Time",
    "operations.rowsRead": "Rows read", "operations.ordersAccepted": "Orders imported", "operations.rowsRejected": "Rows rejected",
    "operations.storedOrders": "Stored", "operations.pendingOrders": "Pending", "operations.chunks": "chunks",
    "operations.errors": "Error report (CSV)", "operations.path": "Path", "operations.result": "Result",
    "operations.path.cli": "CLI", "operations.path.blob": "Dropped file", "operations.path.pull": "Cart API", "operations.path.webhook": "Webhook",
    "operations.status.ok": "OK", "operations.status.partial": "Some rows rejected", "operations.status.failed": "Failed",
    "operations.showErrors": "Rejected rows ({n})", "operations.errorRows": "Rows not imported: {name}", "operations.line": "Line", "operations.column": "Column", "operations.reason": "Reason",
    "operations.cliReport": "The full list is in {file} on the machine that ran the CLI.", "operations.firstRows": "The first {n} rows are shown.",
    "operations.webhooks": "Webhooks by day", "operations.noWebhooks": "No webhooks received in the last 14 days.",
    "operations.day": "Day", "operations.source": "Source", "operations.accepted": "Received", "operations.rejected": "Rejected", "operations.ignored": "Ignored",
    "operations.rejections": "Webhooks that could not be read", "operations.stored": "Stored as (raw)",
    "operations.source.shopify": "Shopify (orders)", "operations.source.shopify-checkout": "Shopify (checkouts)", "operations.source.kozuchi": "Order webhook", "operations.source.kozuchi-checkout": "Checkout webhook",
    "operations.failedCount": "Failed messages", "operations.lastImport": "Last import", "operations.webhooksToday": "Webhooks today",
    "operations.webhooksTodayValue": "{accepted} received, {rejected} rejected", "operations.noneYet": "none yet",
    "operations.what": "What", "operations.why": "Why", "operations.attempts": "{n} attempts, last failed {at}", "operations.noReason": "No reason was recorded (the message failed before reasons were kept).",
    "operations.messages": "{n} messages", "operations.body": "Message body (JSON)", "operations.moreMessages": "{n} more (the first {shown} are shown)",
  },
});

const statusKind = { ok: "good", partial: "warn", failed: "bad" };
const sourceName = (s) => (`operations.source.${s}` in window.KOZUCHI_I18N.ja ? t(`operations.source.${s}`) : s);

/** One poison queue: what it does, its count, a replay button, and each sampled message in words with its reason. */
function failedGroup(q, onReplay) {
  const shown = q.sample.length;
  return el("article", { class: "failed-group", "data-testid": "failed-queue", "data-queue-name": q.queue },
    el("div", { class: "failed-head" },
      el("h3", {}, pick(q.label), " ", el("code", { text: q.queue })),
      badge(t("operations.messages", { n: num(q.approximateCount) }), "bad"),
      el("button", { type: "button", "data-queue": q.queue, onclick: (e) => onReplay(q, e.currentTarget), text: t("operations.replay") })),
    el("ul", { class: "failed-list" }, q.sample.map((m) => el("li", { class: "failed-message" },
      el("p", { class: "failed-what" }, el("strong", { text: `${t("operations.what")}: ` }), pick(m.description)),
      m.reason
        ? el("div", { class: "failed-why" },
          el("p", {}, el("strong", { text: `${t("operations.why")}: ` }), pick(m.reason.explanation)),
          el("p", { class: "failed-error" }, el("code", { text: `${m.reason.error}: ${m.reason.message}` })),
          el("p", { class: "hint", text: t("operations.attempts", { n: num(m.reason.attempts), at: dateTime(m.reason.at) }) }))
        : el("p", { class: "hint", text: t("operations.noReason") }),
      el("details", { class: "failed-body" }, el("summary", { text: t("operations.body") }), el("pre", { class: "message", text: m.body }))))),
    q.approximateCount > shown ? el("p", { class: "hint", text: t("operations.moreMessages", { n: num(q.approximateCount - shown), shown: num(shown) }) }) : null);
}

/** The rejected rows of one import, under the table. */
function errorRows(run) {
  return [el("h3", { id: "import-errors-title", tabindex: "-1", text: t("operations.errorRows", { name: run.file }) }),
    dataTable({
      caption: t("operations.errorRows", { name: run.file }), dense: true, testId: "import-error-rows",
      columns: [
        { key: "line", label: t("operations.line"), type: "number" },
        { key: "column", label: t("operations.column") },
        { key: "reason", label: t("operations.reason"), value: (e) => reasonText(e.reason) },
      ],
      rows: run.firstErrors,
    }),
    run.hasErrors && run.report.summary.rowsRejected > run.firstErrors.length ? el("p", { class: "hint", text: t("operations.firstRows", { n: num(run.firstErrors.length) }) }) : null,
    run.errorsDownloadable
      ? el("p", {}, el("a", { href: apiUrl(`operations/imports/errors?file=${encodeURIComponent(run.file)}`), download: "", text: t("operations.errors") }))
      : run.errorReport ? el("p", { class: "hint", text: t("operations.cliReport", { file: run.errorReport }) }) : null];
}

definePage({
  path: "operations",
  nav: { order: 120, label: "nav.operations" },
  async render(ctx) {
    const status = el("p", { role: "status", class: "status-line" });
    const poison = el("div", { "data-testid": "poison" });
    const imports = el("div", { "data-testid": "imports" });
    const importErrors = el("div", { "data-testid": "import-errors" });
    const webhooks = el("div", { "data-testid": "webhooks" });
    const cards = el("div", { class: "cards" });

    const replay = async (q, button) => {
      button.disabled = true;
      try {
        const outcome = await api(`operations/poison/${encodeURIComponent(q.queue)}/replay`, { method: "POST" });
        status.textContent = t("operations.replayed", { queue: q.queue, n: num(outcome.moved) });
      } catch (e) {
        replace(status, errorState(e));
      }
      await load();
    };

    const load = async () => {
      const [queues, runs, days] = await Promise.all([
        api("operations/poison", { signal: ctx.signal }),
        api("operations/imports", { signal: ctx.signal }),
        api("operations/webhooks", { signal: ctx.signal })]);
      const failed = (queues || []).filter((q) => q.approximateCount > 0);
      const total = failed.reduce((n, q) => n + q.approximateCount, 0);
      const todays = (days || []).filter((d) => d.day === todayInTokyo());
      replace(cards,
        kpiCard({ label: t("operations.failedCount"), value: num(total), testId: "failed-count", sub: total ? failed.map((q) => pick(q.label)).join("・") : t("operations.none") }),
        kpiCard({ label: t("operations.lastImport"), value: runs && runs.length ? dateTime(runs[0].at) : t("operations.noneYet"), sub: runs && runs.length ? `${t(`operations.path.${runs[0].path}`)} · ${runs[0].file}` : null }),
        kpiCard({ label: t("operations.webhooksToday"), value: num(todays.reduce((n, d) => n + d.accepted, 0)),
          sub: t("operations.webhooksTodayValue", { accepted: num(todays.reduce((n, d) => n + d.accepted, 0)), rejected: num(todays.reduce((n, d) => n + d.rejected, 0)) }) }));

      replace(poison, failed.length === 0 ? emptyState(t("operations.none")) : failed.map((q) => failedGroup(q, replay)));

      replace(importErrors);
      replace(imports, !runs || runs.length === 0 ? emptyState(t("operations.noImports")) : dataTable({
        caption: t("operations.imports"),
        rowKey: (r) => r.id,
        columns: [
          { key: "file", label: t("operations.file"), format: (r) => el("span", { class: "import-name", title: r.source }, r.file) },
          { key: "at", label: t("operations.at"), type: "dateTime" },
          { key: "rowsRead", label: t("operations.rowsRead"), type: "number", value: (r) => r.report.summary.rowsRead },
          { key: "ordersAccepted", label: t("operations.ordersAccepted"), type: "number", value: (r) => r.report.summary.ordersAccepted },
          // Accepted is what the file gave; stored and pending are the API's progress (per chunk, or a finished CLI run's
          // in-process total). A pull has none.
          { key: "stored", label: t("operations.storedOrders"), type: "number", value: (r) => (r.progress ? r.progress.stored : null) },
          { key: "pending", label: t("operations.pendingOrders"), type: "number", value: (r) => (r.progress ? r.progress.pending : null),
            format: (r) => !r.progress ? "—" : r.progress.pending === 0 ? num(0)
              : `${num(r.progress.pending)} (${r.progress.chunks.filter((c) => c.pending > 0).length}/${r.progress.chunks.length} ${t("operations.chunks")})` },
          { key: "rowsRejected", label: t("operations.rowsRejected"), type: "number", value: (r) => r.report.summary.rowsRejected },
          { key: "path", label: t("operations.path"), format: (r) => badge(t(`operations.path.${r.path}`), "info"), csv: (r) => r.path },
          { key: "status", label: t("operations.result"), format: (r) => el("span", {}, badge(t(`operations.status.${r.status}`), statusKind[r.status] || "neutral"),
            r.error ? el("span", { class: "import-error", text: ` ${reasonText(r.error)}` }) : null), csv: (r) => r.status },
          { key: "errors", label: "", sortable: false, csv: false, format: (r) => el("span", { class: "actions" },
            r.firstErrors.length ? el("button", { type: "button", class: "secondary small", onclick: () => { replace(importErrors, errorRows(r)); importErrors.querySelector("h3").focus(); }, text: t("operations.showErrors", { n: num(r.report.summary.rowsRejected) }) }) : null,
            r.errorsDownloadable ? el("a", { class: "button secondary small", href: apiUrl(`operations/imports/errors?file=${encodeURIComponent(r.file)}`), download: "", text: t("operations.errors") }) : null) },
        ],
        rows: runs,
        csv: { filename: "imports" },
      }));

      const list = days || [];
      const rejections = list.flatMap((d) => d.rejections.map((x) => ({ ...x, source: d.source })));
      replace(webhooks, list.length === 0 ? emptyState(t("operations.noWebhooks")) : [dataTable({
        caption: t("operations.webhooks"), dense: true, testId: "webhook-days",
        sort: { key: "day", dir: "desc" },
        columns: [
          { key: "day", label: t("operations.day"), type: "day" },
          { key: "source", label: t("operations.source"), format: (d) => sourceName(d.source) },
          { key: "accepted", label: t("operations.accepted"), type: "number" },
          { key: "rejected", label: t("operations.rejected"), type: "number" },
          { key: "ignored", label: t("operations.ignored"), type: "number" },
        ],
        rows: list,
      }), rejections.length ? [el("h3", { text: t("operations.rejections") }), dataTable({
        caption: t("operations.rejections"), dense: true, testId: "webhook-rejections",
        sort: { key: "at", dir: "desc" },
        columns: [
          { key: "at", label: t("operations.at"), type: "dateTime" },
          { key: "source", label: t("operations.source"), format: (r) => sourceName(r.source) },
          { key: "reason", label: t("operations.reason") },
          { key: "blob", label: t("operations.stored"), format: (r) => el("code", { text: r.blob }) },
        ],
        rows: rejections,
      })] : null]);
    };

    await load();
    return [pageHeader(t("operations.title"), { lead: t("operations.lead") }), status, cards,
      section(t("operations.poison"), poison, { id: "poison", lead: t("operations.replayHint") }),
      section(t("operations.imports"), [imports, importErrors], { id: "imports" }),
      section(t("operations.webhooks"), webhooks, { id: "webhooks" })];
  },
});
