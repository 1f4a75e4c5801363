// The whole JS API of the store against SeaweedFS (SigV4 checked): every method, nested steps and
// branches, listing, presigned URLs fetched with plain fetch, and the typed errors of S3 answers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { S3RunLogStore, signRequest, presignUrl } from "magnus-s3";
import { config, env, uniquePrefix, endpoint, bucket, need } from "./helpers.mjs";

const newStore = (name, extra) => new S3RunLogStore(config(uniquePrefix(name), extra), env());

test("createRunLog, getRunLogById, RunLogExistsError, RunLogNotFoundError", async () => {
  const store = newStore("create");
  const created = await store.createRunLog("run-1", { dag_hash: "abc", tag: "t" });
  assert.equal(created.status, "CREATED");
  assert.deepEqual(Object.keys(created), ["run_id", "dag_hash", "use_cached", "tag", "original_run_id", "status", "steps", "parameters", "run_config"]);
  assert.deepEqual(await store.getRunLogById("run-1"), created);
  await assert.rejects(store.createRunLog("run-1"), { name: "RunLogExistsError", runId: "run-1" });
  await assert.rejects(store.getRunLogById("missing"), { name: "RunLogNotFoundError", runId: "missing" });
});

test("every method builds and reads a nested run", async () => {
  const store = newStore("api");
  const id = "pipeline ü run";
  await store.createRunLog(id, { status: "PROCESSING" });
  await store.setParameters(id, { x: 1, greeting: "hi" });
  await store.setParameters(id, { more: [1, 2.5], x: 2 });
  assert.deepEqual(await store.getParameters(id), { x: 2, greeting: "hi", more: [1, 2.5] });
  assert.deepEqual(Object.keys(await store.getParameters(id)), ["x", "greeting", "more"]);
  await store.setRunConfig(id, { executor: { type: "local" } });
  assert.deepEqual(await store.getRunConfig(id), { executor: { type: "local" } });

  const fan = store.createStepLog("fan", "fan");
  fan.step_type = "parallel";
  await store.addStepLog(fan, id);
  await store.addBranchLog(store.createBranchLog("fan.a"), id);
  const task = store.createStepLog("task", "fan.a.task");
  const attempt = store.createAttemptLog();
  Object.assign(attempt, { attempt_number: 1, status: "SUCCESS", parameters: { x: 2 } });
  task.attempts.push(attempt);
  task.code_identities.push(store.createCodeIdentity());
  task.data_catalog.push({ ...store.createDataCatalog("data/out.csv"), stage: "put" });
  task.status = "SUCCESS";
  await store.addStepLog(task, id);

  assert.deepEqual(await store.getStepLog("fan.a.task", id), task);
  assert.equal(Object.keys((await store.getBranchLog("fan.a", id)).steps).length, 1);
  await assert.rejects(store.getStepLog("fan.b.task", id), { name: "StepLogNotFoundError", missing: "fan.b", runId: id });
  await assert.rejects(store.getBranchLog("fan.zz", id), { name: "BranchLogNotFoundError", missing: "fan.zz" });
  await assert.rejects(store.addStepLog(store.createStepLog("x", "ghost.b.x"), id), { name: "BranchLogNotFoundError", missing: "ghost" });
  await store.updateRunLogStatus(id, "SUCCESS");

  const log = await store.getRunLogById(id, true);
  assert.equal(log.status, "SUCCESS");
  assert.equal(log.steps.fan.branches["fan.a"].steps["fan.a.task"].attempts[0].parameters.x, 2);
  log.parameters.added_in_js = { nested: true };
  await store.putRunLog(log);
  assert.deepEqual(await store.getRunLogById(id), log);
});

test("listRunLogs paginates with startAfter", async () => {
  const store = newStore("list");
  const ids = Array.from({ length: 5 }, (_, i) => `r-${i}`);
  for (const id of ids) await store.createRunLog(id);
  const seen = [];
  let startAfter;
  for (let i = 0; i < 10; i++) {
    const page = await store.listRunLogs({ limit: 2, startAfter });
    if (page.length === 0) break;
    assert.ok(page.length <= 2);
    for (const r of page) {
      assert.equal(r.layout, "single");
      assert.ok(r.size > 100 && r.last_modified && r.etag);
    }
    seen.push(...page.map((r) => r.run_id));
    startAfter = page.at(-1).run_id;
  }
  assert.deepEqual(seen, ids);
});

test("presigned URLs are fetched with plain fetch", async () => {
  const store = newStore("presign");
  await store.createRunLog("p");
  const url = await store.presignGetRunLog("p", 60);
  const resp = await fetch(url);
  assert.equal(resp.status, 200);
  assert.equal((await resp.json()).run_id, "p");
  assert.equal((await fetch(url.replace("X-Amz-Expires=60", "X-Amz-Expires=61"))).status, 403);

  const key = new URL(url).pathname;
  const generic = presignUrl(
    { method: "GET", url: `${endpoint()}${key}` },
    { accessKeyId: need("MAGNUS_TEST_S3_KEY"), secretAccessKey: need("MAGNUS_TEST_S3_SECRET"), region: "us-east-1", service: "s3", expiresIn: 30 },
  );
  assert.equal((await fetch(generic)).status, 200);
});

test("signRequest headers work with fetch for PUT and GET", async () => {
  const url = `${endpoint()}/${bucket()}/${uniquePrefix("sign")}/hello world.txt`.replace(" ", "%20");
  const opts = { accessKeyId: need("MAGNUS_TEST_S3_KEY"), secretAccessKey: need("MAGNUS_TEST_S3_SECRET"), region: "us-east-1", service: "s3" };
  const body = new TextEncoder().encode("héllo");
  const put = signRequest({ method: "PUT", url, body, headers: { "content-type": "text/plain" } }, opts);
  assert.equal((await fetch(url, { method: "PUT", headers: put.headers, body })).status, 200);
  const get = signRequest({ method: "GET", url }, opts);
  assert.equal(await (await fetch(url, { headers: get.headers })).text(), "héllo");
  const bad = signRequest({ method: "GET", url }, { ...opts, secretAccessKey: "wrong" });
  assert.equal((await fetch(url, { headers: bad.headers })).status, 403);
});

test("S3 errors are typed: wrong secret, unknown key, access denied, missing bucket, network", async () => {
  const prefix = uniquePrefix("errors");
  const wrong = new S3RunLogStore(config(prefix), { ...env(), AWS_SECRET_ACCESS_KEY: "not-the-secret-xyz" });
  const err = await wrong.createRunLog("r").catch((e) => e);
  assert.equal(err.name, "S3Error");
  assert.equal(err.status, 403);
  assert.equal(err.code, "SignatureDoesNotMatch");
  assert.ok(err.requestId);
  assert.ok(!JSON.stringify({ m: err.message, s: err.stack }).includes("not-the-secret-xyz"));

  const unknown = new S3RunLogStore(config(prefix), { AWS_ACCESS_KEY_ID: "AKIANOBODY", AWS_SECRET_ACCESS_KEY: "x" });
  await assert.rejects(unknown.getRunLogById("r"), { name: "S3Error", code: "InvalidAccessKeyId", status: 403 });

  const admin = new S3RunLogStore(config(prefix), env());
  await admin.createRunLog("r");
  const ro = new S3RunLogStore(config(prefix, { use_credentials: true, aws_access_key_name: "RO_KEY", aws_secret_access_key_name: "RO_SECRET" }), {
    RO_KEY: need("MAGNUS_TEST_S3_READONLY_KEY"),
    RO_SECRET: need("MAGNUS_TEST_S3_READONLY_SECRET"),
  });
  assert.equal((await ro.getRunLogById("r")).run_id, "r");
  await assert.rejects(ro.updateRunLogStatus("r", "SUCCESS"), { name: "S3Error", code: "AccessDenied", status: 403 });

  const nobucket = new S3RunLogStore({ ...config(prefix).config, s3_bucket: "no-such-bucket-magnus" }, env());
  await assert.rejects(nobucket.getRunLogById("r"), { name: "S3Error", code: "NoSuchBucket", status: 404 });

  const down = new S3RunLogStore({ s3_bucket: "bkt" }, { ...env(), AWS_ENDPOINT_URL_S3: "http://127.0.0.1:9" });
  await assert.rejects(down.getRunLogById("r"), { name: "NetworkError" });
});

test("env defaults to process.env, and Worker-style env objects ignore non-strings", async () => {
  const prefix = uniquePrefix("env");
  const saved = { ...process.env };
  Object.assign(process.env, env());
  try {
    const store = new S3RunLogStore(config(prefix));
    await store.createRunLog("from-process-env");
  } finally {
    for (const k of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  }
  const workerEnv = { ...env(), KV: { get() {} }, COUNT: 3 };
  assert.equal((await new S3RunLogStore(config(prefix), workerEnv).getRunLogById("from-process-env")).run_id, "from-process-env");
});

test("a large run log is hashed by the host's crypto and S3 accepts the signature", async () => {
  const store = new S3RunLogStore(config(uniquePrefix("large")), env());
  const log = await store.createRunLog("big");
  for (let i = 0; i < 600; i++) log.parameters[`p${i}`] = "x".repeat(400);
  await store.putRunLog(log); // ~270 KB: over the 64 KiB the host hashes
  const back = await store.getRunLogById("big");
  assert.equal(Object.keys(back.parameters).length, 600);
  assert.equal(back.parameters.p599.length, 400);
});

test("the module's memory is reused across large reads and given back when an idle module holds too much", async () => {
  const { createRequire } = await import("node:module");
  const glue = createRequire(import.meta.url)("../../pkg/dist/magnus_s3.cjs"); // the instance the store runs on
  const store = new S3RunLogStore(config(uniquePrefix("memory")), env());
  const log = await store.createRunLog("m");
  for (let i = 0; i < 2000; i++) log.parameters[`p${i}`] = "y".repeat(1000); // ~2 MB
  await store.putRunLog(log);
  await store.getRunLogById("m");
  const first = glue.memoryBytes();
  for (let i = 0; i < 5; i++) await store.getRunLogById("m");
  assert.equal(glue.memoryBytes(), first, "five more reads of the same size grow nothing");
  // A document big enough to grow the memory past 32 MiB: the next call starts a fresh module.
  for (let i = 0; i < 16000; i++) log.parameters[`p${i}`] = "z".repeat(1000); // ~16 MB
  await store.putRunLog(log);
  await store.getRunLogById("m");
  assert.ok(glue.memoryBytes() > 32 * 2 ** 20, `grown to ${glue.memoryBytes()}`);
  await store.listRunLogs({ limit: 1 });
  assert.ok(glue.memoryBytes() < 4 * 2 ** 20, `given back: ${glue.memoryBytes()}`);
  assert.equal(Object.keys((await store.getRunLogById("m")).parameters).length, 16000, "and the store works on");
});

test("in Node a named profile is read from the credentials file", async () => {
  const { mkdtempSync, writeFileSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const file = join(mkdtempSync(join(tmpdir(), "magnus-profile-")), "credentials");
  const { AWS_ACCESS_KEY_ID: key, AWS_SECRET_ACCESS_KEY: secret } = env();
  writeFileSync(file, `[default]\naws_access_key_id = AKIANOBODY\naws_secret_access_key = x\n\n[runs]\naws_access_key_id = ${key}\naws_secret_access_key = ${secret}\n`);
  const store = new S3RunLogStore(config(uniquePrefix("profile"), { aws_profile: "runs", aws_credentials_file: file }), {});
  await store.createRunLog("p");
  assert.equal((await store.getRunLogById("p")).run_id, "p", "signed with the profile's keys");
  assert.throws(() => new S3RunLogStore(config(uniquePrefix("profile"), { aws_profile: "nope", aws_credentials_file: file }), {}), {
    name: "CredentialsError",
    message: /aws_profile "nope"/,
  });
});
