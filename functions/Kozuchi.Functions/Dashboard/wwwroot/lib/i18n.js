// Texts in Japanese (the default) and English. Each module adds its own texts next to the code that uses them
// (addTexts), so a new page brings its words with it; a browser test checks every key exists in both languages.
const texts = { ja: {}, en: {} };
const listeners = new Set();
let current = localStorage.getItem("kozuchi.lang") === "en" ? "en" : "ja";

// The merged dictionaries, for the completeness test (window.KOZUCHI_I18N.ja / .en).
window.KOZUCHI_I18N = texts;

/** Adds a module's texts: { ja: { key: "…" }, en: { key: "…" } }. A key defined twice is a mistake: the first one stays. */
export function addTexts(more) {
  for (const language of ["ja", "en"]) {
    for (const [key, value] of Object.entries(more[language] || {})) {
      if (key in texts[language]) console.warn(`text ${key} defined twice`);
      else texts[language][key] = value;
    }
  }
}

/** The text for a key in the current language; {name} placeholders are filled from vars. */
export function t(key, vars) {
  const text = texts[current][key] ?? texts.ja[key] ?? key;
  return vars ? text.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m)) : text;
}

/** Has this key a text (some API codes are shown through a text when one exists). */
export const hasText = (key) => key in texts[current] || key in texts.ja;

export const lang = () => current;

/** The BCP 47 locale formatting uses for the current language. */
export const locale = () => (current === "ja" ? "ja-JP" : "en-US");

/** The one of two values for the current language: pick({ japanese, english }) or pick(ja, en). */
export function pick(a, b) {
  if (a && typeof a === "object") return current === "ja" ? a.japanese ?? a.ja ?? a.english : a.english ?? a.en ?? a.japanese;
  return current === "ja" ? a : b ?? a;
}

export function setLang(next) {
  current = next === "en" ? "en" : "ja";
  localStorage.setItem("kozuchi.lang", current);
  document.documentElement.lang = current;
  listeners.forEach((f) => f(current));
}

export const onLangChange = (f) => listeners.add(f);

/** Fills the static page's [data-i18n] texts and [data-i18n-aria] labels. */
export function applyStaticTexts(root = document) {
  document.documentElement.lang = current;
  root.querySelectorAll("[data-i18n]").forEach((e) => { e.textContent = t(e.dataset.i18n); });
  root.querySelectorAll("[data-i18n-aria]").forEach((e) => e.setAttribute("aria-label", t(e.dataset.i18nAria)));
}
