// Predictive parts of the dashboard (issue 20), self-contained: 次の一手 cards and the shop's CLV backtest on the
// overview, and the scenario builder opened from a preset (#/scenarios/new?preset=<id>&segment=<id>). app.js calls
// them with its toolkit (el, api, t, num, money, pct, table, chart, lang).
(() => {
  "use strict";

  const say = (k, text) => (text ? (k.lang() === "ja" ? text.japanese : text.english) || text.japanese : "");

  // 次の一手: up to five ranked cards; the button saves the card's segment, then opens the builder on the preset.
  async function nextActions(k) {
    const { el, t, num } = k;
    const plan = await k.api("reports/next-actions");
    if (!plan) return null;
    const status = el("p", { role: "status" });
    const section = el("section", { class: "next-actions", "data-testid": "next-actions", "aria-labelledby": "next-actions-title" },
      el("h2", { id: "next-actions-title", text: t("next.title") }),
      el("p", { class: "hint", text: say(k, plan.about) }), status);
    if (!plan.actions || plan.actions.length === 0) { section.append(el("p", { class: "empty", text: t("next.none") })); return section; }
    const create = (action) => async (e) => {
      e.target.disabled = true;
      try {
        await k.api("segments", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(action.draft.segment) });
        location.hash = action.draft.dashboardPath;
      } catch (error) {
        e.target.disabled = false;
        status.setAttribute("role", "alert");
        status.textContent = `${t("common.error")}: ${error.message}`;
      }
    };
    section.append(el("div", { class: "action-cards" }, plan.actions.map((a) =>
      el("article", { class: "card action", "data-testid": "next-action", "data-action": a.id, "aria-labelledby": `action-${a.id}` },
        el("h3", { id: `action-${a.id}`, text: `${a.rank}. ${say(k, a.title)}` }),
        el("p", { class: "basis", "data-basis": a.basis, text: say(k, a.basisLabel) }),
        el("dl", { class: "facts" },
          el("dt", { text: t("next.who") }), el("dd", { "data-testid": "who", text: `${say(k, a.segmentName)} — ${num(a.members)}${t("next.people")}（${t("next.reachable")} ${num(a.reachable)}${t("next.people")}）` }),
          el("dt", { text: t("next.preset") }), el("dd", { "data-testid": "preset", text: a.presetId }),
          el("dt", { text: t("next.why") }), el("dd", { "data-testid": "why", text: say(k, a.why) }),
          el("dt", { text: t("next.expected") }), el("dd", { "data-testid": "expected", text: say(k, a.expectedText) })),
        el("button", { type: "button", onclick: create(a), text: t("next.create") })))));
    return section;
  }

  // The shop's backtest: predicted beside actual holdout purchases by calibration repeat count, as a chart and a table.
  async function backtest(k) {
    const { el, t, num } = k;
    const data = await k.api("reports/clv/backtest");
    if (!data) return null;
    const section = el("section", { class: "backtest", "data-testid": "backtest", "aria-labelledby": "backtest-title" },
      el("h2", { id: "backtest-title", text: t("backtest.title") }));
    const b = data.backtest;
    if (!b) { section.append(el("p", { class: "empty", text: say(k, data.unavailable) || t("common.empty") })); return section; }
    const one = (n) => num(Math.round(n * 10) / 10);
    // purchaseError = (predicted − actual) / actual, as the trust sentence says it.
    const error = b.purchaseError;
    section.append(
      el("p", { class: "trust", "data-testid": "trust", "data-level": b.trust?.level || "", text: say(k, b.trust?.statement) }),
      el("p", { class: "hint", text: `${t("backtest.calibration")} 〜${b.calibrationEnd} / ${t("backtest.holdout")} 〜${b.holdoutEnd} — ${say(k, data.splitRule)}` }),
      k.chart(t("backtest.chart"), {
        type: "bar",
        data: { labels: b.byFrequency.map((r) => r.label), datasets: [
          { label: t("backtest.predicted"), data: b.byFrequency.map((r) => r.predicted), backgroundColor: "#0b5cad" },
          { label: t("backtest.actual"), data: b.byFrequency.map((r) => r.actual), backgroundColor: "#e08a00" }] },
        options: { responsive: true, scales: { x: { title: { display: true, text: t("backtest.x") } }, y: { title: { display: true, text: t("backtest.purchases") } } } },
      }),
      k.table([t("backtest.x"), t("common.customers"), t("backtest.predicted"), t("backtest.actual")],
        [...b.byFrequency.map((r) => [r.label, num(r.customers), r.predicted == null ? "—" : one(r.predicted), num(r.actual)]),
          [t("backtest.all"), num(b.customers),
            b.predictedHoldoutPurchases == null ? "—" : `${one(b.predictedHoldoutPurchases)}${error == null ? "" : `（${error >= 0 ? "+" : "−"}${(Math.abs(error) * 100).toFixed(1)}%）`}`,
            num(b.actualHoldoutPurchases)]],
        t("backtest.chart")),
      b.predictedHoldoutRevenue == null ? null : el("p", { "data-testid": "backtest-revenue",
        text: `${t("backtest.revenue")}: ${t("backtest.predicted")} ${k.money(b.predictedHoldoutRevenue, b.currency)} / ${t("backtest.actual")} ${k.money(b.actualHoldoutRevenue, b.currency)}` }));
    return section;
  }

  // The builder opened from a preset: the preset and the segment filled in from the address, the trigger aimed at
  // the segment, saved as a draft under the preset's id and a suffix (so its results count for the preset).
  async function fromPreset(k) {
    const { el, t, num } = k;
    const params = new URLSearchParams(location.hash.split("?")[1] || "");
    const presets = (await k.api("scenarios/presets")) || [];
    const status = el("p", { role: "status" });
    const preset = el("select", { id: "builder-preset" }, presets.map((p) => el("option", { value: p.id, text: `${p.name || p.id}（${p.id}）` })));
    preset.value = presets.some((p) => p.id === params.get("preset")) ? params.get("preset") : (presets[0]?.id || "");
    const segment = el("input", { id: "builder-segment", value: params.get("segment") || "", required: "" });
    const segmentInfo = el("p", { class: "hint", "data-testid": "builder-segment-info" });
    const trigger = el("select", { id: "builder-trigger" },
      el("option", { value: "segmentEntry", text: t("builder.segmentEntry") }), el("option", { value: "broadcast", text: t("builder.broadcast") }));
    const inAnHour = new Date(Date.now() + 3600 * 1000);
    const when = el("input", { id: "builder-at", type: "datetime-local", value: new Date(inAnHour.getTime() - inAnHour.getTimezoneOffset() * 60000).toISOString().slice(0, 16) });
    const stamp = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Tokyo", year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date()).replace(/-/g, "");
    const id = el("input", { id: "builder-id", required: "", pattern: "[a-z0-9][a-z0-9\\-]*" });
    const name = el("input", { id: "builder-name" });
    const description = el("p", { class: "hint", "data-testid": "builder-description" });
    const steps = el("ol", { class: "steps", "data-testid": "builder-steps" });
    const current = () => presets.find((p) => p.id === preset.value);
    const fillPreset = () => {
      const p = current();
      if (!p) return;
      id.value = `${p.id}-${stamp}`;
      name.value = p.name || p.id;
      description.textContent = p.description || "";
      trigger.value = p.definition.trigger?.type === "broadcast" ? "broadcast" : "segmentEntry";
      when.disabled = trigger.value !== "broadcast";
      steps.replaceChildren(...(p.definition.steps || []).map((s) => el("li", {
        text: [t(`builder.step.${s.type}`), s.id, s.channels ? s.channels.join(" / ") : null, s.template, s.days ? `${s.days}${t("builder.days")}` : null, s.window?.days ? `${s.window.days}${t("builder.days")}` : null].filter(Boolean).join(" · ") })));
    };
    const showSegment = async () => {
      const sid = segment.value.trim();
      if (!sid) { segmentInfo.textContent = t("builder.noSegment"); return; }
      const [definition, members] = await Promise.all([k.api(`segments/${encodeURIComponent(sid)}`), k.api(`segments/${encodeURIComponent(sid)}/members?limit=1`)]);
      segmentInfo.textContent = definition
        ? `${definition.name || sid} — ${t("builder.membersNow")} ${num(members ? members.total : 0)}${t("next.people")}`
        : t("builder.unknownSegment");
    };
    preset.addEventListener("change", fillPreset);
    trigger.addEventListener("change", () => { when.disabled = trigger.value !== "broadcast"; });
    segment.addEventListener("change", () => showSegment().catch((e) => { segmentInfo.textContent = `${t("common.error")}: ${e.message}`; }));
    fillPreset();
    await showSegment();
    const save = async (e) => {
      e.preventDefault();
      const p = current();
      const segmentId = segment.value.trim();
      const definition = { ...p.definition, id: id.value.trim(), version: 1, name: name.value,
        trigger: trigger.value === "broadcast" ? { type: "broadcast", segmentId, at: new Date(when.value).toISOString() } : { type: "segmentEntry", segmentId } };
      try {
        status.setAttribute("role", "status");
        await k.api("scenarios", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(definition) });
        status.replaceChildren(`${definition.id}: ${t("builder.saved")} `, el("a", { href: "#/scenarios", text: t("builder.toList") }));
      } catch (error) {
        status.setAttribute("role", "alert");
        status.replaceChildren(el("strong", { text: `${t("builder.notSaved")}: ${error.message}` }),
          error.problems && error.problems.length ? el("ul", {}, error.problems.map((x) => el("li", { text: x }))) : null);
      }
    };
    return [el("h1", { text: t("builder.title") }), status,
      el("form", { class: "builder", "data-testid": "scenario-builder", onsubmit: save },
        el("label", { for: "builder-preset" }, t("builder.preset"), preset), description,
        el("label", { for: "builder-segment" }, t("builder.segment"), segment), segmentInfo,
        el("label", { for: "builder-trigger" }, t("builder.trigger"), trigger),
        el("label", { for: "builder-at" }, t("builder.at"), when),
        el("label", { for: "builder-id" }, t("builder.id"), id),
        el("label", { for: "builder-name" }, t("scenarios.name"), name),
        el("h2", { text: t("builder.steps") }), steps,
        el("button", { type: "submit", text: t("builder.save") }))];
  }

  window.KOZUCHI_PREDICT = { nextActions, backtest, fromPreset };
})();
