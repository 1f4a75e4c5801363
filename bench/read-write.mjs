// Big run logs across the JS boundary: getRunLogById of a ~5 MB run log against a signed fetch +
// JSON.parse of the same object, and putRunLog against JSON.stringify + a signed PUT (hashed with
// node:crypto, as a JS client would), in one process, alternating, against the local S3 server
// (scripts/s3-server.sh start; source .work/s3.env). Also the wasm memory after the reads.
//   node bench/read-write.mjs [rounds=10] [megabytes=5]
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { S3RunLogStore, signRequest } from "magnus-s3";

// The package's own wasm-bindgen module (the instance the store runs on), for its memory size.
const glue = createRequire(import.meta.url)("../pkg/dist/magnus_s3.cjs");
const mib = () => (glue.memoryBytes() / 2 ** 20).toFixed(1);

const rounds = Number(process.argv[2] ?? 10);
const megabytes = Number(process.argv[3] ?? 5);
const need = (k) => process.env[k] ?? (() => { throw new Error(`${k} is not set: source .work/s3.env`); })();
const endpoint = need("MAGNUS_TEST_S3_ENDPOINT");
const bucket = need("MAGNUS_TEST_S3_BUCKET");
const creds = { accessKeyId: need("MAGNUS_TEST_S3_KEY"), secretAccessKey: need("MAGNUS_TEST_S3_SECRET") };
const prefix = `bench/read-write-${Date.now()}`;
const store = new S3RunLogStore({ s3_bucket: bucket, prefix, endpoint_url: endpoint, region: "us-east-1" }, { AWS_ACCESS_KEY_ID: creds.accessKeyId, AWS_SECRET_ACCESS_KEY: creds.secretAccessKey });

/** A run like a big map step: many branches, each a step with an attempt and parameters. */
function bigRun(id, bytes) {
  const log = { run_id: id, dag_hash: "0".repeat(40), use_cached: false, tag: "bench", original_run_id: "", status: "SUCCESS", steps: {}, parameters: { x: 1, rate: 0.5 }, run_config: { executor: { type: "local" } } };
  const map = { name: "map", internal_name: "map", status: "SUCCESS", step_type: "map", message: "", mock: false, code_identities: [], attempts: [], user_defined_metrics: {}, branches: {}, data_catalog: [] };
  log.steps.map = map;
  let i = 0;
  while (JSON.stringify(log).length < bytes) {
    const b = `map.${i}`;
    map.branches[b] = { internal_name: b, status: "SUCCESS", steps: { [`${b}.process`]: {
      name: "process", internal_name: `${b}.process`, status: "SUCCESS", step_type: "task", message: "", mock: false,
      code_identities: [{ code_identifier: "edc24f933ebc1e00b9e8f86c3955c1259c196946", code_identifier_type: "git", code_identifier_dependable: true, code_identifier_url: "https://example.com/repo.git", code_identifier_message: "" }],
      attempts: [{ attempt_number: 1, start_time: "2026-11-25 13:17:27.051145", end_time: "2026-11-25 13:17:27.056195", duration: "0:00:00.005050", status: "SUCCESS", message: "", parameters: { chunk: i, rate: 0.25 + i / 1e6, name: `item ${i}` } }],
      user_defined_metrics: { score: i / 7 }, branches: {}, data_catalog: [{ name: `out_${i}.csv`, data_hash: "0bf3afaebb682066b74a00b1e93a62c460d6bae541d34976f926775caf6ed0d6", catalog_relative_path: `run/out_${i}.csv`, catalog_handler_location: ".catalog", stage: "put" }],
    } } };
    i++;
  }
  return log;
}

const url = (id) => `${endpoint}/${bucket}/${prefix}/${id}.json`;
const signOpts = { ...creds, region: "us-east-1", service: "s3" };

async function baselineRead(id) {
  const { headers } = signRequest({ method: "GET", url: url(id) }, signOpts);
  const r = await fetch(url(id), { headers });
  return JSON.parse(await r.text());
}

async function baselineWrite(log, id, indent) {
  const body = JSON.stringify(log, null, indent);
  const payloadHash = createHash("sha256").update(body).digest("hex");
  const { headers } = signRequest({ method: "PUT", url: url(id), headers: { "content-type": "application/json" } }, { ...signOpts, payloadHash });
  const r = await fetch(url(id), { method: "PUT", headers, body });
  if (r.status !== 200) throw new Error(`PUT ${r.status}`);
}

const stats = (xs) => { const s = [...xs].sort((a, b) => a - b); return { min: s[0], median: s[Math.floor(s.length / 2)] }; };
const time = async (f) => { const t = performance.now(); await f(); return performance.now() - t; };

// A run log of `megabytes` as magnus writes it (indent 4, ASCII): JSON.stringify's form is
// about 3.3 times smaller, so it is grown until magnus's text is big enough.
const memory = { start: mib() };
let log = bigRun("big", (megabytes * 1e6) / 3.4);
await store.putRunLog(log);
let stored = await store.getRunLogText("big");
while (stored.length < megabytes * 1e6) {
  log = bigRun("big", JSON.stringify(log).length * (megabytes * 1e6 / stored.length) * 1.02);
  await store.putRunLog(log);
  stored = await store.getRunLogText("big");
}
// Both sides read the same object (magnus's bytes); the baseline writes JSON.stringify's form
// to a second key, as a JS client would.
const sizes = { ours: stored.length, baseline: JSON.stringify(log).length };
const t = { read: [], readBase: [], write: [], writeBase: [], writeBase4: [] };
for (let r = 0; r < rounds; r++) {
  const order = r % 2 ? ["base", "ours"] : ["ours", "base"];
  // The module's memory right after our call is that call's peak (a memory never shrinks; a
  // restart happens at the package's next call).
  for (const who of order) {
    if (who === "ours") {
      t.read.push(await time(() => store.getRunLogById("big")));
      memory.read = mib();
    } else t.readBase.push(await time(() => baselineRead("big")));
  }
  for (const who of order) {
    if (who === "ours") {
      t.write.push(await time(() => store.putRunLog(log)));
      memory.write = mib();
    } else t.writeBase.push(await time(() => baselineWrite(log, "big-js")));
  }
  t.writeBase4.push(await time(() => baselineWrite(log, "big-js4", 4)));
}
const f = (xs) => { const s = stats(xs); return `${s.min.toFixed(1)} / ${s.median.toFixed(1)} ms`; };
const ratio = (a, b) => (stats(a).median / stats(b).median).toFixed(2);
console.log(`run log of ${(sizes.ours / 1e6).toFixed(2)} MB as magnus writes it (${(sizes.baseline / 1e6).toFixed(2)} MB as JSON.stringify writes it); ${rounds} rounds, alternating; min / median\n`);
console.log("| work | magnus-s3 | baseline | ratio (median) |\n|---|---|---|---|");
console.log(`| read into a JS object | ${f(t.read)} | ${f(t.readBase)} (signed fetch + JSON.parse) | ${ratio(t.read, t.readBase)} |`);
console.log(`| write from a JS object | ${f(t.write)} | ${f(t.writeBase)} (JSON.stringify + signed PUT) | ${ratio(t.write, t.writeBase)} |`);
console.log(`| write, same size | ${f(t.write)} | ${f(t.writeBase4)} (JSON.stringify(log, null, 4) + signed PUT) | ${ratio(t.write, t.writeBase4)} |`);
// An idle module over its memory limit restarts at its next call: one small call shows it.
await store.listRunLogs({ limit: 1 });
console.log(`\nwasm memory: ${memory.start} MiB at start; peak ${memory.read} MiB in a read, ${memory.write} MiB in a write; ${mib()} MiB at the next call (an idle module over 32 MiB restarts)`);
