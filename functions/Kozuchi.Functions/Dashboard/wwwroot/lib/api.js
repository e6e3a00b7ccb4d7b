// Calls to the app's own API (/api/…, relative to /api/dashboard/). Cookie session; every call sends the CSRF
// header the API asks of cookie-authenticated writes. What the API answers, the pages can act on:
// 401 → back to the login page (and here again after it); 503 report-set-pending → PendingError (the router shows
// "being computed" and reloads by itself); 400/409/422 → ApiError with the problem's words; 404 → null.
import { t } from "./i18n.js";

export class ApiError extends Error {
  constructor(status, message, problems = []) {
    super(message);
    this.status = status;
    /** The problem's list of errors (422: missing templates or providers, 400: invalid fields). */
    this.problems = problems;
  }
}

/** The shop's figures are being computed for the first time: try again after retryAfter seconds. */
export class PendingError extends Error {
  constructor(retryAfter) {
    super(t("state.computing"));
    this.retryAfter = retryAfter;
  }
}

export const apiUrl = (path) => `../${path.replace(/^\/+/, "")}`;

/**
 * api("reports/kpis"), api("segments", { method: "POST", body: {...} }), api(path, { signal }).
 * A body that is not a string or FormData is sent as JSON. Returns the parsed JSON (null for 204 and 404).
 */
export async function api(path, { method = "GET", body, signal, headers = {}, accept = "application/json" } = {}) {
  const json = body !== undefined && typeof body !== "string" && !(body instanceof FormData) && !(body instanceof Blob);
  const response = await fetch(apiUrl(path), {
    method,
    signal,
    credentials: "same-origin",
    headers: { Accept: accept, "X-Kozuchi-Csrf": "1", ...(json ? { "Content-Type": "application/json" } : {}), ...headers },
    body: json ? JSON.stringify(body) : body,
  });
  await check(response);
  if (response.status === 404) return null;
  if (response.status === 204) return null;
  const type = response.headers.get("Content-Type") || "";
  return type.includes("json") ? response.json() : response.text();
}

async function check(response) {
  if (response.status === 401) {
    location.href = `login?next=${encodeURIComponent(location.pathname + location.hash)}`;
    throw new ApiError(401, t("state.signedOut"));
  }
  if (response.ok || response.status === 404) return;
  const problem = await response.clone().json().catch(() => null);
  if (response.status === 503 && problem && problem.title === "report-set-pending") {
    throw new PendingError(Number(response.headers.get("Retry-After")) || 15);
  }
  const errors = problem && Array.isArray(problem.errors) ? problem.errors.map((e) => (typeof e === "string" ? e : e.message || JSON.stringify(e)))
    : problem && problem.errors && typeof problem.errors === "object" ? Object.values(problem.errors).flat().map(String) : [];
  // A problem document's detail, or a plain reason the API answered as a JSON string.
  const text = typeof problem === "string" ? problem : problem ? problem.detail || problem.title : (await response.text().catch(() => "")).slice(0, 300);
  throw new ApiError(response.status, text || `${response.status} ${response.statusText}`, errors);
}

/** Downloads what a call answers (a CSV export) under the file name the server gives, or the one passed. */
export async function download(path, { method = "GET", body, filename } = {}) {
  const json = body !== undefined && typeof body !== "string";
  const response = await fetch(apiUrl(path), {
    method,
    credentials: "same-origin",
    headers: { "X-Kozuchi-Csrf": "1", ...(json ? { "Content-Type": "application/json" } : {}) },
    body: json ? JSON.stringify(body) : body,
  });
  await check(response);
  const disposition = response.headers.get("Content-Disposition") || "";
  const named = /filename\*=UTF-8''([^;]+)/i.exec(disposition) || /filename="?([^";]+)"?/i.exec(disposition);
  saveBlob(await response.blob(), filename || (named ? decodeURIComponent(named[1]) : "download"));
}

/** Saves a Blob as a file (an object URL on a temporary link: no inline script, no navigation). */
export function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
