// リスト出力: postal DM and call lists for the print shop and the call centre — from the day's scenario lists (the
// recipients scenarios put on them) or from a saved segment — with the copy or script of a template, in UTF-8 or
// Shift_JIS; the lists written so far with their counts and download links; and the call results coming back.
import { definePage, href } from "../lib/router.js";
import { addTexts, t } from "../lib/i18n.js";
import { el, field, replace, select } from "../lib/dom.js";
import { api, ApiError, apiUrl } from "../lib/api.js";
import { dateTime, day as dayText, money, num, todayInTokyo } from "../lib/format.js";
import { reasonText } from "../lib/reasons.js";
import { dataTable } from "../components/data-table.js";
import { badge, emptyState, errorState, pageHeader, section } from "../components/states.js";

addTexts({
  ja: {
    "nav.exports": "リスト出力", "exports.title": "リスト出力",
    "exports.lead": "郵送 DM の宛名リストと架電リストを作成します。配信の同意がない顧客・架電拒否の顧客は自動で除かれます。架電の結果はここから取り込めます。",
    "exports.make": "リストを作成", "exports.kind": "種類", "exports.kind.dm": "郵送 DM", "exports.kind.calls": "架電リスト",
    "exports.source": "対象", "exports.source.day": "シナリオが指定日に載せた顧客", "exports.source.segment": "保存済みセグメントの全員",
    "exports.day": "日付", "exports.segment": "セグメント", "exports.noSegments": "(保存済みのセグメントがありません)", "exports.campaign": "キャンペーン名",
    "exports.template": "文面・トークスクリプトのテンプレート", "exports.noTemplate": "(なし: シナリオのテンプレートを使う)", "exports.encoding": "文字コード",
    "exports.costPerPiece": "1 通あたりの費用 (円、空欄で既定値)", "exports.create": "作成", "exports.creating": "作成中…",
    "exports.dmDone": "DM リストを作成しました: {pieces} 通 (同意なしで除外 {skipped} 人)、費用 {cost}", "exports.callsDone": "架電リストを作成しました: {written} 件 (架電拒否 {dnc} 人・電話番号なし {noPhone} 人・不明 {unknown} 人を除外)",
    "exports.download": "ダウンロード", "exports.files": "作成したリスト", "exports.none": "まだリストはありません。", "exports.name": "ファイル", "exports.at": "作成日時",
    "exports.counts": "件数", "exports.size": "サイズ", "exports.campaignCol": "キャンペーン",
    "exports.results": "架電結果の取り込み", "exports.resultsLead": "コールセンターから戻った結果の CSV (顧客ID, 結果, 拒否理由, 架電日時, 担当者) を取り込みます。「拒否」で今後の架電を断った顧客は架電リストから外れます。",
    "exports.file": "結果の CSV", "exports.batch": "バッチ名 (任意)", "exports.upload": "取り込む", "exports.uploading": "取り込み中…",
    "exports.uploaded": "{imported} 件を取り込みました (架電拒否に変更 {dnc} 人・不明な顧客 {unknown} 人・エラー行 {errors} 行)", "exports.line": "行", "exports.message": "内容",
    "exports.emptyDay.dm": "{day} の郵送 DM にシナリオが載せた顧客はいません。別の日付か、保存済みセグメントを選んでください。",
    "exports.emptyDay.calls": "{day} の架電リストにシナリオが載せた顧客はいません。別の日付か、保存済みセグメントを選んでください。",
    "exports.emptySegment": "このセグメントには今は対象の顧客がいません。",
    "exports.pieces": "{n} 通", "exports.written": "{n} 件", "exports.collecting": "セグメントの顧客を集めています… {n} 人",
  },
  en: {
    "nav.exports": "List exports", "exports.title": "List exports",
    "exports.lead": "Postal DM address lists and call lists. Customers without consent and those who asked not to be called are left out. Call results come back here.",
    "exports.make": "Make a list", "exports.kind": "Kind", "exports.kind.dm": "Postal DM", "exports.kind.calls": "Call list",
    "exports.source": "Who", "exports.source.day": "Customers scenarios put on a day's list", "exports.source.segment": "Everyone in a saved segment",
    "exports.day": "Day", "exports.segment": "Segment", "exports.noSegments": "(no saved segments)", "exports.campaign": "Campaign",
    "exports.template": "Template for the copy or call script", "exports.noTemplate": "(none: the scenario's template)", "exports.encoding": "Encoding",
    "exports.costPerPiece": "Cost per piece (yen; empty for the default)", "exports.create": "Create", "exports.creating": "Creating…",
    "exports.dmDone": "DM list created: {pieces} pieces ({skipped} without consent left out), cost {cost}", "exports.callsDone": "Call list created: {written} rows ({dnc} do-not-call, {noPhone} without a phone, {unknown} unknown left out)",
    "exports.download": "Download", "exports.files": "Lists made", "exports.none": "No lists yet.", "exports.name": "File", "exports.at": "Created",
    "exports.counts": "Count", "exports.size": "Size", "exports.campaignCol": "Campaign",
    "exports.results": "Call results", "exports.resultsLead": "The call centre's results CSV (customer_id, outcome, refusal_reason, called_at, operator). Customers who refused further calls leave the call lists.",
    "exports.file": "Results CSV", "exports.batch": "Batch name (optional)", "exports.upload": "Import", "exports.uploading": "Importing…",
    "exports.uploaded": "{imported} calls imported ({dnc} now do-not-call, {unknown} unknown customers, {errors} bad rows)", "exports.line": "Line", "exports.message": "Message",
    "exports.emptyDay.dm": "No scenario put customers on the postal DM list for {day}. Pick another day, or a saved segment.",
    "exports.emptyDay.calls": "No scenario put customers on the call list for {day}. Pick another day, or a saved segment.",
    "exports.emptySegment": "This segment has no customers at the moment.",
    "exports.pieces": "{n} pieces", "exports.written": "{n} rows", "exports.collecting": "Collecting the segment's customers… {n}",
  },
});

/** Every member id of a saved segment, page by page. */
async function segmentMembers(id, onProgress) {
  const ids = [];
  let after = null;
  do {
    const page = await api(`segments/${encodeURIComponent(id)}/members?limit=1000${after ? `&after=${encodeURIComponent(after)}` : ""}`);
    if (!page) break;
    ids.push(...page.members.map((m) => m.customerId));
    after = page.next;
    onProgress(ids.length);
  } while (after);
  return ids;
}

const size = (bytes) => (bytes >= 1048576 ? `${num(bytes / 1048576, 1)} MB` : `${num(Math.max(1, Math.round(bytes / 1024)))} KB`);

definePage({
  path: "exports",
  nav: { order: 100, label: "nav.exports" },
  async render(ctx) {
    const [segments, templateViews, files] = await Promise.all([
      api("segments", { signal: ctx.signal }), api("templates", { signal: ctx.signal }), api("exports", { signal: ctx.signal })]);
    const status = el("div", { role: "status", class: "status-line", "data-testid": "export-status" });
    const filesBox = el("div", { "data-testid": "export-files" });

    const kind = select([["dm", t("exports.kind.dm")], ["calls", t("exports.kind.calls")]], ctx.params.get("kind") || "dm", { id: "export-kind" });
    const source = select([["day", t("exports.source.day")], ["segment", t("exports.source.segment")]], ctx.params.get("segment") ? "segment" : "day", { id: "export-source" });
    const day = el("input", { id: "export-day", type: "date", value: ctx.params.get("day") || todayInTokyo() });
    const segment = select((segments || []).length ? segments.map((s) => [s.id, s.name ? `${s.name} (${s.id})` : s.id]) : [["", t("exports.noSegments")]], ctx.params.get("segment"), { id: "export-segment" });
    const campaign = el("input", { id: "export-campaign", required: true, value: ctx.params.get("campaign") || "" });
    const template = el("select", { id: "export-template" });
    const encoding = select([["utf-8", "UTF-8"], ["shift_jis", "Shift_JIS (Excel)"]], "utf-8", { id: "export-encoding" });
    const cost = el("input", { id: "export-cost", type: "number", min: 0, step: 1 });
    const dayField = field(t("exports.day"), day);
    const segmentField = field(t("exports.segment"), segment);
    const costField = field(t("exports.costPerPiece"), cost);
    const fill = () => {
      const part = kind.value === "dm" ? (x) => x.postal : (x) => x.call;
      replace(template, el("option", { value: "", text: t("exports.noTemplate") }),
        (templateViews || []).filter((v) => part(v.template)).map((v) => el("option", { value: v.template.id, text: v.template.description ? `${v.template.id} — ${v.template.description}` : v.template.id })));
      dayField.hidden = source.value !== "day";
      segmentField.hidden = source.value !== "segment";
      costField.hidden = kind.value !== "dm";
      ctx.setParams({ kind: kind.value });
    };
    kind.addEventListener("change", fill);
    source.addEventListener("change", fill);
    fill();

    const drawFiles = (list) => replace(filesBox, !list || list.length === 0 ? emptyState(t("exports.none")) : dataTable({
      caption: t("exports.files"), dense: true, testId: "export-file-table", sort: { key: "at", dir: "desc" },
      columns: [
        { key: "name", label: t("exports.name"), format: (f) => el("code", { text: f.name }) },
        { key: "kind", label: t("exports.kind"), value: (f) => f.metadata.kind, format: (f) => badge(f.metadata.kind === "dm" ? t("exports.kind.dm") : f.metadata.kind === "calls" ? t("exports.kind.calls") : f.metadata.kind || "—", "info") },
        { key: "campaign", label: t("exports.campaignCol"), value: (f) => (f.metadata.campaign ? decodeURIComponent(f.metadata.campaign) : "") },
        { key: "count", label: t("exports.counts"), value: (f) => Number(f.metadata.pieces ?? f.metadata.written ?? 0),
          format: (f) => (f.metadata.kind === "dm" ? t("exports.pieces", { n: num(Number(f.metadata.pieces)) }) : t("exports.written", { n: num(Number(f.metadata.written)) })) },
        { key: "length", label: t("exports.size"), value: (f) => f.length, format: (f) => size(f.length) },
        { key: "at", label: t("exports.at"), type: "dateTime" },
        { key: "download", label: "", sortable: false, csv: false, format: (f) => el("a", { class: "button secondary small", href: apiUrl(`exports/${encodeURIComponent(f.name)}`), download: f.name, text: t("exports.download") }) },
      ],
      rows: list,
    }));
    drawFiles(files);

    const create = async (e) => {
      e.preventDefault();
      const button = e.submitter || e.target.querySelector("button[type=submit]");
      button.disabled = true;
      button.textContent = t("exports.creating");
      try {
        const body = { campaign: campaign.value.trim(), encoding: encoding.value, template: template.value || undefined };
        if (source.value === "day") body.day = day.value;
        else {
          const ids = await segmentMembers(segment.value, (n) => { status.textContent = t("exports.collecting", { n: num(n) }); });
          // An empty segment is known here: no request the API would refuse.
          if (ids.length === 0) {
            replace(status, el("p", { class: "state empty", "data-testid": "export-empty", text: t("exports.emptySegment") }));
            return;
          }
          body.recipients = ids.map((customerId) => (kind.value === "dm" ? { customerId, variant: segment.value } : { customerId, scriptVariant: segment.value }));
        }
        if (kind.value === "dm" && cost.value !== "") body.costPerPiece = Number(cost.value);
        const answer = await api(kind.value === "dm" ? "exports/dm" : "exports/calls", { method: "POST", body });
        const text = kind.value === "dm"
          ? t("exports.dmDone", { pieces: num(answer.pieces), skipped: num(answer.skipped), cost: money(answer.totalCost, answer.currency) })
          : t("exports.callsDone", { written: num(answer.written), dnc: num(answer.doNotCall), noPhone: num(answer.noPhone), unknown: num(answer.unknown) });
        replace(status, el("p", { class: "flash", "data-testid": "export-done" }, text, " ",
          el("a", { class: "button small", href: apiUrl(`exports/${encodeURIComponent(answer.name)}`), download: answer.name, "data-testid": "export-download", text: t("exports.download") })));
        drawFiles(await api("exports"));
      } catch (error) {
        // A day no scenario filled is no failure: the API's 400 "recipients is empty." said in the operator's words.
        replace(status, error instanceof ApiError && error.status === 400 && /^recipients is empty/.test(error.message)
          ? el("p", { class: "state empty", "data-testid": "export-empty", text: t(`exports.emptyDay.${kind.value}`, { day: dayText(day.value) }) })
          : errorState(error));
      } finally {
        button.disabled = false;
        button.textContent = t("exports.create");
      }
    };

    const resultsStatus = el("div", { role: "status", class: "status-line", "data-testid": "call-results-status" });
    const fileInput = el("input", { id: "call-results-file", type: "file", accept: ".csv,text/csv", required: true });
    const batch = el("input", { id: "call-results-batch" });
    const upload = async (e) => {
      e.preventDefault();
      const file = fileInput.files && fileInput.files[0];
      if (!file) return;
      const button = e.submitter || e.target.querySelector("button[type=submit]");
      button.disabled = true;
      button.textContent = t("exports.uploading");
      try {
        const answer = await api(`channels/calls/results${batch.value.trim() ? `?batch=${encodeURIComponent(batch.value.trim())}` : ""}`, { method: "POST", body: file, headers: { "Content-Type": "text/csv" } });
        replace(resultsStatus, el("p", { class: "flash", "data-testid": "call-results-done", text: t("exports.uploaded", { imported: num(answer.imported), dnc: num(answer.doNotCall), unknown: num(answer.unknownCustomers), errors: num(answer.errors.length) }) }),
          answer.errors.length ? dataTable({ caption: t("exports.results"), dense: true, testId: "call-result-errors",
            columns: [{ key: "line", label: t("exports.line"), type: "number" }, { key: "message", label: t("exports.message"), value: (e) => reasonText(e.message) }], rows: answer.errors }) : null);
      } catch (error) {
        replace(resultsStatus, errorState(error));
      } finally {
        button.disabled = false;
        button.textContent = t("exports.upload");
      }
    };

    return [pageHeader(t("exports.title"), { lead: t("exports.lead") }),
      section(t("exports.make"), [el("form", { class: "form-grid", "data-testid": "export-form", onsubmit: create },
        field(t("exports.kind"), kind), field(t("exports.source"), source), dayField, segmentField, field(t("exports.campaign"), campaign),
        field(t("exports.template"), template), field(t("exports.encoding"), encoding), costField,
        el("div", { class: "form-actions" }, el("button", { type: "submit", text: t("exports.create") }))), status], { id: "make" }),
      section(t("exports.files"), filesBox, { id: "files" }),
      section(t("exports.results"), [el("form", { class: "form-grid", "data-testid": "call-results-form", onsubmit: upload },
        field(t("exports.file"), fileInput), field(t("exports.batch"), batch),
        el("div", { class: "form-actions" }, el("button", { type: "submit", text: t("exports.upload") }))), resultsStatus], { id: "results", lead: t("exports.resultsLead") }),
      el("p", { class: "hint" }, el("a", { href: href("segments"), text: t("nav.segments") }))];
  },
});
