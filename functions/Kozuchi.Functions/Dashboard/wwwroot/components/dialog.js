// A confirmation dialog (<dialog>, modal): for what cannot be undone, the operator says so explicitly. With
// requireText the confirm button stays disabled until that text is typed (erasing a customer).
import { el } from "../lib/dom.js";
import { t } from "../lib/i18n.js";

/**
 * await confirmDialog({ title, message, details: [text], confirmLabel, danger, requireText }) → true | false
 */
export function confirmDialog({ title, message, details = [], confirmLabel, danger = false, requireText }) {
  return new Promise((resolve) => {
    const typed = requireText ? el("input", { type: "text", autocomplete: "off", "data-testid": "confirm-text" }) : null;
    const ok = el("button", { type: "submit", value: "ok", class: danger ? "danger" : null, "data-testid": "confirm-ok", text: confirmLabel || t("dialog.ok") });
    const cancel = el("button", { type: "button", class: "secondary", "data-testid": "confirm-cancel", text: t("dialog.cancel") });
    const dialog = el("dialog", { class: ["dialog", danger && "danger"], "aria-labelledby": "dialog-title", "data-testid": "confirm-dialog" },
      el("form", { method: "dialog" },
        el("h2", { id: "dialog-title", text: title }),
        message ? el("p", { text: message }) : null,
        details.length ? el("ul", {}, details.map((d) => el("li", { text: d }))) : null,
        typed ? el("label", { class: "field" }, el("span", { class: "field-label", text: t("dialog.typeToConfirm", { text: requireText }) }), typed) : null,
        el("div", { class: "dialog-actions" }, cancel, ok)));
    if (typed) {
      ok.disabled = true;
      typed.addEventListener("input", () => { ok.disabled = typed.value.trim() !== requireText; });
    }
    let answered = false;
    const done = (value) => { if (answered) return; answered = true; dialog.close(); dialog.remove(); resolve(value); };
    cancel.addEventListener("click", () => done(false));
    dialog.addEventListener("cancel", () => done(false));
    dialog.querySelector("form").addEventListener("submit", (e) => { e.preventDefault(); if (!ok.disabled) done(true); });
    document.body.append(dialog);
    dialog.showModal();
    (typed || cancel).focus();
  });
}
