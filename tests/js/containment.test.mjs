// Issue "a fault costs one call, never the process": every trigger that once trapped the module
// or hung a call, with real parts (SeaweedFS, or a local server playing a hostile endpoint), and
// forced faults inside the module in Node ESM and CJS (workerd and Chromium: their own suites).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { inspect } from "node:util";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { S3RunLogStore, signRequest, presignUrl } from "magnus-s3";
import { createRunLogApi } from "magnus-s3/api";
import { config, env, endpoint, bucket, uniquePrefix, signedFetch, objectUrl, fakeS3, freePort, repo } from "./helpers.mjs";

const signOpts = { accessKeyId: "AKID", secretAccessKey: "s3cr3t-never-shown", region: "us-east-1", service: "s3" };

async function rejectsWith(promise, name, extra = {}) {
  const e = await promise.then(() => assert.fail(`expected ${name}`), (e) => e);
  assert.equal(e?.name, name, `${e?.name}: ${e?.message}`);
  for (const [k, v] of Object.entries(extra)) assert.equal(e[k], v, `${k} of ${e.message}`);
  return e;
}

function throwsWith(fn, name) {
  try {
    fn();
  } catch (e) {
    assert.equal(e?.name, name, `${e?.name}: ${e?.message}`);
    return e;
  }
  assert.fail(`expected ${name}`);
}

test("URLs without scheme://host, and dates past 9999, are argument errors", () => {
  for (const url of ["/k", "example.com/k", "mailto:a@b", "http://", "https:///x", "", "http://user@h/k", "ftp://h/k"]) {
    throwsWith(() => signRequest({ method: "GET", url }, signOpts), "InvalidArgumentError");
    throwsWith(() => presignUrl({ method: "GET", url }, signOpts), "InvalidArgumentError");
  }
  for (const date of ["10000-01-01T00:00:00Z", new Date(8.64e15), new Date(-1), "+275760-09-13T00:00:00.000Z"]) {
    throwsWith(() => signRequest({ url: "https://h/k" }, { ...signOpts, date }), "InvalidArgumentError");
  }
  // and signing still works
  assert.ok(signRequest({ url: "https://h/k" }, signOpts).headers.authorization);
});

test("strings with unpaired surrogates are refused where they name things", async () => {
  const store = new S3RunLogStore(config(uniquePrefix("surrogate")), env());
  for (const id of ["x\ud800", "x\udbff", "\udc00"]) {
    await rejectsWith(store.createRunLog(id), "InvalidArgumentError", { argument: "runId" });
  }
  throwsWith(() => store.createStepLog("a", "a\ud800"), "InvalidArgumentError");
  throwsWith(() => signRequest({ url: "https://h/k\ud800" }, signOpts), "InvalidArgumentError");
  throwsWith(() => signRequest({ url: "https://h/k", headers: { a: "\udfff" } }, signOpts), "InvalidArgumentError");
  throwsWith(() => signRequest({ url: "https://h/k" }, { ...signOpts, secretAccessKey: "s\ud800" }), "InvalidArgumentError");
});

test("a stored document with unpaired surrogate escapes is read and written back byte-identical", async () => {
  const prefix = uniquePrefix("surrogate-doc");
  const store = new S3RunLogStore(config(prefix), env());
  await store.createRunLog("lone");
  const stored = await (await signedFetch(signRequest, "GET", objectUrl(prefix, "lone"))).text();
  // What Python writes for a str holding lone surrogates: the escapes as they are.
  const bytes = stored.replace('"parameters": {}', '"parameters": {\n        "note": "a\\ud800b\\udc00",\n        "\\ud83d\\ude80": 1\n    }');
  assert.notEqual(bytes, stored);
  assert.equal((await signedFetch(signRequest, "PUT", objectUrl(prefix, "lone"), bytes)).status, 200);
  const log = await store.getRunLogById("lone");
  assert.equal(log.parameters.note.charCodeAt(1), 0xd800, "the JS string holds the lone surrogate");
  assert.equal(log.parameters.note.charCodeAt(3), 0xdc00);
  await store.putRunLog(log);
  const back = await (await signedFetch(signRequest, "GET", objectUrl(prefix, "lone"))).text();
  assert.equal(back, bytes);
});

test("a 13,000-segment internal name is an argument error, not a stack overflow", async () => {
  const store = new S3RunLogStore(config(uniquePrefix("deep-name")), env());
  await store.createRunLog("r");
  const deep = Array(13_001).fill("s").join(".");
  await rejectsWith(store.getStepLog(deep, "r"), "InvalidArgumentError");
  await rejectsWith(store.getBranchLog(deep + ".b", "r"), "InvalidArgumentError");
  throwsWith(() => store.createStepLog("s", deep), "InvalidArgumentError");
  await rejectsWith(store.addStepLog({ name: "s", internal_name: deep }, "r"), "InvalidArgumentError");
  assert.equal((await store.getRunLogById("r")).run_id, "r");
});

test("a chunked run nested 300 levels deep is an InvalidRunLogError for readers, the HTTP API included", async () => {
  const prefix = uniquePrefix("deep-chunks");
  const store = new S3RunLogStore(config(prefix, { layout: "chunked" }), env());
  await store.createRunLog("deep");
  // Written under the prefix by someone else: step / branch / step ... 300 segments deep.
  const dir = `${endpoint()}/${bucket()}/${prefix}/deep/`;
  const names = [];
  for (let depth = 1; depth <= 300; depth++) names.push(Array.from({ length: depth }, (_, i) => (i % 2 ? "b" : "s")).join("."));
  for (let i = 0; i < names.length; i += 20) {
    await Promise.all(names.slice(i, i + 20).map((name, j) => {
      const depth = i + j + 1;
      const step = depth % 2 === 1;
      const doc = step ? { name: "s", internal_name: name, status: "SUCCESS" } : { internal_name: name, status: "SUCCESS" };
      const key = `${step ? "StepLog" : "BranchLog"}-${name}-${1000 + depth}`;
      return signedFetch(signRequest, "PUT", dir + key.split("/").map(encodeURIComponent).join("/"), JSON.stringify(doc));
    }));
  }
  await rejectsWith(store.getRunLogById("deep"), "InvalidRunLogError");
  const api = createRunLogApi(store);
  const answer = await api.fetch(new Request("http://x/runs/deep"));
  assert.equal(answer.status, 502);
  assert.equal((await answer.json()).error, "InvalidRunLogError");
  // the shallow part is still readable, and the store works
  assert.equal((await store.getStepLog("s", "deep")).internal_name, "s");
  assert.equal((await store.getRunLogById("deep", false)).run_id, "deep");
});

test("chunked addStepLog under a branch that does not exist is refused, as in the single layout", async () => {
  const store = new S3RunLogStore(config(uniquePrefix("orphan"), { layout: "chunked" }), env());
  await store.createRunLog("r");
  await rejectsWith(store.addStepLog(store.createStepLog("c", "a.b.c"), "r"), "BranchLogNotFoundError", { missing: "a.b" });
  await rejectsWith(store.addBranchLog(store.createBranchLog("a.b"), "r"), "StepLogNotFoundError", { missing: "a" });
  assert.deepEqual((await store.getRunLogById("r")).steps, {}, "nothing was written, the run stays readable");
});

test("an endpoint that lists forever ends in an error after max_list_pages, and stops asking", async () => {
  let n = 0;
  const server = await fakeS3(() => ({
    status: 200,
    headers: { "content-type": "application/xml" },
    body: `<ListBucketResult><IsTruncated>true</IsTruncated><Contents><Key>p/r${n}.json</Key><Size>1</Size></Contents><NextContinuationToken>t${n++}</NextContinuationToken></ListBucketResult>`,
  }));
  try {
    const cfg = { s3_bucket: "b", prefix: "p", endpoint_url: server.url, region: "us-east-1", max_list_pages: 40 };
    const store = new S3RunLogStore(cfg, { AWS_ACCESS_KEY_ID: "a", AWS_SECRET_ACCESS_KEY: "b" });
    await rejectsWith(store.listRunLogs({ limit: 1000 }), "S3Error", { code: "ListingTooLong" });
    assert.equal(server.seen.length, 40);
    const chunked = new S3RunLogStore({ ...cfg, layout: "chunked" }, { AWS_ACCESS_KEY_ID: "a", AWS_SECRET_ACCESS_KEY: "b" });
    await rejectsWith(chunked.getRunLogById("r"), "S3Error", { code: "ListingTooLong" });
    const asked = server.seen.length;
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(server.seen.length, asked, "no request after the call ended");
  } finally {
    await server.close();
  }
});

test("an absurd RequestTimeTooSkewed date is not learned; later signatures stay sane", async () => {
  let first = true;
  const server = await fakeS3((req) => {
    if (first) {
      first = false;
      return { status: 403, headers: { date: "Fri, 31 Dec 9999 23:59:59 GMT" }, body: "<Error><Code>RequestTimeTooSkewed</Code></Error>" };
    }
    return { status: 200, headers: { etag: '"e"' }, body: JSON.stringify({ run_id: "r" }) };
  });
  try {
    const store = new S3RunLogStore({ s3_bucket: "b", endpoint_url: server.url, region: "us-east-1" }, { AWS_ACCESS_KEY_ID: "a", AWS_SECRET_ACCESS_KEY: "b" });
    await rejectsWith(store.getRunLogById("r"), "S3Error", { status: 403, code: "RequestTimeTooSkewed" });
    assert.equal((await store.getRunLogById("r")).run_id, "r");
    const year = String(new Date().getUTCFullYear());
    assert.ok(server.seen.every((r) => r.headers["x-amz-date"].startsWith(year)), "signed with the local clock");
  } finally {
    await server.close();
  }
});

test("an endpoint that echoes request headers does not get secrets into errors or the HTTP API", async () => {
  const token = "TOKEN-never-shown-123";
  const secret = "SECRET-never-shown-456";
  const server = await fakeS3((req) => ({
    status: 403,
    headers: { "content-type": "application/xml" },
    body: `<Error><Code>AccessDenied</Code><Message>you sent ${JSON.stringify(req.headers)} with ${secret}</Message><RequestId>R1</RequestId></Error>`,
  }));
  try {
    const store = new S3RunLogStore({ s3_bucket: "b", endpoint_url: server.url, region: "us-east-1" }, { AWS_ACCESS_KEY_ID: "AKIDECHO", AWS_SECRET_ACCESS_KEY: secret, AWS_SESSION_TOKEN: token });
    const e = await rejectsWith(store.getRunLogById("r"), "S3Error", { status: 403, code: "AccessDenied" });
    const signature = server.seen[0].headers.authorization.split("Signature=")[1];
    for (const text of [e.message, e.stack, inspect(e), JSON.stringify(e)]) {
      for (const s of [token, secret, signature]) assert.ok(!text.includes(s), `${s} in ${text}`);
    }
    assert.ok(e.message.includes("AKIDECHO"), "the access key id is not a secret and helps debugging");
    const api = createRunLogApi(store);
    const body = await (await api.fetch(new Request("http://x/runs/r"))).text();
    for (const s of [token, secret, signature]) assert.ok(!body.includes(s), `${s} in the API's answer`);
  } finally {
    await server.close();
  }
});

test("detached methods and wrong receivers are argument errors", async () => {
  const store = new S3RunLogStore(config(uniquePrefix("detached")), env());
  const { getRunLogById, createStepLog } = store;
  await rejectsWith(getRunLogById("x"), "InvalidArgumentError", { argument: "this" });
  throwsWith(() => createStepLog("a", "a"), "InvalidArgumentError");
  await rejectsWith(store.getRunLogById.call({}, "x"), "InvalidArgumentError", { argument: "this" });
});

/** A script exercising forced faults; run in a fresh Node process as ESM and as CJS. */
const faultScript = (cfg, creds) => `
  let escaped = 0;
  process.on("uncaughtException", () => escaped++);
  process.on("unhandledRejection", () => escaped++);
  const store = new S3RunLogStore(${JSON.stringify(cfg)}, ${JSON.stringify(creds)});
  try { await store.createRunLog("before"); } catch (e) { console.log(JSON.stringify({ setup: e.name + ": " + e.message })); process.exit(1); }
  const names = [];
  // 300 synchronous faults in a row: each one costs its call only (before, ~150 poisoned the module).
  for (let i = 0; i < 300; i++) {
    try { store.__fault("sync"); names.push("none"); } catch (e) { names.push(e.name); }
  }
  // an async fault while another call is in flight on the same instance: a store whose server
  // holds every request, so that call is surely still waiting when the fault strikes
  const held = [];
  const silent = (await import("node:http")).createServer((req, res) => held.push(res));
  await new Promise((r) => silent.listen(0, "127.0.0.1", r));
  const heldCfg = ${JSON.stringify(cfg)};
  heldCfg.config.endpoint_url = "http://127.0.0.1:" + silent.address().port;
  const waiting = new S3RunLogStore(heldCfg, ${JSON.stringify(creds)});
  const other = waiting.getRunLogById("before").then(() => "ok", (e) => e.name);
  while (held.length === 0) await new Promise((r) => setTimeout(r, 5));
  const faulted = await store.__fault("async").then(() => "none", (e) => e.name);
  const stack = await store.__fault("stack").then(() => "none", (e) => e.name);
  // the same store object, afterwards
  const after = (await store.getRunLogById("before")).run_id;
  await store.createRunLog("after");
  const signed = typeof signRequest({ url: "https://h/k" }, { accessKeyId: "a", secretAccessKey: "b", region: "us-east-1", service: "s3" }).headers.authorization;
  await new Promise((r) => setTimeout(r, 50));
  for (const res of held) res.destroy();
  silent.close();
  console.log(JSON.stringify({ sync: [...new Set(names)], other: await other, faulted, stack, after, signed, escaped }));
`;

test("a forced fault costs one call in Node ESM and CJS; the same store objects work afterwards", () => {
  const dir = mkdtempSync(join(tmpdir(), "magnus-s3-fault-"));
  const body = (name) => faultScript(config(uniquePrefix(`fault-${name}`)), env());
  writeFileSync(join(dir, "esm.mjs"), `import { S3RunLogStore, signRequest } from ${JSON.stringify(join(repo, "pkg", "node.mjs"))};\n${body("esm")}`);
  writeFileSync(join(dir, "cjs.cjs"), `const { S3RunLogStore, signRequest } = require(${JSON.stringify(join(repo, "pkg", "node.cjs"))});\n(async () => {${body("cjs")}})();`);
  for (const file of ["esm.mjs", "cjs.cjs"]) {
    const out = JSON.parse(execFileSync("node", [file], { cwd: dir, encoding: "utf8", timeout: 60_000 }).trim().split("\n").at(-1));
    assert.deepEqual(out, {
      sync: ["InternalError"], other: "InternalError", faulted: "InternalError", stack: "InternalError",
      after: "before", signed: "string", escaped: 0,
    }, file);
  }
});

test("serve-www answers bad requests with 4xx and keeps serving", async () => {
  const port = await freePort();
  const child = spawn("node", [join(repo, "scripts", "serve-www.mjs"), String(port)], { env: { ...process.env, ...env() }, stdio: ["ignore", "pipe", "pipe"] });
  try {
    await new Promise((resolve, reject) => {
      child.stdout.on("data", (d) => String(d).includes("dashboard:") && resolve());
      child.on("exit", (code) => reject(new Error(`serve-www exited with ${code}`)));
    });
    const base = `http://127.0.0.1:${port}`;
    const { request } = await import("node:http");
    const raw = (method, path) => new Promise((resolve, reject) => {
      request({ host: "127.0.0.1", port, method, path }, (res) => { res.resume(); resolve(res.statusCode); }).on("error", reject).end();
    });
    assert.equal((await fetch(`${base}/www/no-such-file.js`)).status, 404);
    assert.equal(await raw("GET", "/www/%ZZ"), 400);
    assert.equal(await raw("TRACE", "/www/"), 405);
    assert.equal(await raw("GET", "/api/runs/%ZZ"), 400);
    assert.equal((await fetch(`${base}/www/`)).status, 200, "still serving");
    assert.equal(child.exitCode, null);
  } finally {
    child.kill();
  }
});
