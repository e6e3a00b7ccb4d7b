// The dashboard's shell: texts, navigation (built from the pages that registered), language switch, routing.
// Every page is an ES module under pages/ (pages/index.js lists them); see the Dashboard README.
import "./lib/texts.js";
import "./pages/index.js";
import { el, replace } from "./lib/dom.js";
import { applyStaticTexts, lang, onLangChange, setLang, t } from "./lib/i18n.js";
import { navPages, start } from "./lib/router.js";

const nav = document.getElementById("nav");
const content = document.getElementById("content");

function drawNav() {
  replace(nav, navPages().map((p) => el("li", {}, el("a", { href: `#/${p.path}`, "data-page": p.section, text: t(p.nav.label) }))));
}

function highlight(section) {
  nav.querySelectorAll("a").forEach((a) => {
    if (a.dataset.page === section) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  });
}

const select = document.getElementById("lang");
select.value = lang();
applyStaticTexts();
drawNav();
const router = start(content, { defaultPath: "overview", onRoute: highlight });
select.addEventListener("change", () => setLang(select.value));
onLangChange(() => {
  applyStaticTexts();
  drawNav();
  router.rerender();
});
