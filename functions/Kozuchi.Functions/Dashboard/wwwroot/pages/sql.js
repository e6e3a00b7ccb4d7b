// 分析 (SQL): read-only SQL over the newest analytics snapshot (customers, orders, order_products as Parquet; see
// docs/ANALYTICS.md "Free SQL"), with sample queries a shop asks, the answer as a table and the CSV the server writes.
import { definePage } from "../lib/router.js";
import { addTexts, t } from "../lib/i18n.js";
import { el, field, replace, select } from "../lib/dom.js";
import { api, ApiError, download } from "../lib/api.js";
import { dateTime, num } from "../lib/format.js";
import { dataTable } from "../components/data-table.js";
import { badge, emptyState, errorState, pageHeader, section } from "../components/states.js";

addTexts({
  ja: {
    "nav.sql": "分析 (SQL)", "sql.title": "分析 (SQL)",
    "sql.lead": "顧客・注文・注文商品のスナップショット (毎日 03:00 に作成) に SQL を実行します。読み取り専用で、元のデータは変わりません。",
    "sql.samples": "サンプルクエリ", "sql.sample": "サンプルを選ぶ", "sql.query": "SQL", "sql.run": "実行", "sql.running": "実行中…", "sql.csv": "CSV ダウンロード",
    "sql.maxRows": "最大行数", "sql.result": "結果: {n} 行 ({ms} ms)", "sql.truncated": "最大行数で打ち切りました", "sql.snapshot": "スナップショット {id} ({at} 作成)",
    "sql.snapshotNow": "いまのデータでスナップショットを作成", "sql.snapshotting": "作成中…", "sql.snapshotDone": "スナップショット {id} を作成しました (顧客 {customers} 人・注文 {orders} 件)",
    "sql.tables": "テーブル: customers (顧客の状態・獲得経路・同意)、orders (注文: order_day・net・counts)、order_products (注文の商品)。名前・メール・電話などの個人情報は含まれません。",
    "sql.resultTitle": "結果", "sql.resultEmpty": "「実行」を押すと、結果がここに表示されます。",
    "sql.noSnapshot": "まだスナップショットがありません。SQL は毎日 03:00 に作成するスナップショットに対して実行します。",
    "sql.noSnapshotDo": "いまのデータで作成して、そのまま実行できます (数十秒かかることがあります)。",
    "sql.snapshotAndRun": "スナップショットを作成して実行",
    "sql.s.monthly": "月別の売上と注文数", "sql.s.f2": "初回購入月ごとの F2 転換率", "sql.s.top": "注文数の多い 20 商品", "sql.s.dormant": "90 日以上購入のない 2 回以上購入顧客", "sql.s.columns": "customers の列を見る",
  },
  en: {
    "nav.sql": "Analysis (SQL)", "sql.title": "Analysis (SQL)",
    "sql.lead": "SQL over the snapshot of customers, orders and order products (taken daily at 03:00). Read-only: the data never changes.",
    "sql.samples": "Sample queries", "sql.sample": "Pick a sample", "sql.query": "SQL", "sql.run": "Run", "sql.running": "Running…", "sql.csv": "Download CSV",
    "sql.maxRows": "Max rows", "sql.result": "Result: {n} rows ({ms} ms)", "sql.truncated": "Cut at the max rows", "sql.snapshot": "Snapshot {id} (taken {at})",
    "sql.snapshotNow": "Take a snapshot of the data now", "sql.snapshotting": "Taking…", "sql.snapshotDone": "Snapshot {id} taken ({customers} customers, {orders} orders)",
    "sql.tables": "Tables: customers (state, acquisition medium, consents), orders (order_day, net, counts), order_products. No names, emails or phone numbers.",
    "sql.resultTitle": "Result", "sql.resultEmpty": "Press Run and the result shows here.",
    "sql.noSnapshot": "There is no snapshot yet. SQL runs over the snapshot taken daily at 03:00.",
    "sql.noSnapshotDo": "Take one of the data now and the query runs right after (it can take tens of seconds).",
    "sql.snapshotAndRun": "Take a snapshot and run",
    "sql.s.monthly": "Revenue and orders by month", "sql.s.f2": "F2 conversion by first-order month", "sql.s.top": "Top 20 products by orders", "sql.s.dormant": "Repeat customers with no order for 90+ days", "sql.s.columns": "The columns of customers",
  },
});

const SAMPLES = [
  ["sql.s.monthly", "SELECT strftime(o.order_day, '%Y-%m') AS month, sum(o.net) AS sales, count(*) AS orders\nFROM orders o JOIN customers c USING (customer_id)\nWHERE o.counts AND c.state = 'active'\nGROUP BY 1 ORDER BY 1 DESC\nLIMIT 24"],
  ["sql.s.f2", "WITH n AS (\n  SELECT customer_id, min(order_day) AS first_day, count(*) AS orders\n  FROM orders WHERE counts GROUP BY customer_id\n)\nSELECT strftime(first_day, '%Y-%m') AS first_month, count(*) AS customers,\n  round(avg(CASE WHEN orders >= 2 THEN 100.0 ELSE 0 END), 1) AS f2_pct\nFROM n GROUP BY 1 ORDER BY 1 DESC LIMIT 24"],
  ["sql.s.top", "SELECT p.product, count(*) AS orders, sum(o.net) AS sales_of_orders\nFROM order_products p JOIN orders o USING (order_key)\nWHERE o.counts\nGROUP BY 1 ORDER BY orders DESC\nLIMIT 20"],
  ["sql.s.dormant", "SELECT customer_id, count(*) AS orders, sum(net) AS revenue, max(order_day) AS last_order\nFROM orders WHERE counts\nGROUP BY customer_id\nHAVING count(*) >= 2 AND max(order_day) < current_date - INTERVAL 90 DAY\nORDER BY revenue DESC\nLIMIT 100"],
  ["sql.s.columns", "DESCRIBE customers"],
];

definePage({
  path: "sql",
  nav: { order: 90, label: "nav.sql" },
  async render() {
    const query = el("textarea", { id: "sql-query", rows: 10, spellcheck: "false", class: "code", "data-testid": "sql-query" });
    query.value = SAMPLES[0][1];
    const samples = select([["", t("sql.sample")], ...SAMPLES.map(([key], i) => [String(i), t(key)])], "", { id: "sql-sample", "data-testid": "sql-sample",
      onchange: (e) => { if (e.target.value !== "") { query.value = SAMPLES[Number(e.target.value)][1]; e.target.value = ""; } } });
    const maxRows = el("input", { id: "sql-max", type: "number", min: 1, max: 100000, value: 1000 });
    const result = el("div", { "data-testid": "sql-result", "aria-live": "polite" }, emptyState(t("sql.resultEmpty")));
    const status = el("div", { role: "status", class: "status-line" });
    const body = () => ({ sql: query.value, maxRows: Number(maxRows.value) || 1000 });

    const run = async (button) => {
      button.disabled = true;
      button.textContent = t("sql.running");
      try {
        const answer = await api("analytics/sql", { method: "POST", body: body() });
        // Whole numbers (a DECIMAL of yen, a count) without ".00"; fractions with two digits.
        const whole = (i) => answer.rows.every((row) => row[i] === null || Number.isInteger(Number(row[i])));
        const columns = answer.columns.map((c, i) => ({ key: String(i), label: c.name, value: (row) => row[i],
          type: /INT|DECIMAL|DOUBLE|FLOAT|REAL|NUMERIC/i.test(c.type || "") ? "measure" : "text", digits: /INT/i.test(c.type || "") || whole(i) ? 0 : 2 }));
        replace(result, el("p", { class: "hint", "data-testid": "sql-summary" }, t("sql.result", { n: num(answer.rows.length), ms: num(answer.elapsedMs) }), " · ",
          t("sql.snapshot", { id: answer.snapshotId, at: dateTime(answer.snapshotTakenAt) }), answer.truncated ? [" ", badge(t("sql.truncated"), "warn")] : null),
        dataTable({ caption: t("sql.title"), dense: true, testId: "sql-table", columns, rows: answer.rows, pageSize: 50 }));
      } catch (e) {
        replace(result, noSnapshot(e) ? noSnapshotState() : errorState(e));
      } finally {
        button.disabled = false;
        button.textContent = t("sql.run");
      }
    };
    const csv = async () => {
      try {
        await download("analytics/sql?format=csv", { method: "POST", body: body(), filename: "kozuchi-query.csv" });
      } catch (e) {
        replace(result, noSnapshot(e) ? noSnapshotState() : errorState(e));
      }
    };
    // A shop's first visit comes before the first nightly snapshot: the API's 409 says so in English; say it in the
    // operator's words with the one thing to do.
    const noSnapshot = (e) => e instanceof ApiError && e.status === 409;
    const noSnapshotState = () => el("div", { class: "state empty", "data-testid": "sql-no-snapshot" },
      el("p", { text: t("sql.noSnapshot") }), el("p", { text: t("sql.noSnapshotDo") }),
      el("button", { type: "button", onclick: async (e) => { if (await snapshot(e.currentTarget, t("sql.snapshotAndRun"))) await run(runButton); }, text: t("sql.snapshotAndRun") }));
    const snapshot = async (button, label = t("sql.snapshotNow")) => {
      button.disabled = true;
      button.textContent = t("sql.snapshotting");
      try {
        const m = await api("analytics/snapshots", { method: "POST" });
        replace(status, el("p", { class: "flash", text: t("sql.snapshotDone", { id: m.id, customers: num(m.customers), orders: num(m.orders) }) }));
        return true;
      } catch (e) {
        replace(status, errorState(e));
        return false;
      } finally {
        button.disabled = false;
        button.textContent = label;
      }
    };

    const runButton = el("button", { type: "button", "data-testid": "sql-run", onclick: (e) => run(e.currentTarget), text: t("sql.run") });
    return [pageHeader(t("sql.title"), { lead: t("sql.lead"), actions: el("button", { type: "button", class: "secondary", "data-testid": "sql-snapshot", onclick: (e) => snapshot(e.currentTarget), text: t("sql.snapshotNow") }) }),
      status,
      section(t("sql.query"), [el("p", { class: "hint", text: t("sql.tables") }),
        el("div", { class: "toolbar" }, field(t("sql.samples"), samples), field(t("sql.maxRows"), maxRows)),
        field(t("sql.query"), query),
        el("div", { class: "form-actions" },
          runButton,
          el("button", { type: "button", class: "secondary", "data-testid": "sql-csv", onclick: csv, text: t("sql.csv") }))], { id: "query" }),
      section(t("sql.resultTitle"), result, { id: "result" })];
  },
});
