// The texts the shell and the shared components use; each page adds its own (addTexts in the page's module).
import { addTexts } from "./i18n.js";

addTexts({
  ja: {
    "app.name": "小槌 Kozuchi", "nav.skip": "本文へ移動", "nav.label": "メイン", "nav.logout": "ログアウト", "lang.label": "表示言語",
    "footer.note": "数値は最新の集計から計算しています。日時はすべて日本時間 (JST) です。",
    "state.loading": "読み込み中…", "state.empty": "データがまだありません。", "state.error": "読み込めませんでした:", "state.retry": "再試行",
    "state.computing": "初回の集計を作成中です。完了すると自動で表示します。", "state.signedOut": "ログインが必要です。",
    "state.notFoundTitle": "ページが見つかりません", "state.notFound": "このアドレスのページはありません。", "state.backToOverview": "概要へ戻る",
    "freshness.computedAt": "集計時刻:", "freshness.updating": "最新の集計を作成中です（しばらくして再読み込みすると反映されます）",
    "table.prev": "前へ", "table.next": "次へ", "table.perPage": "{n} 件ずつ", "table.pageSize": "1 ページの件数",
    "table.range": "{from}–{to} 件目 / 全 {total} 件", "table.csv": "CSV ダウンロード",
    "chart.showData": "グラフの数値を表で見る",
    "kpi.partial": "月途中", "kpi.noComparison": "比較なし", "kpi.progress": "達成率",
    "dialog.ok": "実行する", "dialog.cancel": "キャンセル", "dialog.typeToConfirm": "確認のため「{text}」と入力してください",
    "unit.days": "{n}日", "unit.people": "{n} 人", "unit.orders": "{n} 件",
    "common.customers": "顧客数", "common.revenue": "売上", "common.orders": "注文数", "common.asOf": "基準日", "common.apply": "表示",
    "common.otherCurrencies": "他の通貨（合算していません）", "common.ordersUnit": "件", "common.customersUnit": "人",
  },
  en: {
    "app.name": "Kozuchi", "nav.skip": "Skip to content", "nav.label": "Main", "nav.logout": "Sign out", "lang.label": "Language",
    "footer.note": "Figures come from the latest computation. All dates and times are Japan time (JST).",
    "state.loading": "Loading…", "state.empty": "No data yet.", "state.error": "Could not load:", "state.retry": "Try again",
    "state.computing": "The first figures are being computed; this page will show them when they are ready.", "state.signedOut": "Please sign in.",
    "state.notFoundTitle": "Page not found", "state.notFound": "There is no page at this address.", "state.backToOverview": "Back to the overview",
    "freshness.computedAt": "Computed at", "freshness.updating": "newer figures are being computed (reload in a few minutes)",
    "table.prev": "Previous", "table.next": "Next", "table.perPage": "{n} per page", "table.pageSize": "Rows per page",
    "table.range": "{from}–{to} of {total}", "table.csv": "Download CSV",
    "chart.showData": "Show the chart's figures as a table",
    "kpi.partial": "Month to date", "kpi.noComparison": "no comparison", "kpi.progress": "Progress",
    "dialog.ok": "Go ahead", "dialog.cancel": "Cancel", "dialog.typeToConfirm": "Type “{text}” to confirm",
    "unit.days": "{n} days", "unit.people": "{n} customers", "unit.orders": "{n} orders",
    "common.customers": "Customers", "common.revenue": "Revenue", "common.orders": "Orders", "common.asOf": "As of", "common.apply": "Show",
    "common.otherCurrencies": "Other currencies (not added)", "common.ordersUnit": "orders", "common.customersUnit": "customers",
  },
});
