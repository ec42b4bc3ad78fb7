/* The pooling web console: plain JavaScript over the /api/v1 endpoints.
 *
 * The bearer token is pasted into the page and kept in sessionStorage (gone when the tab closes); every
 * request sends it as `Authorization: Bearer …`. Data is written with textContent only, never as HTML.
 * Money arrives as integer fen and is shown as yuan by integer arithmetic (no rounding through floats). */
"use strict";

(function () {
  const TOKEN_KEY = "pooling.token";
  const $ = (id) => document.getElementById(id);
  const charts = {};

  // --- formatting ------------------------------------------------------------------------------
  function yuan(fen) {
    if (fen === null || fen === undefined) return "—";
    const negative = fen < 0;
    const magnitude = Math.abs(fen);
    const whole = (magnitude - (magnitude % 100)) / 100;
    const cents = String(magnitude % 100).padStart(2, "0");
    return (negative ? "-" : "") + whole.toLocaleString("en-US") + "." + cents;
  }

  function wholeYuan(fen) {
    // Chart axes only: whole yuan, by integer division of the fen.
    return fen === null || fen === undefined ? null : (fen - (fen % 100)) / 100;
  }

  function unitText(code) {
    return code === null || code === undefined ? "—" : code;
  }

  function cell(row, text, numeric) {
    const td = document.createElement("td");
    td.textContent = text === null || text === undefined ? "" : String(text);
    if (numeric) td.className = "num";
    row.appendChild(td);
    return td;
  }

  function fillTable(table, rows, columns) {
    const body = table.tBodies[0];
    body.replaceChildren();
    for (const item of rows) {
      const tr = document.createElement("tr");
      for (const [value, numeric] of columns(item, tr)) cell(tr, value, numeric);
      body.appendChild(tr);
    }
  }

  // --- the API -----------------------------------------------------------------------------------
  function token() {
    return sessionStorage.getItem(TOKEN_KEY) || "";
  }

  function showError(text) {
    const box = $("error");
    box.textContent = text || "";
    box.hidden = !text;
  }

  async function api(path) {
    const headers = { Accept: "application/json" };
    if (token()) headers.Authorization = "Bearer " + token();
    const response = await fetch(path, { headers });
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      const error = new Error(body && body.message ? body.error + ": " + body.message : "HTTP " + response.status);
      error.status = response.status;
      error.body = body;
      throw error;
    }
    return body;
  }

  async function guarded(work) {
    showError("");
    try {
      await work();
    } catch (error) {
      showError(error.message);
    }
  }

  // --- token -------------------------------------------------------------------------------------
  async function refreshWhoami() {
    const label = $("whoami");
    if (!token()) {
      label.textContent = "no token";
      return;
    }
    try {
      const me = await api("/api/v1/whoami");
      const scope = me.unit ? " " + me.unit : me.citizen_id ? " " + me.citizen_id : "";
      label.textContent = "signed in: " + me.role + scope;
      if (me.role === "citizen" && !$("citizen-id").value) $("citizen-id").value = me.citizen_id;
    } catch (error) {
      label.textContent = "token refused (" + error.message + ")";
    }
  }

  $("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const value = $("token").value.trim();
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    $("token").value = "";
    refreshWhoami();
  });

  $("token-forget").addEventListener("click", () => {
    sessionStorage.removeItem(TOKEN_KEY);
    refreshWhoami();
  });

  // --- tabs --------------------------------------------------------------------------------------
  const loaders = {
    national: loadNational,
    risk: loadRisk,
    audit: loadAudit,
  };

  for (const button of document.querySelectorAll("nav .tab")) {
    button.addEventListener("click", () => {
      for (const other of document.querySelectorAll("nav .tab")) other.classList.toggle("active", other === button);
      for (const panel of document.querySelectorAll(".panel")) panel.hidden = panel.id !== "tab-" + button.dataset.tab;
      const load = loaders[button.dataset.tab];
      if (load) guarded(load);
    });
  }

  // --- person ------------------------------------------------------------------------------------
  function personQuery() {
    const asOf = $("as-of").value;
    return asOf ? "?as_of=" + encodeURIComponent(asOf) : "";
  }

  async function loadPerson() {
    const id = $("citizen-id").value.trim().toUpperCase();
    if (!id) return;
    const base = "/api/v1/persons/" + encodeURIComponent(id);
    const [dossier, series, events] = await Promise.all([
      api(base + "/dossier" + personQuery()),
      api(base + "/series" + personQuery()),
      api(base + "/events"),
    ]);
    showDossier(dossier);
    showSeries(series);
    showEvents(events.events);
    $("person").hidden = false;
  }

  function showDossier(d) {
    $("d-name").textContent = d.name + " (" + d.sex + ", born " + d.birth + ")";
    $("d-status").textContent = d.status + (d.status_detail !== d.status ? " (" + d.status_detail + ")" : "");
    $("d-insured-unit").textContent = unitText(d.insured_unit);
    $("d-relation-unit").textContent = unitText(d.relation_unit);
    $("d-benefit-unit").textContent = d.benefit_unit
      ? d.benefit_unit
      : "— (provisionally " + unitText(d.benefit_unit_provisional) + ")";
    $("d-months").textContent = d.contribution_months + (d.deemed_months ? " + " + d.deemed_months + " deemed" : "");
    $("d-months-by-unit").textContent =
      Object.entries(d.months_by_unit)
        .map(([unit, months]) => unit + ": " + months)
        .join(", ") || "—";
    $("d-balance").textContent = yuan(d.account_balance_fen);
    $("d-accrued").textContent = yuan(d.accrued_interest_fen);
    $("d-benefit").textContent = d.benefit ? yuan(d.benefit.total_fen) : "—";
    $("d-as-of").textContent = d.as_of + " / " + d.as_known_at + (d.simulated ? " (simulated clock)" : "");
    showTimeline(d.events);
  }

  function showTimeline(events) {
    const list = $("timeline");
    list.replaceChildren();
    const byYear = new Map();
    for (const event of events) {
      const year = event.effective.slice(0, 4);
      if (!byYear.has(year)) byYear.set(year, []);
      byYear.get(year).push(event);
    }
    for (const [year, items] of [...byYear.entries()].sort()) {
      const li = document.createElement("li");
      const head = document.createElement("div");
      head.className = "year";
      head.textContent = year;
      const inner = document.createElement("ul");
      // Payments are summarized per year; every other event is listed with its date and unit.
      const payments = items.filter((e) => e.type === "ContributionPaid" || e.type === "BackPaymentPaid");
      if (payments.length) {
        const row = document.createElement("li");
        row.textContent = payments.length + " month(s) paid";
        inner.appendChild(row);
      }
      for (const event of items) {
        if (payments.includes(event)) continue;
        const row = document.createElement("li");
        row.textContent = event.effective + " " + event.type + " · unit " + unitText(event.unit) + (event.reversed ? " (reversed)" : "");
        inner.appendChild(row);
      }
      li.append(head, inner);
      list.appendChild(li);
    }
  }

  function showSeries(series) {
    const points = series.points;
    fillTable($("series-table"), points, (p) => [
      [p.year],
      [p.months, true],
      [yuan(p.average_base_fen), true],
      [yuan(p.account_paid_fen), true],
      [yuan(p.account_balance_fen), true],
    ]);
    const data = [
      points.map((p) => p.year),
      points.map((p) => wholeYuan(p.average_base_fen)),
      points.map((p) => wholeYuan(p.account_balance_fen)),
    ];
    draw("series-chart", data, {
      scales: { x: { time: false }, base: {}, balance: {} },
      axes: [
        { splits: () => data[0], values: (u, splits) => splits.map((v) => String(v)) },
        { scale: "base", label: "monthly base (yuan)", size: 80 },
        { scale: "balance", side: 1, label: "account balance (yuan)", size: 90, grid: { show: false } },
      ],
      series: [
        { label: "year" },
        { label: "average base", scale: "base", stroke: "#1570ef", width: 2, points: { show: true } },
        { label: "account balance", scale: "balance", stroke: "#b42318", width: 2, points: { show: true } },
      ],
    });
  }

  function showEvents(events) {
    fillTable($("events-table"), events, (e, tr) => {
      if (e.reversed) tr.className = "reversed";
      return [[e.version, true], [e.type], [e.effective], [e.recorded], [e.unit], [e.serial]];
    });
  }

  function draw(id, data, options) {
    const target = $(id);
    if (charts[id]) charts[id].destroy();
    target.replaceChildren();
    if (typeof uPlot === "undefined" || !data[0].length) return;
    const width = Math.max(320, Math.min(900, target.clientWidth || 800));
    charts[id] = new uPlot({ width, height: 260, ...options }, data, target);
  }

  $("person-form").addEventListener("submit", (event) => {
    event.preventDefault();
    guarded(loadPerson);
  });
  $("as-of").addEventListener("change", () => guarded(loadPerson));
  $("as-of-clear").addEventListener("click", () => {
    $("as-of").value = "";
    guarded(loadPerson);
  });

  // --- national ----------------------------------------------------------------------------------
  async function loadNational() {
    const month = $("national-as-of").value;
    const answer = await api("/api/v1/ledgers/units" + (month ? "?as_of=" + encodeURIComponent(month) : ""));
    const units = answer.units;
    fillTable($("units-table"), units, (u) => [
      [u.unit],
      [u.name],
      [yuan(u.bank_fen), true],
      [yuan(u.ia_liability_fen), true],
      [yuan(u.pooled_fund_balance_fen), true],
    ]);
    const foot = $("units-table").tFoot;
    foot.replaceChildren();
    const total = document.createElement("tr");
    cell(total, "national");
    cell(total, "全国");
    cell(total, yuan(answer.national.bank_fen), true);
    cell(total, yuan(answer.national.ia_liability_fen), true);
    cell(total, yuan(answer.national.pooled_fund_balance_fen), true);
    foot.appendChild(total);
    const names = units.map((u) => u.unit + " " + u.name);
    draw("units-chart", [units.map((_, i) => i), units.map((u) => wholeYuan(u.pooled_fund_balance_fen))], {
      scales: { x: { time: false, range: [-0.5, Math.max(units.length - 0.5, 0.5)] } },
      axes: [
        { splits: () => units.map((_, i) => i), values: (u, splits) => splits.map((i) => names[i] || ""), grid: { show: false } },
        { size: 100 },
      ],
      series: [
        { label: "unit", value: (u, i) => (i === null || names[i] === undefined ? "" : names[i]) },
        {
          label: "pooled-fund balance (yuan)",
          stroke: "#1570ef",
          fill: "rgba(21, 112, 239, 0.3)",
          paths: uPlot.paths.bars({ size: [0.6, 60] }),
          points: { show: false },
        },
      ],
    });
  }

  $("national-form").addEventListener("submit", (event) => {
    event.preventDefault();
    guarded(loadNational);
  });

  // --- risk --------------------------------------------------------------------------------------
  async function loadRisk() {
    const rule = $("risk-rule").value;
    const found = await api("/api/v1/risk/findings" + (rule ? "?rule=" + encodeURIComponent(rule) : ""));
    $("risk-count").textContent = found.length + " finding(s)";
    fillTable($("risk-table"), found, (f) => [[f.rule], [f.citizen_id], [f.title], [yuan(f.amount_fen), true], [f.detail]]);
  }

  $("risk-form").addEventListener("submit", (event) => {
    event.preventDefault();
    guarded(loadRisk);
  });

  // --- audit and projections ---------------------------------------------------------------------
  async function loadAudit() {
    try {
      const audit = await api("/api/v1/audit/status");
      $("audit-status").textContent = JSON.stringify(audit);
    } catch (error) {
      // No audit endpoint in this version of the API: say so rather than fail.
      if (error.status !== 404) throw error;
      $("audit-status").textContent = "not available yet";
    }
    const status = await api("/api/v1/projections/status");
    const rows = Object.entries(status.views).map(([name, view]) => ({ name, ...view }));
    fillTable($("projection-table"), rows, (v) => [[v.name], [v.position, true], [v.lag, true]]);
    const follower = status.follower;
    $("projection-follower").textContent =
      "log head " + status.head + "; in-process follower " + (follower.running ? "running every " + follower.interval + " s" : "not running");
  }

  refreshWhoami();
})();
