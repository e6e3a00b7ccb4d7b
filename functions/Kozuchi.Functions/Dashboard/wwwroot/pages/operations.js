// 取込・エラー: messages that could not be processed (with replay) and the import history.
import { definePage } from "../lib/router.js";
import { addTexts, t } from "../lib/i18n.js";
import { el, replace } from "../lib/dom.js";
import { api, apiUrl } from "../lib/api.js";
import { dateTime, num } from "../lib/format.js";
import { dataTable } from "../components/data-table.js";
import { emptyState, pageHeader, section } from "../components/states.js";

addTexts({
  ja: {
    "nav.operations": "取込・エラー", "operations.title": "取込・エラー", "operations.poison": "処理できなかったメッセージ", "operations.queue": "キュー",
    "operations.count": "件数", "operations.sample": "内容 (先頭)", "operations.replay": "再実行", "operations.replayed": "{queue}: {n} 件を再投入しました",
    "operations.none": "処理できなかったメッセージはありません。", "operations.imports": "取込履歴",
    "operations.noImports": "取り込んだファイルはまだありません。", "operations.file": "ファイル", "operations.at": "日時",
    "operations.rowsRead": "読込行数", "operations.ordersAccepted": "取込注文数", "operations.rowsRejected": "エラー行数",
    "operations.errors": "エラー一覧 (CSV)",
  },
  en: {
    "nav.operations": "Imports & failures", "operations.title": "Imports & failures", "operations.poison": "Messages that could not be processed", "operations.queue": "Queue",
    "operations.count": "Count", "operations.sample": "Content (first)", "operations.replay": "Replay", "operations.replayed": "{queue}: {n} messages re-queued",
    "operations.none": "No failed messages.", "operations.imports": "Imports",
    "operations.noImports": "No files imported yet.", "operations.file": "File", "operations.at": "Time",
    "operations.rowsRead": "Rows read", "operations.ordersAccepted": "Orders imported", "operations.rowsRejected": "Rows rejected",
    "operations.errors": "Error report (CSV)",
  },
});

definePage({
  path: "operations",
  nav: { order: 120, label: "nav.operations" },
  async render(ctx) {
    const status = el("p", { role: "status", class: "status-line" });
    const poison = el("div", {});
    const loadPoison = async () => {
      const queues = ((await api("operations/poison", { signal: ctx.signal })) || []).filter((q) => q.approximateCount > 0);
      if (queues.length === 0) { replace(poison, emptyState(t("operations.none"))); return; }
      replace(poison, dataTable({
        caption: t("operations.poison"),
        columns: [
          { key: "queue", label: t("operations.queue") },
          { key: "approximateCount", label: t("operations.count"), type: "number" },
          { key: "sample", label: t("operations.sample"), sortable: false, format: (q) => el("pre", { class: "message", text: (q.sample[0] && q.sample[0].body) || "" }) },
          { key: "replay", label: "", sortable: false, format: (q) => el("button", { type: "button", "data-queue": q.queue, text: t("operations.replay"), onclick: async (e) => {
            e.target.disabled = true;
            const outcome = await api(`operations/poison/${encodeURIComponent(q.queue)}/replay`, { method: "POST" });
            status.textContent = t("operations.replayed", { queue: q.queue, n: num(outcome.moved) });
            await loadPoison();
          } }) },
        ],
        rows: queues,
      }));
    };
    const imports = el("div", { "data-testid": "imports" });
    const loadImports = async () => {
      const rows = (await api("operations/imports", { signal: ctx.signal })) || [];
      replace(imports, rows.length === 0 ? emptyState(t("operations.noImports")) : dataTable({
        caption: t("operations.imports"),
        sort: { key: "at", dir: "desc" },
        columns: [
          { key: "file", label: t("operations.file") },
          { key: "at", label: t("operations.at"), type: "dateTime" },
          { key: "rowsRead", label: t("operations.rowsRead"), type: "number", value: (i) => i.report.summary.rowsRead },
          { key: "ordersAccepted", label: t("operations.ordersAccepted"), type: "number", value: (i) => i.report.summary.ordersAccepted },
          { key: "rowsRejected", label: t("operations.rowsRejected"), type: "number", value: (i) => i.report.summary.rowsRejected },
          { key: "errors", label: "", sortable: false, format: (i) => (i.hasErrors ? el("a", { href: apiUrl(`operations/imports/errors?file=${encodeURIComponent(i.file)}`), download: "", text: t("operations.errors") }) : "") },
        ],
        rows,
      }));
    };
    await Promise.all([loadPoison(), loadImports()]);
    return [pageHeader(t("operations.title")), status,
      section(t("operations.poison"), poison, { id: "poison" }),
      section(t("operations.imports"), imports, { id: "imports" })];
  },
});
