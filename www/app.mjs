// The run log dashboard: the npm package in the browser, signing requests to S3 itself. The
// store config (and, for the local demo, its test credentials) comes from ./config.json, which
// scripts/serve-www.mjs writes from the environment. Lists runs (auto-refreshing), shows one run:
// status, parameters, the step tree with branches, attempts, durations and errors.
import { S3RunLogStore } from "../pkg/web.mjs";

const $ = (sel) => document.querySelector(sel);
const el = (tag, attrs = {}, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (k === "class") e.className = v; else e.setAttribute(k, v);
  for (const k of kids) e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  return e;
};
const badge = (status) => el("span", { class: `status ${status}` }, status);

const { config, env } = await (await fetch("config.json")).json();
const store = new S3RunLogStore(config, env);
$("#where").textContent = `s3://${config.s3_bucket}/${config.prefix ?? ""}`;

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

async function show(runId) {
  selected = runId;
  history.replaceState(null, "", `#run=${encodeURIComponent(runId)}`);
  renderRuns();
  const detail = $("#detail");
  try {
    const log = await store.getRunLogById(runId, true);
    const url = config.layout === "chunked" ? null : await store.presignGetRunLog(runId, 900);
    detail.replaceChildren(
      el("h2", {}, log.run_id, " ", badge(log.status)),
      el("dl", {},
        el("dt", {}, "tag"), el("dd", {}, log.tag ?? "null"),
        el("dt", {}, "dag hash"), el("dd", {}, log.dag_hash ?? "null"),
        el("dt", {}, "re-run of"), el("dd", {}, log.original_run_id || "-"),
        el("dt", {}, "raw"), el("dd", {}, url ? el("a", { href: url, target: "_blank" }, "presigned JSON (15 min)") : "chunked"),
      ),
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
setInterval(() => $("#auto").checked && loadRuns().then(() => selected && show(selected)), 10_000);
window.dashboardReady = true;
