// The element builder every page uses. There is no way to set inline style here on purpose: the dashboard's policy
// is style-src 'self', so looks come from classes and data attributes in app.css (or a canvas), never style="…".

/**
 * el("a", { href: "#/rfm", class: ["button", primary && "primary"], data: { r: 1 }, onclick: f, text: "RFM" }, ...children)
 * - text: textContent; class: a string or a list (falsy entries dropped); data: data-* attributes;
 * - on<event>: a listener; true/false: a boolean attribute present or absent; null/undefined: left out.
 * Children may be nodes, strings, numbers, arrays (flattened) or null (skipped).
 */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "text") e.textContent = v;
    else if (k === "class") e.className = Array.isArray(v) ? v.filter(Boolean).join(" ") : v;
    else if (k === "data") for (const [dk, dv] of Object.entries(v)) { if (dv !== undefined && dv !== null) e.dataset[dk] = dv; }
    else if (k === "style") throw new Error("inline style is refused by the policy: use a class");
    else if (k.startsWith("on") && typeof v === "function") e.addEventListener(k.slice(2), v);
    else if (v === true) e.setAttribute(k, "");
    else e.setAttribute(k, v);
  }
  append(e, children);
  return e;
}

/** Appends children as el() takes them. */
export function append(parent, ...children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    parent.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return parent;
}

/** Replaces an element's children. */
export function replace(parent, ...children) {
  parent.replaceChildren();
  return append(parent, children);
}

/** A labelled form control: <label for=id>text</label> with the control inside, so clicking the text focuses it. */
export function field(label, control, { hint, className } = {}) {
  if (!control.id) control.id = `f-${Math.random().toString(36).slice(2, 9)}`;
  return el("label", { for: control.id, class: ["field", className] }, el("span", { class: "field-label", text: label }), control,
    hint ? el("span", { class: "field-hint", text: hint }) : null);
}

/** A <select> from [value, text] pairs (or { value, text }), with the value chosen. */
export function select(options, value, attrs = {}) {
  const s = el("select", attrs, options.map((o) => {
    const [v, text] = Array.isArray(o) ? o : [o.value, o.text];
    return el("option", { value: v, text });
  }));
  if (value !== undefined && value !== null) s.value = String(value);
  return s;
}
