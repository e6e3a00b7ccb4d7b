// Who a scenario's trigger reaches and what becomes of them, in sentences ("7 人は連絡手段がないため対象外"):
// the builder's preview before activation and a running scenario's enrolment gaps (GET /api/scenarios/{id}/audience).
import { el } from "../lib/dom.js";
import { addTexts, t } from "../lib/i18n.js";
import { date, num } from "../lib/format.js";
import { href } from "../lib/router.js";
import { dataTable } from "./data-table.js";
import { badge, emptyState } from "./states.js";
import { maskName, masked } from "../pages/customers.js";

addTexts({
  ja: {
    "audience.reason.enters": "{n} 人が対象になります", "audience.reason.holdout": "{n} 人はホールドアウト (効果測定のため何も送りません)",
    "audience.reason.still-running": "{n} 人はこのシナリオを実行中のため対象外", "audience.reason.already-enrolled": "{n} 人は以前に参加済みで、再参加の条件を満たさないため対象外",
    "audience.reason.no-address": "{n} 人は連絡手段がないため対象外", "audience.reason.no-consent": "{n} 人は配信の同意がないため対象外",
    "audience.reason.unsubscribed": "{n} 人は配信停止 (またはメール不達) のため対象外", "audience.reason.not-active": "{n} 人は統合・削除済みのため対象外",
    "audience.reason.frequency-cap": "{n} 人は参加したものの、配信回数の上限で送信が保留されました", "audience.reason.joined-later": "{n} 人は一斉配信の後にセグメントに入ったため対象外",
    "audience.reason.next-run": "{n} 人は次回の実行で参加します", "audience.reason.entered": "{n} 人が参加しました",
    "audience.reached": "トリガーの対象 {n} 人のうち", "audience.entered": "参加済み {n} 人", "audience.enter": "参加", "audience.holdout": "ホールドアウト",
    "audience.event": "注文やカートのたびに参加するシナリオです。直近 {days} 日では {n} 人が該当しました。", "audience.cart": "カゴ落ちのたびに参加するシナリオです。",
    "audience.segmentMissing": "セグメント「{id}」が保存されていません。", "audience.none": "トリガーが設定されていません。",
    "audience.sample": "参加する顧客 (先頭 {n} 人)", "audience.customer": "顧客", "audience.frequency": "購入回数", "audience.monetary": "累計購入額",
    "audience.lastOrder": "最終購入", "audience.channels": "連絡手段", "audience.status": "扱い",
    "audience.channel.email": "メール", "audience.channel.line": "LINE", "audience.channel.postal": "DM", "audience.channel.phone": "電話",
  },
  en: {
    "audience.reason.enters": "{n} will enter", "audience.reason.holdout": "{n} go to the holdout (sent nothing, to measure the effect)",
    "audience.reason.still-running": "{n} are running this scenario already", "audience.reason.already-enrolled": "{n} took part before and may not enter again yet",
    "audience.reason.no-address": "{n} have no way to be contacted", "audience.reason.no-consent": "{n} have not consented to these channels",
    "audience.reason.unsubscribed": "{n} unsubscribed (or their email bounced)", "audience.reason.not-active": "{n} were merged or erased",
    "audience.reason.frequency-cap": "{n} entered, but a send was held by the frequency cap", "audience.reason.joined-later": "{n} joined the segment after the broadcast",
    "audience.reason.next-run": "{n} will enter on the next run", "audience.reason.entered": "{n} entered",
    "audience.reached": "Of the {n} customers the trigger reaches", "audience.entered": "{n} entered", "audience.enter": "Enter", "audience.holdout": "Holdout",
    "audience.event": "Customers enter on each order or cart. In the last {days} days, {n} customers would have.", "audience.cart": "Customers enter on each abandoned cart.",
    "audience.segmentMissing": "Segment “{id}” is not stored.", "audience.none": "No trigger is set.",
    "audience.sample": "Customers who enter (first {n})", "audience.customer": "Customer", "audience.frequency": "Orders", "audience.monetary": "Revenue",
    "audience.lastOrder": "Last order", "audience.channels": "Reachable by", "audience.status": "As",
    "audience.channel.email": "Email", "audience.channel.line": "LINE", "audience.channel.postal": "DM", "audience.channel.phone": "Phone",
  },
});

const GOOD = new Set(["enters", "next-run", "frequency-cap"]);

/** The audience in sentences: one line per reason, the entering first; then the first members who enter. */
export function audienceView(a, { sample = true } = {}) {
  if (!a) return null;
  if (a.kind === "event") {
    return el("p", { "data-testid": "audience-event", text: a.estimate ? t("audience.event", { days: num(a.estimate.days), n: num(a.estimate.customers) }) : t("audience.cart") });
  }
  if (a.segmentMissing) return el("p", { class: "hint", text: t("audience.segmentMissing", { id: a.segmentId }) });
  if (a.kind === "none") return el("p", { class: "hint", text: t("audience.none") });
  const stored = a.entered !== null && a.entered !== undefined;
  const reasons = [...a.reasons].sort((x, y) => Number(GOOD.has(y.reason)) - Number(GOOD.has(x.reason)) || y.count - x.count);
  return el("div", { class: "audience", "data-testid": "audience" },
    el("p", {}, el("strong", { text: t("audience.reached", { n: num(a.candidates) }) }),
      a.entered !== null && a.entered !== undefined ? el("span", { class: "hint", text: ` (${t("audience.entered", { n: num(a.entered) })})` }) : null),
    el("ul", { class: "audience-reasons" }, reasons.map((r) => el("li", { "data-reason": r.reason, "data-count": String(r.count), class: GOOD.has(r.reason) ? "good" : r.reason === "holdout" ? "neutral" : "gap" },
      t(`audience.reason.${r.reason === "enters" && stored ? "entered" : r.reason}`, { n: num(r.count) })))),
    sample && a.sample.length ? dataTable({
      caption: t("audience.sample", { n: a.sample.length }), dense: true, testId: "audience-sample", pageSize: 20,
      columns: [
        // By name (masked when the operator hides personal data, as everywhere), linked to the customer page.
        { key: "customerId", label: t("audience.customer"), className: "nowrap", value: (m) => (masked() ? maskName(m.name) : m.name) || m.customerId,
          format: (m) => el("a", { href: href(`customers/${encodeURIComponent(m.customerId)}`), title: m.customerId, text: (masked() ? maskName(m.name) : m.name) || m.customerId }), csv: (m) => m.customerId },
        { key: "frequency", label: t("audience.frequency"), type: "number" },
        { key: "monetary", label: t("audience.monetary"), type: "money" },
        { key: "lastOrderAt", label: t("audience.lastOrder"), type: "date", format: (m) => date(m.lastOrderAt) },
        { key: "reachable", label: t("audience.channels"), sortable: false, format: (m) => m.reachable.map((c) => t(`audience.channel.${c}`)).join("・") || "—", csv: (m) => m.reachable.join("|") },
        { key: "reason", label: t("audience.status"), format: (m) => badge(m.reason === "holdout" ? t("audience.holdout") : t("audience.enter"), m.reason === "holdout" ? "neutral" : "good") },
      ],
      rows: a.sample,
    }) : (sample && a.candidates === 0 ? emptyState() : null));
}

