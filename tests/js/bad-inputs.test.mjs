// A table of bad inputs: every one gives a typed Error (a name from the API), never a wasm trap,
// and nothing secret appears in any message.
import { test } from "node:test";
import assert from "node:assert/strict";
import { S3RunLogStore, signRequest, presignUrl } from "magnus-s3";
import { config, env, uniquePrefix } from "./helpers.mjs";

const NAMES = new Set([
  "RunLogNotFoundError", "RunLogExistsError", "StepLogNotFoundError", "BranchLogNotFoundError", "InvalidArgumentError",
  "ConflictError", "CredentialsError", "ConfigError", "InvalidRunLogError", "S3Error", "NetworkError",
]);
const SECRET = "s3cr3t-never-shown";
const signOpts = { accessKeyId: "AKID", secretAccessKey: SECRET, region: "us-east-1", service: "s3" };

async function expectTyped(fn, name, extra = {}) {
  let err;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof Error, `expected an Error, got ${err}`);
  assert.ok(NAMES.has(err.name), `untyped error ${err.name}: ${err.message}`);
  assert.equal(err.name, name, err.message);
  for (const [k, v] of Object.entries(extra)) assert.equal(err[k], v, `${k} of ${err.message}`);
  assert.ok(!err.message.includes(SECRET) && !String(err.stack).includes(SECRET), "secret in message");
  return err;
}

test("bad config and credentials", async () => {
  const rows = [
    [() => new S3RunLogStore(undefined), "ConfigError"],
    [() => new S3RunLogStore(42), "ConfigError", { key: "$" }],
    [() => new S3RunLogStore({}), "ConfigError", { key: "s3_bucket" }],
    [() => new S3RunLogStore({ s3_bucket: "b", s3bucket: "x" }), "ConfigError", { key: "s3bucket" }],
    [() => new S3RunLogStore({ s3_bucket: "b", use_credentials: "yes" }), "ConfigError", { key: "use_credentials" }],
    [() => new S3RunLogStore({ type: "file-system", config: { s3_bucket: "b" } }), "ConfigError", { key: "type" }],
    [() => new S3RunLogStore({ s3_bucket: "b", endpoint_url: "ftp://x" }, env()), "ConfigError", { key: "endpoint_url" }],
    [() => new S3RunLogStore({ s3_bucket: "b", role_arn: "runs-writer" }), "ConfigError", { key: "role_arn" }],
    [() => new S3RunLogStore({ s3_bucket: "b" }, {}), "CredentialsError", { variable: "AWS_ACCESS_KEY_ID" }],
    [() => new S3RunLogStore({ s3_bucket: "b", use_credentials: true, aws_secret_access_key_name: "MY_S" }, { AWS_ACCESS_KEY_ID: "a", AWS_SECRET_ACCESS_KEY: SECRET }), "CredentialsError", { variable: "MY_S" }],
    [() => new S3RunLogStore({ s3_bucket: "b" }, "not an object"), "InvalidArgumentError", { argument: "env" }],
    // wasm has no file system: a named profile cannot be read there
    [() => new S3RunLogStore({ s3_bucket: "b", aws_profile: "dev" }, { AWS_ACCESS_KEY_ID: "a", AWS_SECRET_ACCESS_KEY: SECRET }), "CredentialsError"],
  ];
  for (const [fn, name, extra] of rows) await expectTyped(fn, name, extra);
});

test("bad arguments to store methods", async () => {
  const store = new S3RunLogStore(config(uniquePrefix("bad")), env());
  await store.createRunLog("ok");
  const cyclic = {};
  cyclic.self = cyclic;
  const rows = [
    [() => store.createRunLog(42), "InvalidArgumentError", { argument: "runId" }],
    [() => store.createRunLog("a/b"), "InvalidArgumentError", { argument: "run id" }],
    [() => store.createRunLog(""), "InvalidArgumentError"],
    [() => store.createRunLog("..",), "InvalidArgumentError"],
    [() => store.createRunLog("x", "opts"), "InvalidArgumentError", { argument: "options" }],
    [() => store.createRunLog("x", { use_cached: "yes" }), "InvalidArgumentError", { argument: "use_cached" }],
    [() => store.getRunLogById(undefined), "InvalidArgumentError"],
    [() => store.getRunLogById("ok", "yes"), "InvalidArgumentError", { argument: "full" }],
    [() => store.putRunLog(null), "InvalidRunLogError", { path: "$" }],
    [() => store.putRunLog(undefined), "InvalidArgumentError"],
    [() => store.putRunLog({}), "InvalidRunLogError", { path: "$.run_id" }],
    [() => store.putRunLog({ run_id: "ok", steps: { a: { name: "a" } } }), "InvalidRunLogError", { path: "$.steps.a.internal_name" }],
    [() => store.putRunLog({ run_id: "ok", steps: [] }), "InvalidRunLogError", { path: "$.steps" }],
    [() => store.putRunLog(cyclic), "InvalidArgumentError", { argument: "runLog" }],
    [() => store.putRunLog({ run_id: "ok", parameters: { big: 10n } }), "InvalidArgumentError"],
    [() => store.setParameters("ok", [1, 2]), "InvalidArgumentError", { argument: "parameters" }],
    [() => store.setParameters("ok", "x"), "InvalidArgumentError"],
    [() => store.setRunConfig("ok", null), "InvalidArgumentError"],
    [() => store.updateRunLogStatus("ok", 5), "InvalidArgumentError", { argument: "status" }],
    [() => store.createStepLog("a", "a.b"), "InvalidArgumentError"],
    [() => store.createStepLog("a", "a..b"), "InvalidArgumentError"],
    [() => store.createStepLog(1, 2), "InvalidArgumentError"],
    [() => store.createBranchLog("a"), "InvalidArgumentError"],
    [() => store.createDataCatalog({}), "InvalidArgumentError"],
    [() => store.getStepLog("a.b", "ok"), "InvalidArgumentError"],
    [() => store.getStepLog("nope", "ok"), "StepLogNotFoundError", { missing: "nope" }],
    [() => store.getBranchLog("", "ok"), "InvalidArgumentError"],
    [() => store.addStepLog({ name: "x" }, "ok"), "InvalidRunLogError", { path: "$.internal_name" }],
    [() => store.addStepLog({ name: "x", internal_name: "x.y" }, "ok"), "InvalidArgumentError"],
    [() => store.addStepLog({ name: "x", internal_name: "x", attempts: [{ attempt_number: 1.5 }] }, "ok"), "InvalidRunLogError", { path: "$.attempts[0].attempt_number" }],
    [() => store.addBranchLog({ internal_name: "nope.b" }, "ok"), "StepLogNotFoundError", { missing: "nope" }],
    [() => store.addStepLog(store.createStepLog("x", "x"), "missing-run"), "RunLogNotFoundError"],
    [() => store.listRunLogs({ limit: -1 }), "InvalidArgumentError"],
    [() => store.listRunLogs("x"), "InvalidArgumentError"],
    [() => store.listRunLogs({ startAfter: "a/b" }), "InvalidArgumentError"],
    [() => store.presignGetRunLog("ok", 0), "InvalidArgumentError"],
    [() => store.presignGetRunLog("ok", 10 ** 9), "InvalidArgumentError"],
    [() => store.presignGetRunLog("ok", "x"), "InvalidArgumentError"],
  ];
  for (const [fn, name, extra] of rows) await expectTyped(fn, name, extra);
  // after all that the store and the module still work
  assert.equal((await store.getRunLogById("ok")).run_id, "ok");
});

test("bad arguments to signRequest and presignUrl", async () => {
  const rows = [
    [() => signRequest(null, signOpts), "InvalidArgumentError"],
    [() => signRequest({ url: 5 }, signOpts), "InvalidArgumentError", { argument: "url" }],
    [() => signRequest({ url: "not a url" }, signOpts), "InvalidArgumentError"],
    [() => signRequest({ url: "https://h/" }, { ...signOpts, region: undefined }), "InvalidArgumentError", { argument: "region" }],
    [() => signRequest({ url: "https://h/" }, { ...signOpts, accessKeyId: "" }), "InvalidArgumentError"],
    [() => signRequest({ url: "https://h/" }, "opts"), "InvalidArgumentError"],
    [() => signRequest({ url: "https://h/", body: 5 }, signOpts), "InvalidArgumentError", { argument: "body" }],
    [() => signRequest({ url: "https://h/", headers: "x" }, signOpts), "InvalidArgumentError", { argument: "headers" }],
    [() => signRequest({ url: "https://h/", headers: [["a"]] }, signOpts), "InvalidArgumentError"],
    [() => signRequest({ url: "https://h/" }, { ...signOpts, date: "yesterday" }), "InvalidArgumentError", { argument: "date" }],
    [() => signRequest({ url: "https://h/" }, { ...signOpts, date: new Date(NaN) }), "InvalidArgumentError"],
    [() => signRequest({ url: "https://h/" }, { ...signOpts, doubleEncode: "no" }), "InvalidArgumentError"],
    [() => presignUrl({ url: "https://h/" }, { ...signOpts, expiresIn: 0 }), "InvalidArgumentError"],
    [() => presignUrl({ url: "https://h/" }, { ...signOpts, expiresIn: 1.5 }), "InvalidArgumentError"],
  ];
  for (const [fn, name, extra] of rows) await expectTyped(fn, name, extra);
});

test("signing accepts headers as object, pairs, Headers and Map alike", () => {
  const date = "2015-08-30T12:36:00Z";
  const base = { url: "https://h/k", method: "PUT", body: "x" };
  const a = signRequest({ ...base, headers: { "Content-Type": "text/plain" } }, { ...signOpts, date });
  const b = signRequest({ ...base, headers: [["content-type", "text/plain"]] }, { ...signOpts, date });
  const c = signRequest({ ...base, headers: new Headers({ "content-type": "text/plain" }) }, { ...signOpts, date });
  const d = signRequest({ ...base, headers: new Map([["content-type", "text/plain"]]), body: new TextEncoder().encode("x") }, { ...signOpts, date: new Date(date) });
  for (const x of [b, c, d]) assert.equal(x.headers.authorization, a.headers.authorization);
  assert.equal(a.headers["content-type"], "text/plain");
});
