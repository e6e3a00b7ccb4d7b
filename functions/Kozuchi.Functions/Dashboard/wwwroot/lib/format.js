// Numbers, money, rates and dates as a Japanese shop reads them: ￥ with commas (each amount in its own currency —
// the API says which; amounts in different currencies are never added), rates as %, dates and times in Asia/Tokyo.
import { lang, locale, t } from "./i18n.js";

export const ZONE = "Asia/Tokyo";
const cache = new Map();
const fmt = (key, make) => {
  const k = `${locale()}|${key}`;
  if (!cache.has(k)) cache.set(k, make(locale()));
  return cache.get(k);
};

const missing = (n) => n === null || n === undefined || (typeof n === "number" && !Number.isFinite(n));

/** ￥6,842 for yen (no decimals), $403.00 for dollars: the currency's own decimals. "—" when unknown. */
export function money(amount, currency = "JPY") {
  if (missing(amount)) return "—";
  return fmt(`money|${currency}`, (l) => new Intl.NumberFormat(l, { style: "currency", currency })).format(amount);
}

/** Short amounts for chart axes: ￥120万 / ¥1.2M; under 1万 in Japanese, ￥5,000 (compact notation there has no comma). */
export function moneyShort(amount, currency = "JPY") {
  if (missing(amount)) return "—";
  if (lang() === "ja" && Math.abs(amount) < 10000) {
    return fmt(`moneyWhole|${currency}`, (l) => new Intl.NumberFormat(l, { style: "currency", currency, minimumFractionDigits: 0, maximumFractionDigits: 0 })).format(amount);
  }
  return fmt(`moneyShort|${currency}`, (l) => new Intl.NumberFormat(l, { style: "currency", currency, notation: "compact", maximumFractionDigits: 1 })).format(amount);
}

/** 12,345 (a count); with digits, a measure such as a lift (1.23). */
export function num(n, digits) {
  if (missing(n)) return "—";
  return fmt(`num|${digits}`, (l) => new Intl.NumberFormat(l, digits === undefined ? {} : { minimumFractionDigits: digits, maximumFractionDigits: digits })).format(n);
}

/** A share (0.278) as 27.8%. */
export function pct(ratio, digits = 1) {
  if (missing(ratio)) return "—";
  return `${(ratio * 100).toFixed(digits)}%`;
}

const sign = (x, text) => (x > 0 ? `+${text}` : x < 0 ? `−${text.replace(/^-/, "")}` : text);

/** A relative change (0.123) as +12.3% / −4.0%. */
export function change(ratio, digits = 1) {
  if (missing(ratio)) return "—";
  return sign(ratio, `${(Math.abs(ratio) * 100).toFixed(digits)}%`);
}

/** A difference of two shares (0.012) in percentage points: +1.2pt. */
export function points(diff, digits = 1) {
  if (missing(diff)) return "—";
  return sign(diff, `${(Math.abs(diff) * 100).toFixed(digits)}pt`);
}

/** current / previous − 1, or null when there is nothing to compare with. */
export const ratioChange = (current, previous) => (missing(current) || missing(previous) || previous === 0 ? null : current / previous - 1);

const asDate = (v) => (v instanceof Date ? v : new Date(v));

/** An instant as a date in Tokyo: 2026/12/06. */
export function date(value) {
  if (!value) return "—";
  return fmt("date", (l) => new Intl.DateTimeFormat(l, { timeZone: ZONE, year: "numeric", month: "2-digit", day: "2-digit" })).format(asDate(value));
}

/** An instant as date and time in Tokyo: 2026/12/06 14:05. */
export function dateTime(value) {
  if (!value) return "—";
  return fmt("dateTime", (l) => new Intl.DateTimeFormat(l, { timeZone: ZONE, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false })).format(asDate(value));
}

/** A calendar day the API sends as YYYY-MM-DD (already the shop's day): 2026/12/06. */
export function day(text) {
  if (!text) return "—";
  const [y, m, d] = text.slice(0, 10).split("-").map(Number);
  return fmt("day", (l) => new Intl.DateTimeFormat(l, { timeZone: "UTC", year: "numeric", month: "2-digit", day: "2-digit" })).format(new Date(Date.UTC(y, m - 1, d)));
}

/** A month the API sends as YYYY-MM: 2026年12月 / Dec 2026 (short: 2026/12). */
export function month(text, { short = false } = {}) {
  if (!text) return "—";
  const [y, m] = text.split("-").map(Number);
  if (short) return `${y}/${String(m).padStart(2, "0")}`;
  return lang() === "ja" ? `${y}年${m}月` : new Intl.DateTimeFormat("en-US", { timeZone: "UTC", year: "numeric", month: "short" }).format(new Date(Date.UTC(y, m - 1, 1)));
}

/** n days: 45日 / 45 days. */
export const days = (n, digits = 0) => (missing(n) ? "—" : t("unit.days", { n: num(n, digits) }));

/**
 * A moment as a datetime-local input shows it, in Tokyo whatever the browser's own zone (YYYY-MM-DDTHH:mm): the
 * operator reads and types the shop's time, as every other date on the dashboard.
 */
export function tokyoInput(d) {
  const p = Object.fromEntries(new Intl.DateTimeFormat("en-CA", { timeZone: ZONE, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
    .formatToParts(d).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}

/** What a datetime-local input holds (YYYY-MM-DDTHH:mm, Tokyo time) as a moment; Tokyo has no daylight saving. */
export const fromTokyoInput = (value) => new Date(`${value}:00+09:00`);

/**
 * A stored phone number (E.164) as a Japanese operator dials it: +819012345678 → 090-1234-5678. Mobile, IP and
 * toll-free numbers have fixed groups; a landline's area code varies in length, so it is shown unbroken (0312345678).
 * Numbers abroad stay in E.164.
 */
export function phone(e164) {
  if (!e164) return e164;
  const m = /^\+81(\d{9,10})$/.exec(e164);
  if (!m) return e164;
  const d = `0${m[1]}`;
  if (/^0[5789]0\d{8}$/.test(d)) return `${d.slice(0, 3)}-${d.slice(3, 7)}-${d.slice(7)}`;
  if (/^0120\d{6}$/.test(d)) return `${d.slice(0, 4)}-${d.slice(4, 7)}-${d.slice(7)}`;
  return d;
}

/** Today in Tokyo as YYYY-MM-DD (what a date input shows). */
export function todayInTokyo(offsetDays = 0) {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone: ZONE, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date(Date.now() + offsetDays * 86400000));
  return parts;
}
