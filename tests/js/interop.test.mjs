// Two-way interop with real magnus (0.4.22 + magnus-extensions 0.2.13, in .venv-magnus) on the same
// bucket of the local S3 server: magnus writes and we read (s3 and chunked-s3 stores), we write and
// magnus reads, searches and updates, and our bytes are the bytes magnus writes for the same document.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { S3RunLogStore, signRequest } from "magnus-s3";
import { repo, need, bucket, endpoint, env, objectUrl, signedFetch, uniquePrefix } from "./helpers.mjs";

const block = (type, prefix) => ({
  type,
  config: { s3_bucket: bucket(), prefix, region: "us-east-1", use_credentials: true, aws_access_key_name: "INTEROP_KEY", aws_secret_access_key_name: "INTEROP_SECRET" },
});
const pyEnv = () => ({
  ...process.env,
  AWS_CONFIG_FILE: "/dev/null",
  AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
  AWS_ENDPOINT_URL_S3: endpoint(),
  INTEROP_KEY: need("MAGNUS_TEST_S3_KEY"),
  INTEROP_SECRET: need("MAGNUS_TEST_S3_SECRET"),
});
const magnusTool = (command, storeBlock, runId) =>
  execFileSync(join(repo, ".venv-magnus", "bin", "python"), [join(repo, "tests", "interop", "magnus_tool.py"), command, JSON.stringify(storeBlock), runId], {
    env: pyEnv(),
    encoding: "utf8",
  });
const runMagnus = (runId, type, prefix) => execFileSync(join(repo, "tests", "interop", "run_magnus.sh"), [runId, type, prefix], { env: process.env, stdio: "inherit" });
const ourStore = (storeBlock) => new S3RunLogStore(storeBlock, { INTEROP_KEY: need("MAGNUS_TEST_S3_KEY"), INTEROP_SECRET: need("MAGNUS_TEST_S3_SECRET"), AWS_ENDPOINT_URL_S3: endpoint() });

test("magnus writes (s3 store), we read the same run log, and write its exact bytes", async () => {
  const prefix = uniquePrefix("interop-s3");
  const runId = `magnus-s3-${Date.now()}`;
  runMagnus(runId, "s3", prefix);
  const magnusView = JSON.parse(magnusTool("dump", block("s3", prefix), runId));
  assert.equal(magnusView.status, "SUCCESS");
  const ours = await ourStore(block("s3", prefix)).getRunLogById(runId);
  assert.deepEqual(ours, magnusView);
  assert.equal(JSON.stringify(ours), JSON.stringify(magnusView), "same key order");
  assert.ok(ours.steps.fan.branches["fan.left"].steps["fan.left.inner_map"].branches["fan.left.inner_map.beta"]);

  const magnusBytes = Buffer.from(await (await signedFetch(signRequest, "GET", objectUrl(prefix, runId))).arrayBuffer());
  await ourStore(block("s3", prefix)).putRunLog(ours);
  const ourBytes = Buffer.from(await (await signedFetch(signRequest, "GET", objectUrl(prefix, runId))).arrayBuffer());
  assert.ok(ourBytes.equals(magnusBytes), "our PUT of magnus's document is byte-identical to magnus's object");
});

test("magnus writes (chunked-s3 store), our assembled document equals magnus's full read", async () => {
  const prefix = uniquePrefix("interop-chunked");
  const runId = `magnus-chunked-${Date.now()}`;
  runMagnus(runId, "chunked-s3", prefix);
  const magnusView = JSON.parse(magnusTool("dump", block("chunked-s3", prefix), runId));
  const ours = await ourStore(block("chunked-s3", prefix)).getRunLogById(runId, true);
  assert.deepEqual(ours, magnusView);
  assert.equal(Object.keys(ours.steps.fan.branches["fan.left"].steps["fan.left.inner_map"].branches).length, 3);
});

test("we write, magnus validates, finds every step, updates; we read magnus's update", async () => {
  const prefix = uniquePrefix("interop-ours");
  const store = ourStore(block("s3", prefix));
  const id = "written-by-js";
  await store.createRunLog(id, { dag_hash: "0123456789abcdef0123456789abcdef01234567", tag: "edge", status: "PROCESSING" });
  await store.setParameters(id, { x: 1, "名前": "🚀", ratio: 0.95, tiny: 1e-7, nested: { list: [1, 2.5, true, null] } });
  await store.setRunConfig(id, { executor: { type: "lambda" } });
  const attempt = (n) => ({ ...store.createAttemptLog(), attempt_number: n, status: "SUCCESS", start_time: "2026-11-25 10:00:00.000001", end_time: "2026-11-25 10:00:01", duration: "0:00:00.999999", parameters: { x: 1 } });
  const step = (name, internal, type = "task") => {
    const s = store.createStepLog(name, internal);
    Object.assign(s, { status: "SUCCESS", step_type: type });
    s.code_identities.push({ ...store.createCodeIdentity(), code_identifier: "abc", code_identifier_type: "git", code_identifier_dependable: true });
    if (type === "task" || type === "success") s.attempts.push(attempt(1));
    return s;
  };
  await store.addStepLog(step("prepare", "prepare"), id);
  await store.addStepLog(step("fan", "fan", "parallel"), id);
  for (const b of ["fan.a", "fan.b"]) {
    await store.addBranchLog({ ...store.createBranchLog(b), status: "SUCCESS" }, id);
    const t = step("task", `${b}.task`);
    t.data_catalog.push({ ...store.createDataCatalog("out.csv"), stage: "put", data_hash: "ff", catalog_relative_path: `${id}/out.csv`, catalog_handler_location: ".catalog" });
    await store.addStepLog(t, id);
    await store.addStepLog(step("success", `${b}.success`, "success"), id);
  }
  await store.addStepLog(step("loop", "fan.a.loop", "map"), id);
  await store.addBranchLog({ ...store.createBranchLog("fan.a.loop.1"), status: "SUCCESS" }, id);
  await store.addStepLog(step("inner", "fan.a.loop.1.inner"), id);
  await store.addStepLog(step("success", "success", "success"), id);
  await store.updateRunLogStatus(id, "SUCCESS");

  const written = await store.getRunLogById(id);
  const checked = JSON.parse(magnusTool("check", block("s3", prefix), id));
  assert.equal(checked.status, "SUCCESS");
  assert.deepEqual(checked.found, [
    "prepare", "fan", "fan.a", "fan.a.task", "fan.a.success", "fan.a.loop", "fan.a.loop.1", "fan.a.loop.1.inner",
    "fan.b", "fan.b.task", "fan.b.success", "success",
  ]);
  // byte identity: what magnus would write for this document is what we stored
  const ourBytes = Buffer.from(await (await signedFetch(signRequest, "GET", objectUrl(prefix, id))).arrayBuffer());
  assert.equal(magnusTool("bytes", block("s3", prefix), id), ourBytes.toString("utf8"));

  magnusTool("update", block("s3", prefix), id);
  const after = await store.getRunLogById(id);
  assert.equal(after.steps.from_magnus.status, "SUCCESS");
  assert.deepEqual(after.parameters.set_by_magnus, [1, 2.5, "ü"]);
  assert.deepEqual(after.steps.fan, written.steps.fan, "magnus's update kept everything we wrote");
});
