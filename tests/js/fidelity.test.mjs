// Run logs across the JS boundary keep what JS objects cannot hold: Python's integral floats
// (1.0, 0.0), exponents (1e+16, 1e-07), big integers, -0.0, NaN / Infinity, and integer-like key
// order. Through every read-modify-write method and putRunLog of a document this store read, in
// both layouts, an unchanged value keeps its stored text; a changed one gets JS's.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { S3RunLogStore } from "magnus-s3";
import { join } from "node:path";
import { config, env, shared, uniquePrefix } from "./helpers.mjs";

const SPECIAL = `{"dropout": 0.0, "score": 1.0, "big": 12345678901234567890123, "tiny": 1e-07, "huge": 1e+16, "neg": -0.0, "nan": NaN, "inf": Infinity, "b": 1, "10": "ten", "2": "two", "nested": {"3": 1.0, "a": [2.0, 1e+22]}}`;

/** `text` as Python's json.dumps(indent=4, ensure_ascii=True) writes it: magnus's bytes. */
function python(text) {
  const code = "import json,sys; sys.stdout.write(json.dumps(json.loads(sys.stdin.read()), indent=4, ensure_ascii=True))";
  return execFileSync("python3", ["-c", code], { input: text, encoding: "utf8" });
}

function document(runId) {
  // Built as text (JS cannot express it as an object), then written as Python writes it.
  return python(`{"run_id": "${runId}", "dag_hash": "", "use_cached": false, "tag": "", "original_run_id": "", "status": "SUCCESS",
 "steps": {"fan": {"name": "fan", "internal_name": "fan", "status": "SUCCESS", "step_type": "parallel", "message": "", "mock": false,
   "code_identities": [], "attempts": [], "user_defined_metrics": ${SPECIAL},
   "branches": {"fan.a": {"internal_name": "fan.a", "status": "SUCCESS", "steps": {"fan.a.t": {"name": "t", "internal_name": "fan.a.t",
     "status": "SUCCESS", "step_type": "task", "message": "", "mock": false, "code_identities": [],
     "attempts": [{"attempt_number": 1, "start_time": "", "end_time": "", "duration": "", "status": "SUCCESS", "message": "", "parameters": ${SPECIAL}}],
     "user_defined_metrics": ${SPECIAL}, "branches": {}, "data_catalog": []}}, "extra": ${SPECIAL}}}, "data_catalog": []}},
 "parameters": ${SPECIAL}, "run_config": ${SPECIAL}}`);
}

for (const layout of ["single", "chunked"]) {
  test(`${layout}: unchanged numbers and key order survive every write from JS`, async () => {
    const store = new S3RunLogStore(config(uniquePrefix(`fidelity-${layout}`), { layout }), env());
    await store.putRunLogText(document("r"));
    const before = await store.getRunLogText("r");
    for (const text of ["1.0", "0.0", "12345678901234567890123", "1e-07", "1e+16", "-0.0", "NaN", "Infinity", '"10": "ten",\n']) {
      assert.ok(before.includes(text), `${text} in the stored document`);
    }
    const unchanged = async (what, f) => {
      await f();
      assert.equal(await store.getRunLogText("r"), before, `${what} changed the stored text`);
    };
    await unchanged("putRunLog", async () => store.putRunLog(await store.getRunLogById("r")));
    await unchanged("putRunLog after a change elsewhere", async () => {
      const log = await store.getRunLogById("r");
      log.tag = "";
      await store.putRunLog(log);
    });
    await unchanged("addStepLog", async () => store.addStepLog(await store.getStepLog("fan.a.t", "r"), "r"));
    await unchanged("addStepLog of a composite step", async () => store.addStepLog(await store.getStepLog("fan", "r"), "r"));
    await unchanged("addBranchLog", async () => store.addBranchLog(await store.getBranchLog("fan.a", "r"), "r"));
    await unchanged("setParameters", async () => store.setParameters("r", await store.getParameters("r")));
    await unchanged("setRunConfig", async () => store.setRunConfig("r", await store.getRunConfig("r")));
    await unchanged("updateRunLogStatus", async () => store.updateRunLogStatus("r", "SUCCESS"));

    // A changed value gets JS's text; a new key follows the stored ones.
    await store.setParameters("r", { score: 2, added: 0.5 });
    const params = await store.getRunLogText("r");
    assert.match(params, /"score": 2,/);
    assert.match(params, /"dropout": 0\.0,/);
    const log = await store.getRunLogById("r");
    log.parameters.big = 7;
    await store.putRunLog(log);
    const after = await store.getRunLogText("r");
    assert.match(after, /"big": 7,/);
    assert.match(after, /"huge": 1e\+16,/);
    // the JS object itself still has JS's numbers and order (that is what JS can hold)
    assert.deepEqual(Object.keys(log.parameters).slice(0, 2), ["2", "10"]);
  });
}

test("getRunLogText / putRunLogText keep the exact text and check it", async () => {
  const store = new S3RunLogStore(config(uniquePrefix("text")), env());
  const compact = `{"run_id":"t","status":"SUCCESS","parameters":{"x":1.50,"y":1E5}}`;
  await store.putRunLogText(compact);
  assert.equal(await store.getRunLogText("t"), compact, "as given, byte for byte");
  await assert.rejects(store.putRunLogText(`{"run_id": "t", "steps": []}`), { name: "InvalidRunLogError", path: "$.steps" });
  await assert.rejects(store.putRunLogText(`{"run_id": `), { name: "InvalidRunLogError" });
  await assert.rejects(store.getRunLogText("nope"), { name: "RunLogNotFoundError" });
});

// The fast paths (src/verbatim.rs): a run log in magnus's own shape is handed to JSON.parse as
// stored and written back from JSON.stringify's text in one pass. Every run log magnus wrote
// comes back byte for byte through getRunLogById + putRunLog.
test("every magnus fixture survives getRunLogById + putRunLog byte for byte", async () => {
  const { readdirSync, readFileSync } = await import("node:fs");
  const dir = join(shared, "fixtures", "magnus-0.5.1");
  const files = readdirSync(dir).filter((f) => f.endsWith(".json"));
  assert.ok(files.length >= 10, `${files.length} fixtures`);
  const store = new S3RunLogStore(config(uniquePrefix("fixtures")), env());
  for (const f of files) {
    const text = readFileSync(join(dir, f), "utf8");
    await store.putRunLogText(text);
    const runId = JSON.parse(text).run_id;
    await store.putRunLog(await store.getRunLogById(runId));
    assert.equal(await store.getRunLogText(runId), text, f);
  }
});

test("a document in magnus's shape keeps its float texts through a change made in JS", async () => {
  const store = new S3RunLogStore(config(uniquePrefix("fast-fix")), env());
  const text = python(`{"run_id": "f", "dag_hash": "", "use_cached": false, "tag": "", "original_run_id": "", "status": "SUCCESS",
    "steps": {}, "parameters": {"dropout": 0.0, "huge": 1e+16, "b": 1, "10": "ten", "2": "two"}, "run_config": {}}`);
  await store.putRunLogText(text);
  const log = await store.getRunLogById("f");
  assert.deepEqual(Object.keys(log.parameters), ["2", "10", "dropout", "huge", "b"], "JS's own order in the object");
  log.parameters.b = 2;
  log.status = "FAIL";
  await store.putRunLog(log);
  const want = text.replace('"b": 1', '"b": 2').replace('"SUCCESS"', '"FAIL"');
  assert.equal(await store.getRunLogText("f"), want, "stored texts and order kept, the changes made");
});
