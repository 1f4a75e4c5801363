// The run log dashboard. ./config.json says where run logs come from: `{ api }`, the package's
// read-only HTTP API (magnus-s3/api; scripts/serve-www.mjs serves it, the page holds no
// credentials, and refreshes poll with If-None-Match so unchanged runs cost a 304), or
// `{ config, env }` for a static page that signs its own requests with the npm package in the
// browser. Lists runs (auto-refreshing), shows one run: status, parameters, the step tree with
// branches, attempts, durations and errors.

const $ = (sel) => document.querySelector(sel);
const el = (tag, attrs = {}, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (k === "class") e.className = v; else e.setAttribute(k, v);
  for (const k of kids) e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  return e;
};
const badge = (status) => el("span", { class: `status ${status}` }, status);

/** The store's read methods over the HTTP API, with an ETag cache per URL. */
function apiStore(base) {
  const cache = new Map();
  window.dashboardStats = { requests: 0, notModified: 0 };
  async function get(path) {
    const url = base + path;
    const hit = cache.get(url);
    const r = await fetch(url, { headers: hit ? { "if-none-match": hit.etag } : {} });
    window.dashboardStats.requests++;
    if (r.status === 304 && hit) {
      window.dashboardStats.notModified++;
      return hit.body;
    }
    const body = await r.json();
    if (!r.ok) throw Object.assign(new Error(body.message), { name: body.error });
    const etag = r.headers.get("etag");
    if (etag) cache.set(url, { etag, body });
    return body;
  }
  const run = (id) => `/runs/${encodeURIComponent(id)}`;
  return {
    listRunLogs: () => get("/runs?limit=1000"),
    getRunLogById: (id, full) => get(full ? run(id) : `${run(id)}?full=false`),
    presignGetRunLog: async (id, seconds) => (await get(`${run(id)}/presigned?expiresIn=${seconds}`)).url,
  };
}

const page = await (await fetch("config.json")).json();
const store = page.api
  ? apiStore(page.api)
  : new (await import("../pkg/web.mjs")).S3RunLogStore(page.config, page.env);
const layout = page.layout ?? page.config?.layout ?? "single";
$("#where").textContent = page.where ?? `s3://${page.config.s3_bucket}/${page.config.prefix ?? ""}`;

let runs = [];
let selected = new URLSearchParams(location.hash.slice(1)).get("run");

async function loadRuns() {
  const page = await store.listRunLogs({ limit: 1000 });
  // status lives in each run log; read them (small, parallel) to show it in the list
  const logs = await Promise.all(page.map((r) => store.getRunLogById(r.run_id, false).catch((e) => ({ status: e.name }))));
  runs = page.map((r, i) => ({ ...r, status: logs[i].status }));
  renderRuns();
}

function renderRuns() {
  const f = $("#filter").value.toLowerCase();
  const body = $("#runs tbody");
  body.replaceChildren(
    ...runs
      .filter((r) => r.run_id.toLowerCase().includes(f))
      .map((r) => {
        const tr = el("tr", { "data-run": r.run_id }, el("td", {}, r.run_id), el("td", {}, badge(r.status)), el("td", { class: "muted" }, r.layout), el("td", { class: "muted" }, (r.last_modified ?? "").replace("T", " ").slice(0, 16)));
        if (r.run_id === selected) tr.classList.add("selected");
        tr.onclick = () => show(r.run_id);
        return tr;
      }),
  );
  $("#more").textContent = `${runs.length} runs`;
}

function stepTree(steps) {
  const ul = el("ul", { class: "tree" });
  for (const s of Object.values(steps)) {
    const last = s.attempts.at(-1);
    const row = el("div", { class: "step" }, badge(s.status), el("span", { class: "name" }, s.name), el("span", { class: "muted" }, s.step_type));
    if (last) row.append(el("span", { class: "muted" }, `attempt ${last.attempt_number}, ${last.duration || "?"}`));
    if (s.mock) row.append(el("span", { class: "muted" }, "mocked"));
    const li = el("li", { "data-step": s.internal_name }, row);
    for (const a of s.attempts) if (a.message) li.append(el("div", { class: "error" }, a.message));
    if (s.data_catalog.length) li.append(el("div", { class: "muted" }, `catalog: ${s.data_catalog.map((c) => `${c.stage} ${c.name}`).join(", ")}`));
    for (const b of Object.values(s.branches)) {
      const bl = el("li", { class: "branch", "data-branch": b.internal_name }, el("div", { class: "step" }, badge(b.status), el("span", { class: "name" }, b.internal_name)));
      bl.append(stepTree(b.steps));
      li.append(el("ul", {}, bl));
    }
    ul.append(li);
  }
  return ul;
}

// magnus writes str(datetime.now()): local time, no zone, "YYYY-MM-DD HH:MM:SS[.ffffff]".
const parseTime = (t) => (t ? Date.parse(t.replace(" ", "T").slice(0, 23)) : NaN);

/** Every attempt with a start and an end, depth first, with its step and nesting depth. */
function attempts(steps, depth = 0, out = []) {
  for (const s of Object.values(steps)) {
    for (const a of s.attempts) {
      const start = parseTime(a.start_time), end = parseTime(a.end_time);
      if (Number.isFinite(start) && Number.isFinite(end)) out.push({ step: s, attempt: a, start, end, depth });
    }
    for (const b of Object.values(s.branches)) attempts(b.steps, depth + 1, out);
  }
  return out;
}

/** A Gantt chart of the run's attempts: one bar per attempt, placed on the run's time span. */
function timeline(steps) {
  const rows = attempts(steps);
  if (!rows.length) return el("p", { class: "muted" }, "no timed attempts");
  const t0 = Math.min(...rows.map((r) => r.start));
  const span = Math.max(1, Math.max(...rows.map((r) => r.end)) - t0);
  const chart = el("div", { class: "gantt" });
  for (const r of rows) {
    const left = ((r.start - t0) / span) * 100;
    const width = Math.max(0.4, ((r.end - r.start) / span) * 100);
    const bar = el("div", { class: `bar ${r.attempt.status}`, style: `left:${left}%;width:${width}%`, title: `${r.step.internal_name}: ${r.attempt.start_time} → ${r.attempt.end_time} (${r.attempt.duration})` });
    chart.append(el("div", { class: "row", "data-attempt": r.step.internal_name }, el("span", { class: "label", style: `padding-left:${r.depth}rem` }, r.step.name), el("span", { class: "track" }, bar)));
  }
  chart.append(el("div", { class: "row axis" }, el("span", { class: "label" }), el("span", { class: "track muted" }, `0 → ${(span / 1000).toFixed(3)} s`)));
  return chart;
}

async function show(runId) {
  selected = runId;
  history.replaceState(null, "", `#run=${encodeURIComponent(runId)}`);
  renderRuns();
  const detail = $("#detail");
  try {
    const log = await store.getRunLogById(runId, true);
    const url = layout === "chunked" ? null : await store.presignGetRunLog(runId, 900);
    detail.replaceChildren(
      el("h2", {}, log.run_id, " ", badge(log.status)),
      el("dl", {},
        el("dt", {}, "tag"), el("dd", {}, log.tag ?? "null"),
        el("dt", {}, "dag hash"), el("dd", {}, log.dag_hash ?? "null"),
        el("dt", {}, "re-run of"), el("dd", {}, log.original_run_id || "-"),
        el("dt", {}, "raw"), el("dd", {}, url ? el("a", { href: url, target: "_blank" }, "presigned JSON (15 min)") : "chunked"),
      ),
      el("h3", {}, "timeline"),
      timeline(log.steps),
      el("h3", {}, "steps"),
      stepTree(log.steps),
      el("h3", {}, "parameters"),
      el("pre", {}, JSON.stringify(log.parameters, null, 2)),
    );
  } catch (e) {
    detail.replaceChildren(el("p", { class: "error" }, `${e.name}: ${e.message}`));
  }
}

$("#filter").oninput = renderRuns;
await loadRuns();
if (selected) await show(selected);
const refresh = () => loadRuns().then(() => selected && show(selected));
setInterval(() => $("#auto").checked && refresh(), 10_000);
window.dashboardRefresh = refresh;
window.dashboardReady = true;
