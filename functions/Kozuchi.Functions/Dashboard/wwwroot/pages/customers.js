// 顧客: search by name, kana, email, phone or order id (#/customers?q=…), and one customer's page
// (#/customers/<id>): profile, consent per channel, orders, merged records with why and how to undo, scenarios and
// sends, predictions, and the data-request export and erasure.
import { definePage, flash, href, navigate } from "../lib/router.js";
import { addTexts, hasText, pick, t } from "../lib/i18n.js";
import { el, field, replace } from "../lib/dom.js";
import { api, download } from "../lib/api.js";
import { date, day, money, num, pct, phone } from "../lib/format.js";
import { confirmDialog } from "../components/dialog.js";
import { dataTable } from "../components/data-table.js";
import { badge, emptyState, errorState, facts, loadingState, pageHeader, section } from "../components/states.js";

addTexts({
  ja: {
    "nav.customers": "顧客", "customers.title": "顧客検索", "customers.lead": "氏名・フリガナ・メールアドレス・電話番号・注文番号で探せます。氏名とフリガナは前方一致、それ以外は完全一致です。",
    "customers.query": "検索語", "customers.search": "検索", "customers.placeholder": "例: 山田 太郎 / ヤマダ / taro@example.jp / 090-1234-5678 / 1001",
    "customers.results": "{n} 件見つかりました", "customers.noResults": "該当する顧客は見つかりませんでした。表記を変えるか、別の項目で探してください。",
    "customers.matchedBy": "一致した項目", "customers.by.name": "氏名", "customers.by.kana": "フリガナ", "customers.by.email": "メールアドレス",
    "customers.by.phone": "電話番号", "customers.by.order": "注文番号", "customers.by.id": "顧客ID", "customers.by.cartCustomer": "カートの会員ID", "customers.kana": "フリガナ", "customers.name": "氏名", "customers.id": "顧客ID",
    "customers.lastOrder": "最終購入日", "customers.orders": "購入回数", "customers.revenue": "累計購入額", "customers.hint": "個人情報を含む検索語は記録に残りません。",
    "customer.title": "顧客", "customer.mergedNote": "{requested} は {id} に統合されています。統合後の顧客を表示しています。",
    "customer.profile": "プロフィール", "customer.email": "メールアドレス", "customer.phone": "電話番号", "customer.address": "住所", "customer.postalCode": "郵便番号",
    "customer.birthday": "誕生日", "customer.firstOrder": "初回購入日", "customer.lastOrder": "最終購入日", "customer.frequency": "購入回数", "customer.monetary": "累計購入額",
    "customer.aov": "平均注文単価", "customer.entry": "初回購入商品", "customer.medium": "流入経路", "customer.subscriber": "定期購入", "customer.yes": "あり", "customer.no": "なし",
    "customer.identifiers": "識別子（マスク表示）", "customer.consent": "連絡手段と同意", "customer.channel": "チャネル", "customer.state": "状態",
    "customer.channel.email": "メール", "customer.channel.line": "LINE", "customer.channel.post": "DM（郵送）", "customer.channel.phone": "電話",
    "customer.reach.yes": "送信可", "customer.reach.no": "送信不可", "customer.why.email.ok": "配信同意あり", "customer.why.email.noAddress": "メールアドレスなし",
    "customer.why.email.noConsent": "配信同意なし", "customer.why.email.suppressed": "配信停止・不達", "customer.why.line.ok": "友だち登録済み",
    "customer.why.line.notLinked": "LINE 未連携", "customer.why.line.unfollowed": "ブロック・友だち解除", "customer.why.post.ok": "住所あり", "customer.why.post.no": "住所なし",
    "customer.why.phone.ok": "電話番号あり", "customer.why.phone.noPhone": "電話番号なし", "customer.why.phone.dnc": "架電不可の申し出",
    "customer.orders": "注文", "customer.orderedAt": "注文日時", "customer.order": "注文番号", "customer.status": "状態", "customer.products": "商品",
    "customer.total": "注文金額", "customer.net": "返金後", "customer.ordersShown": "新しい順に最大 100 件",
    "order.status.Paid": "支払済", "order.status.Pending": "未払い", "order.status.PartiallyRefunded": "一部返金", "order.status.Refunded": "返金済", "order.status.Cancelled": "キャンセル",
    "customer.merges": "名寄せ（統合した記録）", "customer.merged": "統合された顧客", "customer.reason": "統合の理由", "customer.shared": "共通の識別子", "customer.mergedAt": "統合日時",
    "customer.mergedOrders": "移った注文", "customer.noMerges": "統合された記録はありません。", "customer.undo": "統合を取り消す",
    "customer.undoTitle": "統合を取り消しますか？", "customer.undoText": "{merged} をこの顧客から切り離し、移った注文を戻します。以後この 2 人が自動で統合されることはありません。",
    "customer.undone": "統合を取り消しました: {other}", "customer.reason.Email": "同じメールアドレス", "customer.reason.Phone": "同じ電話番号",
    "customer.reason.CartCustomer": "カートの同じ会員ID", "customer.reason.LineUser": "同じ LINE アカウント",
    "customer.split": "選んだ注文を別の顧客に分ける", "customer.splitTitle": "{n} 件の注文を別の顧客に分けますか？", "customer.splitText": "選んだ注文を新しい顧客に移します。同じ人ではなかった記録を分けるときに使います。",
    "customer.splitDone": "注文を分けました: 新しい顧客 {other}", "customer.pick": "選択",
    "customer.separations": "別人として分けた記録", "customer.scenarios": "シナリオと送信", "customer.scenario": "シナリオ", "customer.enrolledAt": "開始日時",
    "customer.arm": "バリアント", "customer.sends": "送信数", "customer.outcome": "結果", "customer.conversion": "購入額", "customer.noEnrollments": "参加したシナリオはありません。",
    "customer.outbox": "この顧客への送信を送信プレビューで見る", "customer.holdout": "ホールドアウト",
    "enrollment.status.Pending": "開始待ち", "enrollment.status.Active": "進行中", "enrollment.status.Waiting": "待機中", "enrollment.status.Completed": "完了",
    "enrollment.status.Exited": "離脱", "enrollment.status.Cancelled": "中止", "enrollment.status.Failed": "失敗",
    "customer.privacy": "個人情報の管理", "customer.privacyLead": "本人からの開示請求には「データを書き出す」、削除請求には「顧客を削除」を使います。どちらも監査記録が残ります。",
    "customer.export": "データを書き出す (JSON)", "customer.erase": "顧客を削除",
    "customer.eraseTitle": "この顧客の個人情報を削除しますか？", "customer.eraseText": "氏名・連絡先・住所などをすべての保存場所から削除します。売上などの数値は匿名のまま残ります。この操作は元に戻せません。",
    "customer.erased": "削除しました。", "customer.eraseConfirm": "削除する", "customer.exported": "書き出しました。",
    "customer.prediction": "予測（BG/NBD・Gamma-Gamma）", "customer.pAlive": "購入継続確率 P(alive)", "customer.clv12": "今後 12 か月の予測 CLV",
    "customer.expected90": "90 日の予測購入回数", "customer.churnRisk": "離脱リスク", "customer.noPrediction": "この顧客の予測はまだありません（2 回目の購入がない顧客は離脱を判定できません）。",
    "customer.expected365": "365 日の予測購入回数", "customer.times": "{n} 回", "customer.clvRank": "予測 CLV の順位", "customer.clvTop": "上位 {p}", "customer.clvBottom": "下位 {p}", "customer.churnUnknown": "判定できません（2 回目の購入がまだありません）",
    "customer.churnBands": "離脱リスクは購入継続確率で区切っています: {high} 未満で高、{medium} 未満で中、それ以上で低。{asOf} 時点の予測です。", "customer.noSpend": "—（購入額のモデルがまだありません）",
    "customer.sendList": "送信の記録", "customer.sentAt": "送信日時", "customer.step": "ステップ", "customer.sendReason": "理由", "customer.message": "内容", "customer.openMessage": "送信プレビューで見る",
    "send.status.Requested": "送信待ち", "send.status.Delivered": "送信済み", "send.status.Failed": "失敗",
    "customer.channel.dm": "DM（郵送）", "customer.channel.call": "電話",
    "customer.kind.Email": "メール", "customer.kind.Phone": "電話", "customer.kind.CartCustomer": "カート会員ID", "customer.kind.LineUser": "LINE",
    "customer.tags": "タグ", "customer.tagsLead": "セグメントの「タグ」ルールで選べます。1 人に {max} 個まで、{length} 文字以内の文字・数字・「-」「_」「・」「ー」。",
    "customer.noTags": "タグはまだありません。", "customer.newTag": "新しいタグ", "customer.addTag": "タグを付ける", "customer.removeTag": "タグ「{tag}」を外す",
    "customer.tagAdded": "タグ「{tag}」を付けました。", "customer.badTag": "タグ「{tag}」は付けられません。使えるのは文字・数字・「-」「_」「・」「ー」で、{length} 文字までです（空白・カンマ・スラッシュは使えません）。", "customer.tagRemoved": "タグ「{tag}」を外しました。",
    "churn.high": "高", "churn.medium": "中", "churn.low": "低", "customer.mask": "個人情報を隠す", "customer.state.Erased": "削除済み", "customer.state.Active": "有効",
  },
  en: {
    "nav.customers": "Customers", "customers.title": "Find a customer", "customers.lead": "By name, kana reading, email, phone number or order id. Names match from the start; the others match exactly.",
    "customers.query": "Search", "customers.search": "Search", "customers.placeholder": "e.g. 山田 太郎 / ヤマダ / taro@example.jp / 090-1234-5678 / 1001",
    "customers.results": "{n} found", "customers.noResults": "No customer matches. Try another spelling or another field.",
    "customers.matchedBy": "Matched on", "customers.by.name": "Name", "customers.by.kana": "Kana", "customers.by.email": "Email",
    "customers.by.phone": "Phone", "customers.by.order": "Order id", "customers.by.id": "Customer id", "customers.by.cartCustomer": "Cart customer id", "customers.kana": "Kana", "customers.name": "Name", "customers.id": "Customer id",
    "customers.lastOrder": "Last order", "customers.orders": "Orders", "customers.revenue": "Total spent", "customers.hint": "Searches with personal data are not logged.",
    "customer.title": "Customer", "customer.mergedNote": "{requested} was merged into {id}; showing the merged customer.",
    "customer.profile": "Profile", "customer.email": "Email", "customer.phone": "Phone", "customer.address": "Address", "customer.postalCode": "Postal code",
    "customer.birthday": "Birthday", "customer.firstOrder": "First order", "customer.lastOrder": "Last order", "customer.frequency": "Orders", "customer.monetary": "Total spent",
    "customer.aov": "Average order value", "customer.entry": "First products", "customer.medium": "Acquisition medium", "customer.subscriber": "Subscription", "customer.yes": "yes", "customer.no": "no",
    "customer.identifiers": "Identifiers (masked)", "customer.consent": "Channels and consent", "customer.channel": "Channel", "customer.state": "State",
    "customer.channel.email": "Email", "customer.channel.line": "LINE", "customer.channel.post": "Postal DM", "customer.channel.phone": "Phone",
    "customer.reach.yes": "Reachable", "customer.reach.no": "Not reachable", "customer.why.email.ok": "Opted in", "customer.why.email.noAddress": "No email address",
    "customer.why.email.noConsent": "No consent", "customer.why.email.suppressed": "Unsubscribed or bounced", "customer.why.line.ok": "Following",
    "customer.why.line.notLinked": "LINE not linked", "customer.why.line.unfollowed": "Blocked or unfollowed", "customer.why.post.ok": "Has an address", "customer.why.post.no": "No address",
    "customer.why.phone.ok": "Has a phone number", "customer.why.phone.noPhone": "No phone number", "customer.why.phone.dnc": "Asked not to be called",
    "customer.orders": "Orders", "customer.orderedAt": "Ordered", "customer.order": "Order", "customer.status": "Status", "customer.products": "Products",
    "customer.total": "Total", "customer.net": "After refunds", "customer.ordersShown": "Newest first, up to 100",
    "order.status.Paid": "Paid", "order.status.Pending": "Pending", "order.status.PartiallyRefunded": "Partly refunded", "order.status.Refunded": "Refunded", "order.status.Cancelled": "Cancelled",
    "customer.merges": "Merged records (identity resolution)", "customer.merged": "Merged customer", "customer.reason": "Why", "customer.shared": "Shared identifier", "customer.mergedAt": "Merged at",
    "customer.mergedOrders": "Orders moved", "customer.noMerges": "No records were merged into this customer.", "customer.undo": "Undo the merge",
    "customer.undoTitle": "Undo this merge?", "customer.undoText": "{merged} is separated from this customer with the orders that came with it. The two are never merged automatically again.",
    "customer.undone": "Merge undone: {other}", "customer.reason.Email": "Same email address", "customer.reason.Phone": "Same phone number",
    "customer.reason.CartCustomer": "Same cart customer id", "customer.reason.LineUser": "Same LINE account",
    "customer.split": "Move the chosen orders to another customer", "customer.splitTitle": "Move {n} orders to another customer?", "customer.splitText": "The chosen orders move to a new customer. Use it when records of different people were put together.",
    "customer.splitDone": "Orders moved to a new customer {other}", "customer.pick": "Choose",
    "customer.separations": "Records separated as different people", "customer.scenarios": "Scenarios and sends", "customer.scenario": "Scenario", "customer.enrolledAt": "Entered",
    "customer.arm": "Variant", "customer.sends": "Sends", "customer.outcome": "Outcome", "customer.conversion": "Purchase", "customer.noEnrollments": "No scenario has included this customer.",
    "customer.outbox": "See the messages sent to this customer", "customer.holdout": "holdout",
    "enrollment.status.Pending": "Pending", "enrollment.status.Active": "Active", "enrollment.status.Waiting": "Waiting", "enrollment.status.Completed": "Completed",
    "enrollment.status.Exited": "Exited", "enrollment.status.Cancelled": "Cancelled", "enrollment.status.Failed": "Failed",
    "customer.privacy": "Personal data", "customer.privacyLead": "Use “Export data” for a customer's data request and “Erase customer” for an erasure request. Both are audited.",
    "customer.export": "Export data (JSON)", "customer.erase": "Erase customer",
    "customer.eraseTitle": "Erase this customer's personal data?", "customer.eraseText": "Name, contact details and address are removed everywhere they are kept. Figures such as revenue stay, anonymously. This cannot be undone.",
    "customer.erased": "Erased.", "customer.eraseConfirm": "Erase", "customer.exported": "Exported.",
    "customer.prediction": "Predictions (BG/NBD, Gamma-Gamma)", "customer.pAlive": "Probability still active", "customer.clv12": "Predicted CLV, next 12 months",
    "customer.expected90": "Expected orders, 90 days", "customer.churnRisk": "Churn risk", "customer.noPrediction": "No prediction for this customer yet (a customer without a second order cannot be judged lapsed).",
    "customer.expected365": "Expected orders, 365 days", "customer.times": "{n}", "customer.clvRank": "Predicted CLV rank", "customer.clvTop": "top {p}", "customer.clvBottom": "bottom {p}", "customer.churnUnknown": "Cannot say (no second order yet)",
    "customer.churnBands": "Churn risk bands by the probability still active: high below {high}, medium below {medium}, low from there. Predictions as of {asOf}.", "customer.noSpend": "— (no spend model yet)",
    "customer.sendList": "Sends", "customer.sentAt": "Sent at", "customer.step": "Step", "customer.sendReason": "Reason", "customer.message": "Message", "customer.openMessage": "Open in the send preview",
    "send.status.Requested": "Queued", "send.status.Delivered": "Sent", "send.status.Failed": "Failed",
    "customer.channel.dm": "Postal DM", "customer.channel.call": "Phone",
    "customer.kind.Email": "Email", "customer.kind.Phone": "Phone", "customer.kind.CartCustomer": "Cart customer id", "customer.kind.LineUser": "LINE",
    "customer.tags": "Tags", "customer.tagsLead": "Segments select on them with the “Tag” rule. Up to {max} per customer, {length} characters at most: letters, digits, “-”, “_”, “・”, “ー”.",
    "customer.noTags": "No tags yet.", "customer.newTag": "New tag", "customer.addTag": "Add the tag", "customer.removeTag": "Remove the tag “{tag}”",
    "customer.tagAdded": "Tagged “{tag}”.", "customer.badTag": "“{tag}” cannot be a tag: letters, digits, “-”, “_”, “・” and “ー” only, {length} characters at most (no spaces, commas or slashes).", "customer.tagRemoved": "Removed the tag “{tag}”.",
    "churn.high": "high", "churn.medium": "medium", "churn.low": "low", "customer.mask": "Hide personal data", "customer.state.Erased": "Erased", "customer.state.Active": "Active",
  },
});

/** The operator's choice to hide names and contact details on screen (kept in this browser). */
export const masked = () => localStorage.getItem("kozuchi.mask") === "1";
export const setMasked = (on) => localStorage.setItem("kozuchi.mask", on ? "1" : "0");
/** 山田 太郎 → 山田 ＊＊ (the family name stays so the row is recognisable). */
export function maskName(name) {
  if (!name) return name;
  const parts = name.trim().split(/\s+/);
  return parts.length > 1 ? `${parts[0]} ${"＊".repeat(Math.min(parts.slice(1).join("").length, 3))}` : `${[...name][0]}${"＊".repeat(Math.min([...name].length - 1, 3))}`;
}
const maskText = (v) => (v ? `${[...v][0]}＊＊＊` : v);

export function maskToggle(onChange) {
  const box = el("input", { type: "checkbox", id: "mask-toggle", "data-testid": "mask-toggle" });
  box.checked = masked();
  box.addEventListener("change", () => { setMasked(box.checked); onChange(box.checked); });
  return el("label", { class: "check", for: "mask-toggle" }, box, t("customer.mask"));
}

definePage({
  path: "customers",
  nav: { order: 30, label: "nav.customers" },
  title: "customers.title",
  async render(ctx) {
    const q = el("input", { type: "search", id: "customer-q", name: "q", value: ctx.params.get("q") || "", placeholder: t("customers.placeholder"), autocomplete: "off", class: "wide" });
    const results = el("div", { "data-testid": "customer-results" });
    const run = async () => {
      const text = q.value.trim();
      if (!text) { replace(results); return; }
      replace(results, loadingState());
      try {
        // The text goes in the body, never in a URL (server logs, proxies).
        const answer = await api("customers/search", { method: "POST", body: { q: text, take: 50 }, signal: ctx.signal });
        const rows = (answer && answer.customers) || [];
        if (rows.length === 0) { replace(results, emptyState(t("customers.noResults"))); return; }
        replace(results, el("p", { class: "hint", "data-testid": "result-count", text: t("customers.results", { n: num(rows.length) }) }), dataTable({
          testId: "customer-list", caption: t("customers.title"),
          columns: [
            { key: "name", label: t("customers.name"), format: (c) => el("a", { href: href(`customers/${encodeURIComponent(c.customerId)}`), text: (masked() ? maskName(c.name) : c.name) || c.customerId }) },
            { key: "nameKana", label: t("customers.kana"), value: (c) => (masked() ? maskName(c.nameKana) : c.nameKana) },
            { key: "customerId", label: t("customers.id"), format: (c) => el("code", { text: c.customerId }), value: (c) => c.customerId },
            { key: "matchedBy", label: t("customers.matchedBy"), value: (c) => t(`customers.by.${c.matchedBy}`) },
            { key: "frequency", label: t("customers.orders"), type: "number" },
            { key: "monetary", label: t("customers.revenue"), type: "money", currency: (c) => c.currency },
            { key: "lastOrderAt", label: t("customers.lastOrder"), type: "date" },
          ],
          rows,
        }));
        if (rows.length === 1 && ctx.params.get("open") !== "0" && answer.exact) navigate(`customers/${encodeURIComponent(rows[0].customerId)}`);
      } catch (e) {
        replace(results, errorState(e));
      }
    };
    const submit = (e) => { e.preventDefault(); ctx.setParams({ q: q.value.trim() }); run(); };
    if (q.value) run();
    setTimeout(() => q.focus(), 0);
    return [pageHeader(t("customers.title"), { lead: t("customers.lead") }),
      el("form", { class: "toolbar search", role: "search", onsubmit: submit },
        field(t("customers.query"), q, { className: "grow" }), el("button", { type: "submit", text: t("customers.search") })),
      el("p", { class: "hint", text: t("customers.hint") }),
      results];
  },
});

const reachRows = (p, contact) => {
  const r = p.reachability || {};
  const email = !r.hasEmail ? "noAddress" : r.emailSuppressed ? "suppressed" : !r.emailOptIn ? "noConsent" : "ok";
  const line = !r.lineUserId ? "notLinked" : !r.lineFollowing ? "unfollowed" : "ok";
  const post = r.hasPostalAddress ? "ok" : "no";
  const phone = !r.hasPhone ? "noPhone" : r.doNotCall ? "dnc" : "ok";
  return [["email", email], ["line", line], ["post", post], ["phone", phone]].map(([c, why]) => ({ channel: c, ok: why === "ok", why, contact }));
};

definePage({
  path: "customers/:id",
  section: "customers",
  title: "customer.title",
  async render(ctx) {
    const id = ctx.args.id;
    const view = await api(`customers/${encodeURIComponent(id)}`, { signal: ctx.signal });
    if (!view) throw Object.assign(new Error(`${t("customer.title")} ${id}`), { notFound: true });
    const [enrollments, sends] = await Promise.all([
      api(`customers/${encodeURIComponent(view.customerId)}/enrollments`, { signal: ctx.signal }),
      api(`customers/${encodeURIComponent(view.customerId)}/sends`, { signal: ctx.signal })]);
    const p = view.profile;
    const c = view.contact || {};
    const currency = p.currency || "JPY";
    const status = el("div", { class: "status-line", role: "status", "data-testid": "customer-status" });
    const show = (v) => (masked() ? maskText(v) : v);
    const title = (masked() ? maskName(c.name) : c.name) || view.customerId;
    // After an undo, a split or an erasure the page is drawn again from the API (the id stays: a split keeps it).
    const reload = () => ctx.reload();

    const profile = section(t("customer.profile"), facts([
      [t("customers.id"), el("code", { text: view.customerId })],
      [t("customer.email"), show(c.email)], [t("customer.phone"), show(phone(c.phone))],
      [t("customer.postalCode"), show(c.postalCode)], [t("customer.address"), show(c.address)], [t("customer.birthday"), c.birthday ? show(c.birthday) : null],
      [t("customer.firstOrder"), date(p.firstOrderAt)], [t("customer.lastOrder"), date(p.lastOrderAt)],
      [t("customer.frequency"), num(p.frequency)], [t("customer.monetary"), money(p.monetary, currency)],
      [t("customer.aov"), p.frequency ? money(p.monetary / p.frequency, currency) : "—"],
      [t("customer.entry"), (view.entryProductNames && view.entryProductNames.length ? view.entryProductNames : p.entryProducts || []).join("、") || "—"],
      [t("customer.medium"), p.acquisitionMedium || "—"], [t("customer.subscriber"), p.isSubscriber ? t("customer.yes") : t("customer.no")],
      [t("customer.identifiers"), (view.identifiers || []).map(identifierText).join("\n")],
    ]), { id: "profile", testId: "customer-profile" });

    const consent = section(t("customer.consent"), el("ul", { class: "reach-list", "data-testid": "consent" }, reachRows(p).map((x) =>
      el("li", { class: x.ok ? "ok" : "no", "data-channel": x.channel },
        el("span", { class: "reach-channel", text: t(`customer.channel.${x.channel}`) }),
        badge(t(x.ok ? "customer.reach.yes" : "customer.reach.no"), x.ok ? "good" : "neutral"),
        el("span", { class: "hint", text: t(`customer.why.${x.channel}.${x.why}`) })))), { id: "consent" });

    const selectedOrders = new Set();
    const splitButton = el("button", { type: "button", class: "secondary small", disabled: true, "data-testid": "split", text: t("customer.split"),
      onclick: async () => {
        const orders = [...selectedOrders];
        if (!(await confirmDialog({ title: t("customer.splitTitle", { n: orders.length }), message: t("customer.splitText"), details: orders, confirmLabel: t("customer.split") }))) return;
        try {
          const done = await api(`customers/${encodeURIComponent(view.customerId)}/split`, { method: "POST", body: { orders } });
          flash(t("customer.splitDone", { other: done.otherCustomerId }));
          reload();
        } catch (e) { replace(status, errorState(e)); }
      } });
    const orders = section(t("customer.orders"), dataTable({
      testId: "customer-orders", caption: t("customer.orders"), sort: { key: "orderedAt", dir: "desc" },
      columns: [
        { key: "orderedAt", label: t("customer.orderedAt"), type: "dateTime" },
        { key: "order", label: t("customer.order"), value: (o) => `${o.source}:${o.orderId}` },
        { key: "status", label: t("customer.status"), value: (o) => t(`order.status.${o.status}`) },
        { key: "products", label: t("customer.products"), sortable: false, value: (o) => ((o.productNames && o.productNames.length ? o.productNames : o.products) || []).join("、") },
        { key: "total", label: t("customer.total"), type: "money", currency: (o) => o.currency },
        { key: "net", label: t("customer.net"), type: "money", currency: (o) => o.currency },
        { key: "pick", label: t("customer.pick"), sortable: false, csv: false, format: (o) => {
          const ref = `${o.source}:${o.orderId}`;
          const box = el("input", { type: "checkbox", "aria-label": `${t("customer.pick")} ${ref}`, "data-order": ref });
          box.checked = selectedOrders.has(ref);
          box.addEventListener("change", () => { if (box.checked) selectedOrders.add(ref); else selectedOrders.delete(ref); splitButton.disabled = selectedOrders.size === 0 || selectedOrders.size === view.orders.length; });
          return box;
        } },
      ],
      rows: view.orders || [],
    }), { id: "orders", lead: t("customer.ordersShown"), actions: splitButton });

    const merges = section(t("customer.merges"), (view.merges || []).length === 0 ? emptyState(t("customer.noMerges")) : dataTable({
      testId: "customer-merges", caption: t("customer.merges"),
      columns: [
        { key: "mergedCustomerId", label: t("customer.merged"), format: (m) => el("code", { text: m.mergedCustomerId }) },
        { key: "reason", label: t("customer.reason"), value: (m) => mergeReason(m) },
        { key: "sharedIdentifier", label: t("customer.shared") },
        { key: "at", label: t("customer.mergedAt"), type: "dateTime" },
        { key: "orders", label: t("customer.mergedOrders"), sortable: false, value: (m) => (m.orders || []).join("、") || "—" },
        { key: "undo", label: "", sortable: false, csv: false, format: (m) => el("button", { type: "button", class: "secondary small", "data-undo": m.mergedCustomerId, text: t("customer.undo"),
          onclick: async () => {
            if (!(await confirmDialog({ title: t("customer.undoTitle"), message: t("customer.undoText", { merged: m.mergedCustomerId }), confirmLabel: t("customer.undo") }))) return;
            try {
              const done = await api(`customers/${encodeURIComponent(view.customerId)}/merges/${encodeURIComponent(m.mergedCustomerId)}/undo`, { method: "POST" });
              flash(t("customer.undone", { other: done.otherCustomerId }));
              reload();
            } catch (e) { replace(status, errorState(e)); }
          } }) },
      ],
      rows: view.merges,
    }), { id: "merges", testId: "merges" });

    const enrolled = enrollments || [];
    const scenarios = section(t("customer.scenarios"), enrolled.length === 0 ? emptyState(t("customer.noEnrollments")) : dataTable({
      testId: "customer-enrollments", caption: t("customer.scenarios"), sort: { key: "enrolledAt", dir: "desc" },
      columns: [
        { key: "scenarioId", label: t("customer.scenario"), format: (e) => el("a", { href: href("scenarios", { id: e.scenarioId }), text: e.scenarioId }) },
        { key: "enrolledAt", label: t("customer.enrolledAt"), type: "dateTime" },
        { key: "status", label: t("customer.status"), value: (e) => t(`enrollment.status.${e.status}`) },
        { key: "arm", label: t("customer.arm"), value: (e) => (e.heldOut ? t("customer.holdout") : e.arm || "—") },
        { key: "sends", label: t("customer.sends"), type: "number" },
        { key: "conversionAmount", label: t("customer.conversion"), type: "money", currency: () => currency },
      ],
      rows: enrolled,
    }), { id: "scenarios", actions: el("a", { class: "button secondary small", href: href("outbox", { customer: view.customerId }), text: t("customer.outbox") }) });

    const sent = sends || [];
    const sendList = sent.length === 0 ? null : dataTable({
      testId: "customer-sends", caption: t("customer.sendList"), sort: { key: "at", dir: "desc" },
      columns: [
        { key: "at", label: t("customer.sentAt"), type: "dateTime" },
        { key: "scenarioId", label: t("customer.scenario") },
        { key: "stepId", label: t("customer.step") },
        { key: "channel", label: t("customer.channel"), value: (x) => (hasText(`customer.channel.${x.channel}`) ? t(`customer.channel.${x.channel}`) : x.channel) },
        { key: "status", label: t("customer.status"), format: (x) => badge(t(`send.status.${x.status}`), x.status === "Failed" ? "bad" : x.status === "Delivered" ? "good" : "neutral") , value: (x) => t(`send.status.${x.status}`) },
        { key: "reason", label: t("customer.sendReason"), value: (x) => (x.reason ? (hasText(`suppressed.${x.reason}`) ? t(`suppressed.${x.reason}`) : x.reason) : "") },
        { key: "outboxMessage", label: t("customer.message"), sortable: false, csv: false, format: (x) => (x.outboxMessage
          ? el("a", { href: href("outbox", { scenario: x.scenarioId, customer: view.customerId, message: x.outboxMessage }), text: t("customer.openMessage") }) : "—") },
      ],
      rows: sent,
    });
    if (sendList) scenarios.append(el("h3", { text: t("customer.sendList") }), sendList);

    const privacy = section(t("customer.privacy"), el("div", { class: "actions" },
      el("button", { type: "button", class: "secondary", "data-testid": "export", text: t("customer.export"),
        onclick: async () => {
          try { await download(`customers/${encodeURIComponent(view.customerId)}/data-request`, { method: "POST", filename: `data-request-${view.customerId}.json` }); status.textContent = t("customer.exported"); } catch (e) { replace(status, errorState(e)); }
        } }),
      el("button", { type: "button", class: "danger secondary", "data-testid": "erase", text: t("customer.erase"),
        onclick: async () => {
          if (!(await confirmDialog({ title: t("customer.eraseTitle"), message: t("customer.eraseText"), danger: true, requireText: view.customerId, confirmLabel: t("customer.eraseConfirm") }))) return;
          try { await api(`customers/${encodeURIComponent(view.customerId)}`, { method: "DELETE" }); flash(t("customer.erased")); reload(); } catch (e) { replace(status, errorState(e)); }
        } })), { id: "privacy", lead: t("customer.privacyLead") });

    return [
      pageHeader(title, {
        note: el("p", { class: "hint" }, badge(hasText(`customer.state.${view.state}`) ? t(`customer.state.${view.state}`) : view.state, view.state === "Active" ? "good" : "neutral"), " ", el("code", { text: view.customerId }),
          view.requestedId ? el("span", { class: "note", text: ` ${t("customer.mergedNote", { requested: view.requestedId, id: view.customerId })}` }) : null),
        actions: maskToggle(() => reload()),
      }),
      status,
      el("div", { class: "grid-2" }, profile, consent),
      view.state === "Active" ? tagSection(view, status) : null,
      predictionSection(ctx, view.customerId),
      orders, merges, scenarios, privacy];
  },
});

const TAG_LIMITS = { max: 20, length: 32 };

/** タグ: the operator's tags on the customer, each with a button to take it off, and a field to add one (PUT/DELETE /api/customers/{id}/tags/{tag}). */
function tagSection(view, status) {
  const list = el("ul", { class: "tag-list", "data-testid": "customer-tags" });
  const draw = (tags) => replace(list, tags.length === 0 ? el("li", { class: "hint", text: t("customer.noTags") }) : tags.map((tag) =>
    el("li", { class: "tag", "data-tag": tag }, el("span", { text: tag }),
      el("button", { type: "button", class: "secondary small", "aria-label": t("customer.removeTag", { tag }), text: "×", onclick: () => change("DELETE", tag) }))));
  const path = (tag) => `customers/${encodeURIComponent(view.customerId)}/tags/${encodeURIComponent(tag)}`;
  const input = el("input", { id: "new-tag", type: "text", maxlength: TAG_LIMITS.length, autocomplete: "off", "data-testid": "new-tag" });
  const change = async (method, tag) => {
    try {
      const done = await api(path(tag), { method });
      draw(done.tags);
      replace(status, el("p", { text: t(method === "PUT" ? "customer.tagAdded" : "customer.tagRemoved", { tag }) }));
      if (method === "PUT") input.value = "";
    } catch (e) { replace(status, errorState(e)); }
  };
  draw(view.tags || []);
  // The server's rule (CustomerTags), checked here first so the operator reads why in their language.
  const valid = (tag) => tag.length <= TAG_LIMITS.length && /^[\p{L}\p{N}\p{M}_\-・ー]+$/u.test(tag);
  const form = el("form", { class: "toolbar", onsubmit: (e) => {
    e.preventDefault();
    const tag = input.value.trim().normalize("NFKC");
    if (!tag) return;
    if (valid(tag)) change("PUT", tag); else replace(status, errorState({ message: t("customer.badTag", { tag, length: TAG_LIMITS.length }) }));
  } },
    field(t("customer.newTag"), input), el("button", { type: "submit", text: t("customer.addTag") }));
  return section(t("customer.tags"), [list, form], { id: "tags", testId: "tags", lead: t("customer.tagsLead", TAG_LIMITS) });
}

const CHURN_KIND = { high: "bad", medium: "warn", low: "good" };

/**
 * 予測: the customer's P(alive), expected purchases in 90 / 365 days, predicted 12-month LTV and churn-risk band, from
 * today's prediction set (loaded apart: the first read of a day can fit the model), or the sentence saying why not.
 */
function predictionSection(ctx, customerId) {
  const body = el("div", { "data-testid": "customer-prediction" }, loadingState());
  api(`customers/${encodeURIComponent(customerId)}/prediction`, { signal: ctx.signal }).then((v) => {
    const p = v && v.prediction;
    if (!p) { replace(body, emptyState(v && v.unavailable ? pick(v.unavailable) : t("customer.noPrediction"))); return; }
    const times = (n) => t("customer.times", { n: num(Math.round(n * 100) / 100) });
    replace(body, facts([
      // BG/NBD holds a customer without a repeat purchase alive by construction (P(alive) = 1, no churn band): a
      // 100.0% beside a first order years ago would read as certainty, so the page says it cannot tell, as for the band.
      [t("customer.pAlive"), el("span", { "data-testid": "p-alive", text: p.churnRisk ? pct(p.probabilityAlive) : t("customer.churnUnknown") })],
      [t("customer.expected90"), el("span", { "data-testid": "expected-90", text: times(p.expectedOrders90Days) })],
      [t("customer.expected365"), el("span", { "data-testid": "expected-365", text: times(p.expectedOrders365Days) })],
      [t("customer.clv12"), el("span", { "data-testid": "clv12", text: p.clv12Months === null || p.clv12Months === undefined ? t("customer.noSpend") : money(p.clv12Months, v.currency) })],
      // clvTopPercent is the share with a strictly higher CLV: past the middle the page says how near the bottom the
      // customer is ("上位 93.8%" read as praise for one of the lowest).
      p.clvTopPercent === null || p.clvTopPercent === undefined ? null : [t("customer.clvRank"), el("span", { "data-testid": "clv-rank",
        text: p.clvTopPercent <= 50 ? t("customer.clvTop", { p: pct(Math.max(p.clvTopPercent, 0.1) / 100) }) : t("customer.clvBottom", { p: pct((100 - p.clvTopPercent) / 100) }) })],
      [t("customer.churnRisk"), p.churnRisk ? badge(t(`churn.${p.churnRisk}`), CHURN_KIND[p.churnRisk], { "data-testid": "churn-risk", "data-band": p.churnRisk })
        : el("span", { "data-testid": "churn-risk", text: t("customer.churnUnknown") })],
    ]), el("p", { class: "hint", text: t("customer.churnBands", { high: pct(v.thresholds.highBelow, 0), medium: pct(v.thresholds.mediumBelow, 0), asOf: day(v.asOf) }) }));
  }, (e) => { if (!ctx.signal.aborted) replace(body, errorState(e)); });
  return section(t("customer.prediction"), body, { id: "prediction", testId: "prediction" });
}

/** "Email: t***@example.jp" → "メールアドレス: t***@example.jp" (the kind in the operator's language). */
function identifierText(text) {
  const m = /^(\w+): (.*)$/.exec(text);
  return m && hasText(`customer.kind.${m[1]}`) ? `${t(`customer.kind.${m[1]}`)}: ${m[2]}` : text;
}

function mergeReason(m) {
  // "same Email" or, where the order said where it carried the identifier, "same Email (customer.email)".
  const match = /^same (\w+)/.exec(m.reason || "");
  const key = match ? `customer.reason.${match[1]}` : null;
  const text = key && hasText(key) ? t(key) : m.reason;
  return m.source ? `${text}（${m.source}）` : text;
}
