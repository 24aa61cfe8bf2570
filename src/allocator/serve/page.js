// allocator serve: the page's script (hand-written, no library, nothing fetched but the API).
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  let busy = false;
  let rev = 0; // the revision of the plan shown: details of any other are dropped

  // No token here: the address serve printed (`/?token=`) set it as an HttpOnly cookie of this
  // page and sent the browser on to `/`, so the browser sends it with each call and this script
  // never holds it.

  function text(tag, words, cls) {
    const el = document.createElement(tag);
    el.textContent = words;
    if (cls) el.className = cls;
    return el;
  }

  async function call(method, path, body) {
    // X-Allocator-Page: the page's own call (no other page can send it without a preflight
    // serve never grants), so serve starts a details solve on the cookie alone
    const options = {
      method: method, headers: { "X-Allocator-Page": "1" }, credentials: "same-origin" };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    const response = await fetch(path, options);
    const data = await response.json();
    if (!response.ok) {
      const err = new Error(data.error || "HTTP " + response.status);
      err.details = data.details || [];
      throw err;
    }
    return data;
  }

  function status(words, state) {
    $("status").textContent = words;
    $("status").dataset.state = state;
  }

  function showError(err) {
    const box = $("error");
    box.textContent = "error: " + err.message + (err.details && err.details.length
      ? "\n" + err.details.join("\n") : "");
    box.hidden = false;
  }

  function movesTable(rows, unit) {
    // unit: of every row (money by program); else each row says its own (r.unit: outcomes)
    const table = document.createElement("table");
    table.className = "moves";
    const head = document.createElement("tr");
    ["", "first loaded", "now", "change"].concat(unit ? [] : ["unit"]).forEach((h, i) =>
      head.appendChild(text("th", h + (i && unit ? " (" + unit + ")" : ""), i && i < 4 ? "n" : "")));
    table.appendChild(head);
    rows.forEach((r) => {
      const tr = document.createElement("tr");
      tr.appendChild(text("td", r.name));
      // the server's text of each number (rounding.cell, as report.html shows it)
      tr.appendChild(text("td", r.shown.first, "n"));
      tr.appendChild(text("td", r.shown.now, "n"));
      tr.appendChild(text("td", r.shown.change, "n " + (r.change > 0 ? "up" : "down")));
      if (!unit) tr.appendChild(text("td", r.unit || ""));
      table.appendChild(tr);
    });
    return table;
  }

  function showMoved(m, headline) {
    const box = $("moved");
    box.replaceChildren();
    const h = m.headline;
    box.appendChild(text("p", "Headline: " + h.shown.first + " -> " + h.shown.now + " " +
      headline.unit + " (" + h.shown.change + ")"));
    if (m.outcomes.length) {
      box.appendChild(text("h3", "Outcomes"));
      box.appendChild(movesTable(m.outcomes, ""));
    }
    if (m.programs.length) {
      box.appendChild(text("h3", "Money by program"));
      box.appendChild(movesTable(m.programs, "US$ million"));
    }
    const b = m.binding;
    box.appendChild(text("h3", "Rows that bind"));
    box.appendChild(text("p", b.now_binding.length || b.no_longer_binding.length
      ? "Now binding: " + (b.now_binding.join(", ") || "none") + ". No longer binding: " +
        (b.no_longer_binding.join(", ") || "none") + "."
      : "The same rows bind as in the plan first loaded."));
  }

  function showCells(groups, sets) {
    const box = $("cells");
    const open = new Set([...box.querySelectorAll("details[open]")].map((d) => d.dataset.table));
    const setAddresses = new Set(sets.map((s) => s.split("=")[0]));
    box.replaceChildren();
    groups.forEach((g) => {
      if (!g.rows.length) return;
      const details = document.createElement("details");
      details.dataset.table = g.table;
      details.open = open.has(g.table);
      details.appendChild(text("summary", g.file + " (" + g.rows.length + " rows)"));
      const table = document.createElement("table");
      table.className = "cells";
      const head = document.createElement("tr");
      head.appendChild(text("th", "row"));
      g.columns.forEach((c) => head.appendChild(text("th", c)));
      table.appendChild(head);
      g.rows.forEach((row) => {
        const tr = document.createElement("tr");
        // the row as its data is now; a set names it by its key in the dataset (set_key),
        // which differs where a set moved a key cell (a tranche's from_level)
        const moved = row.set_key !== row.key;
        tr.appendChild(text("td", row.key + (moved ? " (set as " + row.set_key + ")" : "")));
        row.values.forEach((v, i) => {
          const address = g.table + "." + row.set_key + "." + g.columns[i];
          const input = document.createElement("input");
          input.type = "text";
          input.value = v === null ? "" : String(v);
          input.dataset.address = address;
          input.setAttribute("aria-label", address);
          if (setAddresses.has(address)) input.className = "set";
          input.addEventListener("change", () => edit(address + "=" + input.value));
          const td = document.createElement("td");
          td.appendChild(input);
          tr.appendChild(td);
        });
        table.appendChild(tr);
      });
      details.appendChild(table);
      box.appendChild(details);
    });
  }

  function showHeadline(h) {
    const p = $("answer-headline");
    p.replaceChildren(text("span", "Headline: "));
    const value = text("strong", h.shown + " " + (h.label || h.unit));
    value.dataset.value = String(h.value);
    value.id = "answer-value";
    p.appendChild(value);
    // what existed before the plan and what it adds, as allocator solve says it
    if (h.split) p.appendChild(text("strong", h.split, "split"));
    p.appendChild(text("span", " (" + h.unit + ", " + h.sense + "d)"));
    p.dataset.rev = String(rev);
  }

  function showLevels(lines) {
    const box = $("levels");
    box.replaceChildren();
    (lines || []).forEach((line) => box.appendChild(text("p", line)));
  }

  function show(state) {
    rev = state.rev;
    showHeadline(state.headline);
    showLevels(state.levels);
    showMoved(state.moved, state.headline);
    showCells(state.cells, state.sets);
    $("sets").textContent = state.sets.length
      ? "Cells set: " + state.sets.join(", ") : "No cell set: the plan as first loaded.";
    $("error").hidden = true;
    const notes = state.warnings || [];  // the dataset's notes, as allocator solve warns them
    $("warnings").textContent = notes.join("\n");
    $("warnings").hidden = !notes.length;
    status("Solved in " + state.seconds.toFixed(3) + " s (" + state.how + "), revision " +
      state.rev + ".", "ready");
    detailsStatus("Prices, tie classes and the full report of revision " + rev +
      ": computing... (what is shown below is of an earlier revision)", "computing");
    $("details-section").dataset.stale = "";
    loadDetails(rev, state.details);
  }

  function detailsStatus(words, state) {
    const p = $("details-status");
    p.textContent = words;
    p.dataset.state = state;
    p.dataset.rev = String(rev);
  }

  function showTies(d) {
    const box = $("ties");
    box.replaceChildren();
    if (!d.tie_classes.length) return;
    box.appendChild(text("h3", "Programs another plan funds differently (same outcomes; " +
      "each program's money in this plan, least to most in brackets, US$ million)"));
    d.tie_classes.forEach((c, k) => {
      // the class's total and its range, in the words allocator solve's Ties line says them
      const p = text("p", "", "tie-class");
      p.appendChild(text("span", "class " + (k + 1) + ", " + c.shown_total, "tie-total"));
      p.appendChild(text("span", ": " + c.programs.map((m) =>
        m.program + " " + m.shown.plan + " (" + m.shown.low + " to " + m.shown.high + ")")
        .join(", ")));
      box.appendChild(p);
    });
  }

  function showDetails(d) {
    $("report-css").textContent = d.report_css;
    $("report").innerHTML = d.report; // allocator's own report HTML, escaped by its renderer
    $("report").dataset.rev = String(d.rev);
    showTies(d);
    delete $("details-section").dataset.stale;
    detailsStatus("Prices, tie classes and the full report of revision " + d.rev +
      " (solved in " + d.seconds.toFixed(3) + " s, as allocator solve --set solves it).",
      "ready");
  }

  async function loadDetails(asked, path) {
    let d;
    try {
      d = await call("GET", path);
    } catch (err) {
      if (asked === rev) detailsStatus("Prices not computed: " + err.message, "refused");
      return; // a refused older revision (409 stale): a later answer asks for its own
    }
    if (d.rev !== rev || d.stale) {
      $("details-section").dataset.dropped = String(d.rev); // late: of a plan no longer shown
      return;
    }
    showDetails(d);
  }

  async function run(method, path, body, words) {
    if (busy) return;
    busy = true;
    status(words, "busy");
    try {
      show(await call(method, path, body));
    } catch (err) {
      showError(err);
      status("Not changed: the plan shown is the last one solved.", "refused");
    } finally {
      busy = false;
    }
  }

  function edit(cell) {
    run("POST", "/api/set", { set: [cell] }, "Solving with " + cell + "...");
  }

  $("reset").addEventListener("click", () =>
    run("POST", "/api/reset", {}, "Solving the plan first loaded..."));
  $("save").addEventListener("click", async () => {
    $("saved").textContent = "Saving...";
    try {
      const done = await call("POST", "/api/save", { name: $("save-name").value });
      $("saved").textContent = "Saved " + done.model_file + " and " + done.run_folder +
        " (" + done.command + " gives the same tables)." +
        (done.warnings || []).map((line) => " " + line).join("");
    } catch (err) {
      $("saved").textContent = "";
      showError(err);
    }
  });
  run("GET", "/api/plan", undefined, "Solving the plan first loaded...");
})();
