// The scheduler dashboard's only script: refreshes the overview's numbers in place every few seconds, and asks before a
// change that cannot be undone. No framework, no build step.
(function () {
  "use strict";
  var body = document.body;
  var base = body.getAttribute("data-base") || "";
  var every = parseInt(body.getAttribute("data-refresh"), 10) || 2000;

  document.addEventListener("submit", function (e) {
    var question = e.target.getAttribute && e.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) e.preventDefault();
  });

  if (body.getAttribute("data-live") !== "true") return;

  function count(n) { return Number(n).toLocaleString("en-US"); }
  function time(iso) { return iso ? new Date(iso).toISOString().replace("T", " ") : "–"; }
  function duration(ms) {
    if (ms === null || ms === undefined) return "–";
    if (ms < 1000) return Math.round(ms) + " ms";
    if (ms < 60000) return (ms / 1000).toFixed(1) + " s";
    return Math.floor(ms / 60000) + " min " + Math.floor((ms % 60000) / 1000) + " s";
  }
  function get(path) {
    return fetch(base + path, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) throw new Error(path + " answered " + r.status);
      return r.json();
    });
  }
  function cell(row, text, cls) {
    var td = document.createElement("td");
    td.textContent = text;
    if (cls) td.className = cls;
    row.appendChild(td);
  }
  function empty(tbody, columns, text) {
    var row = document.createElement("tr");
    row.className = "empty";
    var td = document.createElement("td");
    td.colSpan = columns;
    td.textContent = text;
    row.appendChild(td);
    tbody.appendChild(row);
  }

  function showCounts(c) {
    document.querySelectorAll("[data-count]").forEach(function (el) {
      var v = c[el.getAttribute("data-count")];
      if (v !== undefined) el.textContent = count(v);
    });
    var updated = document.querySelector("[data-updated]");
    if (updated) updated.textContent = time(c.atUtc);
    document.querySelectorAll("tbody[data-labels]").forEach(function (tbody) {
      var labels = c[tbody.getAttribute("data-labels")] || {};
      var filter = { byMessageType: "type", byDestination: "destination", byChannel: "channel" }[tbody.getAttribute("data-labels")];
      var keys = Object.keys(labels).sort(function (a, b) {
        var d = (labels[b].pending + labels[b].deadLettered) - (labels[a].pending + labels[a].deadLettered);
        return d !== 0 ? d : (a < b ? -1 : a > b ? 1 : 0);
      });
      tbody.textContent = "";
      keys.forEach(function (key) {
        var row = document.createElement("tr");
        var name = document.createElement("td");
        var link = document.createElement("a");
        link.href = base + "/waiting?" + filter + "=" + encodeURIComponent(key);
        link.title = key;
        link.textContent = filter === "type" ? key.substring(key.lastIndexOf(":") + 1) : key;
        name.appendChild(link);
        row.appendChild(name);
        cell(row, count(labels[key].pending), "n");
        var dead = document.createElement("td");
        dead.className = "n";
        var deadLink = document.createElement("a");
        deadLink.href = base + "/dead?" + filter + "=" + encodeURIComponent(key);
        deadLink.textContent = count(labels[key].deadLettered);
        dead.appendChild(deadLink);
        row.appendChild(dead);
        tbody.appendChild(row);
      });
      if (keys.length === 0) empty(tbody, 3, "None.");
    });
  }

  function showHistogram(h) {
    var box = document.querySelector("[data-histogram]");
    if (!box) return;
    var max = Math.max.apply(null, [1].concat(h.counts));
    var total = 0;
    box.textContent = "";
    h.counts.forEach(function (n, i) {
      total += n;
      var bar = document.createElement("div");
      bar.className = "bar";
      bar.style.height = (n === 0 ? 0 : Math.max(2, 100 * n / max)) + "%";
      bar.title = time(new Date(new Date(h.startUtc).getTime() + i * h.bucketWidthMs).toISOString()) + ": " + count(n);
      box.appendChild(bar);
    });
    var t = document.querySelector("[data-histogram-total]");
    if (t) t.textContent = count(total);
  }

  var previous = null;
  function showBridges(bridges) {
    var tbody = document.querySelector("tbody[data-bridges]");
    if (!tbody) return;
    tbody.textContent = "";
    var delivered = 0;
    bridges.forEach(function (b) {
      delivered += b.delivered;
      var row = document.createElement("tr");
      row.setAttribute("data-bridge", b.bridgeId);
      cell(row, b.host);
      cell(row, String(b.processId));
      cell(row, time(b.startedUtc));
      cell(row, time(b.lastSeenUtc));
      cell(row, time(b.lastClaimUtc));
      cell(row, count(b.delivered), "n");
      cell(row, duration(b.latenessP50Ms), "n");
      cell(row, duration(b.latenessP99Ms), "n");
      tbody.appendChild(row);
    });
    if (bridges.length === 0) empty(tbody, 8, "No bridge has reported in the last minute.");
    var now = Date.now();
    var rate = document.querySelector("[data-rate]");
    if (rate && previous && now > previous.at) {
      rate.textContent = count(Math.max(0, Math.round((delivered - previous.delivered) * 10000 / (now - previous.at)) / 10));
    }
    previous = { at: now, delivered: delivered };
  }

  function tick() {
    var status = document.querySelector("[data-status]");
    Promise.all([get("/api/counts"), get("/api/histogram"), get("/api/bridges")]).then(function (r) {
      showCounts(r[0]);
      showHistogram(r[1]);
      showBridges(r[2]);
      if (status) { status.textContent = "· live"; status.className = "status"; }
    }).catch(function (e) {
      if (status) { status.textContent = "· refresh failed: " + e.message; status.className = "status failed"; }
    }).then(function () { window.setTimeout(tick, every); });
  }
  tick();
})();
