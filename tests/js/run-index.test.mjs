// The run index through the npm package in Node against the local S3 server: entries written by
// createRunLog / updateRunLogStatus / putRunLog, listRuns newest first with stacked filters and
// cursor paging, countRuns, details, reindex of runs magnus wrote with onProgress, bad options as
// typed errors, the HTTP API's /index routes, and DuckDB (.venv-duckdb) reading a copy of the
// entries with hive partitioning, answering the bench's three questions as listRuns does.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { S3RunLogStore, signRequest } from "magnus-s3";
import { createRunLogApi } from "magnus-s3/api";
import { config, env, uniquePrefix, objectUrl, signedFetch, shared, repo } from "./helpers.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const PLAN = [
  ["SUCCESS", "nightly"], ["FAIL", "nightly"], ["SUCCESS", "adhoc"], ["FAIL", "adhoc"], ["PROCESSING", "nightly"],
  ["FAIL", "nightly"], ["SUCCESS", ""], ["FAIL", "nightly"],
];

async function seeded(name) {
  const store = new S3RunLogStore(config(uniquePrefix(name)), env());
  for (const [i, [status, tag]] of PLAN.entries()) {
    await store.createRunLog(`j${i}`, { tag });
    await store.updateRunLogStatus(`j${i}`, status);
    await sleep(3); // distinct creation times
  }
  return store;
}

const ids = (page) => page.runs.map((r) => r.run_id);
const expect = (f) => PLAN.map((p, i) => [p, `j${i}`]).reverse().filter(([[s, t]]) => f(s, t)).map(([, id]) => id);

test("listRuns: newest first, filters that stack, cursor paging, counts, details", async () => {
  const store = await seeded("index-js");
  const all = await store.listRuns();
  assert.deepEqual(ids(all), expect(() => true));
  assert.equal(all.cursor, undefined);
  const r = all.runs[0];
  assert.deepEqual(Object.keys(r), ["run_id", "status", "tag", "created", "updated", "seq"]);
  assert.equal(r.seq, 2);
  assert.match(r.created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

  assert.deepEqual(ids(await store.listRuns({ status: "FAIL" })), expect((s) => s === "FAIL"));
  assert.deepEqual(ids(await store.listRuns({ status: ["FAIL", "PROCESSING"], tag: "nightly" })),
    expect((s, t) => s !== "SUCCESS" && t === "nightly"));
  const created = (id) => all.runs.find((x) => x.run_id === id).created;
  assert.deepEqual(ids(await store.listRuns({ since: new Date(created("j2")), until: created("j5") })), ["j5", "j4", "j3", "j2"]);
  assert.deepEqual(ids(await store.listRuns({ runIdPrefix: "j7" })), ["j7"]);

  const seen = [];
  let cursor;
  do {
    const page = await store.listRuns({ limit: 3, tag: "nightly", cursor });
    seen.push(...ids(page));
    cursor = page.cursor;
  } while (cursor);
  assert.deepEqual(seen, expect((_, t) => t === "nightly"));

  const counts = await store.countRuns({ since: created("j4") });
  assert.deepEqual(counts, { FAIL: 2, PROCESSING: 1, SUCCESS: 1 });

  const detailed = await store.listRuns({ status: "FAIL", limit: 1, details: true });
  assert.equal(detailed.runs[0].layout, "single");
  assert.equal(detailed.runs[0].steps_total, 0);
  assert.equal(detailed.runs[0].first_failed_step, null);
  assert.equal(typeof detailed.cursor, "string");
});

test("putRunLog keeps the index, and reindex indexes runs magnus wrote, reporting progress", async () => {
  const prefix = uniquePrefix("index-reindex-js");
  const store = new S3RunLogStore(config(prefix), env());
  // Two runs as magnus's own store writes them: no metadata, no entries.
  const dir = join(shared, "fixtures/magnus-0.4.22-s3/s3/objects/fixtures/runs");
  for (const name of ["s3-linear-success.json", "s3-failing-no-handler.json"]) {
    const res = await signedFetch(signRequest, "PUT", objectUrl(prefix, name.replace(/\.json$/, "")), readFileSync(join(dir, name)));
    assert.equal(res.status, 200);
  }
  assert.deepEqual(ids(await store.listRuns()), []);
  const progress = [];
  const report = await store.reindex({ concurrency: 1, onProgress: (done, total) => progress.push([done, total]) });
  assert.deepEqual(report, { runs: 2, written: 2, refreshed: 0, deleted: 0, unreadable: 0, failed: 0 });
  assert.deepEqual(progress.at(-1), [2, 2]);
  assert.ok(progress.length >= 2, JSON.stringify(progress));
  const failed = await store.listRuns({ status: "FAIL", details: true });
  assert.deepEqual(ids(failed), ["s3-failing-no-handler"]);
  assert.ok(failed.runs[0].steps_failed >= 1);
  assert.ok(failed.runs[0].first_failed_step.name.length > 0);

  // Our first change of a run magnus wrote replaces the entry reindex made for it.
  await store.updateRunLogStatus("s3-linear-success", "FAIL");
  assert.deepEqual(ids(await store.listRuns({ status: "FAIL" })).sort(), ["s3-failing-no-handler", "s3-linear-success"]);
  assert.deepEqual(await store.countRuns(), { FAIL: 2 });
  // putRunLog of a changed document (one this store wrote) moves it again.
  const log = await store.getRunLogById("s3-linear-success");
  log.status = "SUCCESS";
  log.tag = "again";
  await store.putRunLog(log);
  assert.deepEqual(ids(await store.listRuns({ tag: "again" })), ["s3-linear-success"]);
  assert.deepEqual(await store.countRuns(), { FAIL: 1, SUCCESS: 1 });
  assert.deepEqual(await store.reindex(), { runs: 2, written: 0, refreshed: 0, deleted: 0, unreadable: 0, failed: 0 });
  // The command: a progress line, then the report.
  const out = execFileSync("node", [join(repo, "scripts", "reindex.mjs"), "--prefix", prefix], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  assert.match(out, /^reindex: 2 runs, 0 entries written, 0 refreshed, 0 deleted, 0 unreadable, 0 failed, in [\d.]+ s$/m);
});

test("bad index options are typed errors", async () => {
  const store = new S3RunLogStore(config(uniquePrefix("index-bad")), env());
  const cases = [
    [() => store.listRuns({ cursor: "nope" }), "cursor"],
    [() => store.listRuns({ limit: 0 }), "limit"],
    [() => store.listRuns({ since: "yesterday" }), "since"],
    [() => store.listRuns({ status: [1] }), "status"],
    [() => store.countRuns({ until: 5 }), "until"],
    [() => store.reindex({ onProgress: "x" }), "onProgress"],
    [() => store.reindex({ concurrency: -1 }), "concurrency"],
    [() => store.createRunLog(".magnus-index"), "run id"],
    [() => store.listRuns({ since: new Date("x") }), "since"],
  ];
  for (const [call, argument] of cases) {
    await assert.rejects(call, (e) => e.name === "InvalidArgumentError" && e.argument === argument, argument);
  }
});

test("the HTTP API serves the index", async () => {
  const store = await seeded("index-http");
  const api = createRunLogApi(store);
  const get = (path) => api.fetch(new Request(`http://api.test${path}`));
  const res = await get("/index/runs?status=FAIL&status=PROCESSING&tag=nightly&limit=2");
  assert.equal(res.status, 200);
  const page = await res.json();
  assert.deepEqual(ids(page), expect((s, t) => s !== "SUCCESS" && t === "nightly").slice(0, 2));
  const next = await (await get(`/index/runs?status=FAIL&status=PROCESSING&tag=nightly&limit=2&cursor=${encodeURIComponent(page.cursor)}`)).json();
  assert.deepEqual(ids(next), expect((s, t) => s !== "SUCCESS" && t === "nightly").slice(2, 4));
  assert.deepEqual(await (await get("/index/counts")).json(), { FAIL: 4, PROCESSING: 1, SUCCESS: 3 });
  const bad = await get("/index/runs?cursor=x");
  assert.equal(bad.status, 400);
  assert.equal((await get("/index/runs?details=true&limit=101")).status, 400);
  assert.equal((await get("/index/runs?details=true&limit=100")).status, 200);
});

test("an engine without our code (DuckDB over a copy of the entries) answers as listRuns and countRuns do", async () => {
  const python = join(repo, ".venv-duckdb", "bin", "python");
  const prefix = uniquePrefix("index-duckdb");
  const store = new S3RunLogStore(config(prefix), env());
  for (const [i, [status, tag]] of PLAN.entries()) {
    await store.createRunLog(`d${i}`, { tag });
    await store.updateRunLogStatus(`d${i}`, status);
    await sleep(3);
  }
  const all = await store.listRuns();
  const since = all.runs.find((r) => r.run_id === "d3").created;
  const dir = mkdtempSync(join(tmpdir(), "magnus-index-"));
  execFileSync("node", [join(repo, "scripts", "index-export.mjs"), dir, prefix], { env: process.env, encoding: "utf8" });
  const out = JSON.parse(execFileSync(python, [join(repo, "scripts", "index-duckdb.py"), dir, since, "nightly"], { encoding: "utf8" }));
  assert.deepEqual(out.newest_fail, ids(await store.listRuns({ status: "FAIL" })));
  assert.deepEqual(out.counts, await store.countRuns({ since }));
  assert.deepEqual(out.tagged, ids(await store.listRuns({ tag: "nightly", since })));
});
