// CSV made in the browser (a table's rows): UTF-8 with a BOM, so Excel on a Japanese Windows opens it correctly.
// Exports the server makes (segments, DM and call lists) are downloaded as they come (lib/api.js download()).
import { saveBlob } from "../lib/api.js";

const quote = (v) => {
  const s = v === null || v === undefined ? "" : String(v);
  // A cell starting with = + - @ would be a formula to a spreadsheet: quoted with a leading apostrophe.
  const safe = /^[=+\-@\t\r]/.test(s) && !/^-?\d/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

export function toCsv(headers, rows) {
  return [headers, ...rows].map((r) => r.map(quote).join(",")).join("\r\n") + "\r\n";
}

export function downloadCsv(filename, headers, rows) {
  saveBlob(new Blob(["\uFEFF", toCsv(headers, rows)], { type: "text/csv;charset=utf-8" }), filename.endsWith(".csv") ? filename : `${filename}.csv`);
}
