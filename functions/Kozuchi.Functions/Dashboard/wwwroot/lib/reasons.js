// Why a row was not taken, in the operator's language. The order CSV parser (Kozuchi.Core/Import/OrderCsvParser.cs)
// and the call-results reader (Kozuchi.Channels/Calls/CallResults.cs) write their reasons in English, into the error
// CSVs that the CLI and the API also give; the dashboard shows the Japanese of each known sentence, its values kept,
// and an unknown sentence as it came (never blank). DashboardReasonsBrowserTests makes each parser give each of its
// reasons and fails when one comes back in English here, or when a pattern below no longer matches anything.
import { lang } from "./i18n.js";

// Exported for the test that checks every pattern still meets a sentence the parsers write.
export const JA = [
  [/^The file is empty: a header row is required\.$/, () => "ファイルが空です。1 行目に見出し行が必要です。"],
  [/^The file is not a CSV text file \(it holds binary data\): export the orders as CSV\.$/, () => "CSV のテキストファイルではありません (バイナリを含んでいます)。注文を CSV で書き出してください。"],
  [/^The header row is unreadable: (.*)$/s, (m) => `見出し行を読み取れません。${reasonText(m[1])}`],
  [/^Header lacks required column\(s\) (.+) for mapping '(.+)'\.$/, (m) => `見出し行に必須の列 ${m[1]} がありません (マッピング「${m[2]}」)。`],
  [/^order_id is required\.$/, () => "order_id (注文番号) が空です。"],
  [/^Rows of order (.+) are not together: it already appeared at line (\d+)\.$/, (m) => `注文 ${m[1]} の行が連続していません (${m[2]} 行目に既に出ています)。同じ注文の行はまとめて並べてください。`],
  [/^Order rejected with line (\d+): (.*)$/s, (m) => `${m[1]} 行目の誤りのため、この注文全体を取り込んでいません: ${reasonText(m[2])}`],
  [/^(.+) differs from the order's first row \(line (\d+)\)\.$/, (m) => `${m[1]} が同じ注文の最初の行 (${m[2]} 行目) と違います。`],
  [/^ordered_at is required\.$/, () => "ordered_at (注文日時) が空です。"],
  [/^order_total is required\.$/, () => "order_total (注文金額) が空です。"],
  [/^At least one of customer_ref, email, phone is required\.$/, () => "顧客を特定できません。customer_ref・email・phone のいずれかが必要です。"],
  [/^quantity '(.*)' is not a whole number ≥ 0\.$/, (m) => `数量「${m[1]}」は 0 以上の整数ではありません。`],
  [/^currency '(.*)' is not an ISO 4217 code\.$/, (m) => `通貨「${m[1]}」は ISO 4217 の通貨コード (JPY など) ではありません。`],
  [/^status '(.*)' is not known; use paid, pending, cancelled, refunded or partially_refunded \(or map it\)\.$/,
    (m) => `ステータス「${m[1]}」は分かりません。paid・pending・cancelled・refunded・partially_refunded のいずれかにするか、マッピングで対応づけてください。`],
  [/^'(.*)' is not a date \(use ISO 8601, yyyy\/MM\/dd HH:mm or yyyy-MM-dd\)\.$/, (m) => `「${m[1]}」は日付として読めません (yyyy/MM/dd HH:mm、yyyy-MM-dd または ISO 8601 で書いてください)。`],
  [/^(\w+) '(.*)' is not an amount\.$/, (m) => `${m[1]} の「${m[2]}」は金額として読めません。`],
  [/^'fulfillment' must be none, partial or fulfilled; got '(.*)'\.$/, (m) => `発送状況「${m[1]}」は分かりません。none (未発送)・partial (一部発送)・fulfilled (発送済み) のいずれかにしてください。`],
  // Rows over the reader's limits (Kozuchi.Core/Import/CsvRows.cs), numbers as "1,048,576"
  [/^The row is longer than ([\d,]+) characters; it was skipped\.$/, (m) => `行が長すぎます (${m[1]} 文字を超えています)。この行は読み飛ばしました。`],
  [/^Field (\d+) is longer than ([\d,]+) characters; the row was skipped\.$/, (m) => `${m[1]} 列目が長すぎます (${m[2]} 文字を超えています)。この行は読み飛ばしました。`],
  // Call results
  [/^The file is empty\.$/, () => "ファイルが空です。"],
  [/^The header needs 顧客ID \(customer_id\) and 結果 \(outcome\)\.$/, () => "見出し行に 顧客ID (customer_id) と 結果 (outcome) の列が必要です。"],
  [/^No customer id\.$/, () => "顧客ID が空です。"],
  [/^Unknown outcome '': use 通話, 不在, 購入 or 拒否\.$/, () => "結果が空です。通話・不在・購入・拒否 のいずれかを書いてください。"],
  [/^Unknown outcome '(.+)': use 通話, 不在, 購入 or 拒否\.$/, (m) => `結果「${m[1]}」は分かりません。通話・不在・購入・拒否 のいずれかにしてください。`],
  [/^Unreadable call time '(.*)'\.$/, (m) => `架電日時「${m[1]}」を日時として読めません。`],
];

/** A rejected row's reason in the current language (English as the API wrote it, or its Japanese). */
export function reasonText(reason) {
  if (!reason || lang() !== "ja") return reason;
  for (const [pattern, japanese] of JA) {
    const m = pattern.exec(reason);
    if (m) return japanese(m);
  }
  return reason;
}
