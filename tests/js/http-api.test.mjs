// magnus-s3/api in Node against the local S3 server: every route, ETag / If-None-Match, the bearer
// token, CORS, errors as HTTP statuses, read-only-ness, and the Lambda and Lambda@Edge adapters. (The same module
// runs in real workerd in workerd.test.mjs.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { S3RunLogStore } from "magnus-s3";
import { createRunLogApi, toLambdaHandler, toLambdaEdgeHandler } from "magnus-s3/api";
import { config, env, uniquePrefix } from "./helpers.mjs";

// Each seeded store's config, to build a second store over the same runs.
const configs = new WeakMap();

async function seeded() {
  const cfg = config(uniquePrefix("http-api"));
  const store = new S3RunLogStore(cfg, env());
  configs.set(store, cfg);
  await store.createRunLog("r1", { tag: "t", status: "PROCESSING" });
  await store.createRunLog("r 2");
  await store.setParameters("r1", { lr: 0.1, "ü": "x" });
  await store.setRunConfig("r1", { executor: "local" });
  const fan = store.createStepLog("fan", "fan");
  fan.step_type = "parallel";
  await store.addStepLog(fan, "r1");
  await store.addBranchLog(store.createBranchLog("fan.a"), "r1");
  const leaf = store.createStepLog("task", "fan.a.task");
  leaf.status = "SUCCESS";
  await store.addStepLog(leaf, "r1");
  return store;
}

const get = (api, path, headers = {}) => api.fetch(new Request(`http://api.test${path}`, { headers }));

test("every route answers what the store holds", async () => {
  const store = await seeded();
  const api = createRunLogApi(store);

  const list = await get(api, "/runs");
  assert.equal(list.status, 200);
  assert.match(list.headers.get("content-type"), /^application\/json/);
  assert.deepEqual((await list.json()).map((r) => r.run_id), ["r 2", "r1"]);
  assert.deepEqual((await (await get(api, "/runs?limit=1")).json()).map((r) => r.run_id), ["r 2"]);
  assert.deepEqual((await (await get(api, "/runs?startAfter=r%202")).json()).map((r) => r.run_id), ["r1"]);

  const run = await get(api, "/runs/r1");
  assert.equal(run.status, 200);
  const log = await run.json();
  assert.deepEqual(log, await store.getRunLogById("r1"));
  assert.equal(log.steps.fan.branches["fan.a"].steps["fan.a.task"].status, "SUCCESS");

  assert.deepEqual(await (await get(api, "/runs/r1/parameters")).json(), { lr: 0.1, "ü": "x" });
  assert.deepEqual(await (await get(api, "/runs/r1/run_config")).json(), { executor: "local" });
  assert.equal((await (await get(api, "/runs/r1/steps/fan.a.task")).json()).name, "task");
  assert.equal((await (await get(api, "/runs/r1/branches/fan.a")).json()).internal_name, "fan.a");
  assert.equal((await (await get(api, "/runs/r%202")).json()).run_id, "r 2");

  const { url } = await (await get(api, "/runs/r1/presigned?expiresIn=60")).json();
  assert.equal((await (await fetch(url)).json()).run_id, "r1", "the presigned URL reads the object");
});

test("ETag and If-None-Match: 304 until the run changes", async () => {
  const store = await seeded();
  const api = createRunLogApi(store, { cors: "*" });
  const first = await get(api, "/runs/r1");
  const etag = first.headers.get("etag");
  assert.match(etag, /^W\/"[A-Za-z0-9_-]{43}"$/);
  assert.equal(first.headers.get("access-control-expose-headers"), "etag");
  const same = await get(api, "/runs/r1", { "if-none-match": etag });
  assert.equal(same.status, 304);
  assert.equal(await same.text(), "");
  assert.equal((await get(api, "/runs/r1", { "if-none-match": `"other", ${etag}` })).status, 304);
  await store.updateRunLogStatus("r1", "SUCCESS");
  const changed = await get(api, "/runs/r1", { "if-none-match": etag });
  assert.equal(changed.status, 200);
  assert.notEqual(changed.headers.get("etag"), etag);
  assert.equal((await changed.json()).status, "SUCCESS");
});

test("errors become HTTP statuses with the store's error fields", async () => {
  const store = await seeded();
  const api = createRunLogApi(store, { basePath: "/api/" });
  const cases = [
    ["/api/runs/missing", 404, "RunLogNotFoundError"],
    ["/api/runs/r1/steps/fan.b.task", 404, "StepLogNotFoundError"],
    ["/api/runs/r1/branches/fan.zz", 404, "BranchLogNotFoundError"],
    ["/api/runs/r1/steps/fan.a", 400, "InvalidArgumentError"],
    ["/api/runs/r1/presigned?expiresIn=0", 400, "InvalidArgumentError"],
    ["/api/runs?limit=-1", 400, "InvalidArgumentError"],
    ["/api/runs/%E0%A4%A", 400, "URIError"],
    ["/api/runs/r1/nothing", 404, "NotFound"],
    ["/api/elsewhere", 404, "NotFound"],
    ["/runs", 404, "NotFound"],
  ];
  for (const [path, status, name] of cases) {
    const r = await get(api, path);
    assert.equal(r.status, status, path);
    const body = await r.json();
    assert.equal(body.error, name, path);
    assert.equal(typeof body.message, "string");
  }
  const missing = await (await get(api, "/api/runs/r1/steps/fan.b.task")).json();
  assert.equal(missing.missing, "fan.b");

  const wrong = new S3RunLogStore(configs.get(store), { ...env(), AWS_SECRET_ACCESS_KEY: "wrong-secret" });
  const denied = await get(createRunLogApi(wrong), "/runs/r1");
  assert.equal(denied.status, 502);
  const body = await denied.json();
  assert.deepEqual([body.error, body.status, body.code], ["S3Error", 403, "SignatureDoesNotMatch"]);
  assert.ok(!JSON.stringify(body).includes("wrong-secret"), "no secret in the answer");
});

test("bearer token, CORS preflight, read-only", async () => {
  const store = await seeded();
  const api = createRunLogApi(store, { token: "s3cr3t-token", cors: "https://dash.example" });
  const none = await get(api, "/runs");
  assert.equal(none.status, 401);
  assert.equal(none.headers.get("www-authenticate"), "Bearer");
  assert.ok(!(await none.text()).includes("s3cr3t"));
  assert.equal((await get(api, "/runs", { authorization: "Bearer s3cr3t-tokem" })).status, 401);
  const ok = await get(api, "/runs", { authorization: "Bearer s3cr3t-token" });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get("access-control-allow-origin"), "https://dash.example");
  assert.equal(ok.headers.get("vary"), "origin");

  const pre = await api.fetch(new Request("http://api.test/runs/r1", { method: "OPTIONS" }));
  assert.equal(pre.status, 204);
  assert.match(pre.headers.get("access-control-allow-headers"), /authorization/);
  const auth = { authorization: "Bearer s3cr3t-token" };
  for (const method of ["PUT", "POST", "DELETE", "PATCH"]) {
    const r = await api.fetch(new Request("http://api.test/runs/r1", { method, headers: auth, body: "{}" }));
    assert.equal(r.status, 405, method);
    assert.equal(r.headers.get("allow"), "GET, HEAD, OPTIONS");
  }
  const head = await api.fetch(new Request("http://api.test/runs/r1", { method: "HEAD", headers: auth }));
  assert.equal(head.status, 200);
  assert.ok(head.headers.get("etag"));
  assert.equal(await head.text(), "");
  assert.equal((await store.getRunLogById("r1")).status, "PROCESSING", "nothing was written");
});

test("the Lambda adapter answers function-URL events", async () => {
  const store = await seeded();
  const handler = toLambdaHandler(createRunLogApi(store, { token: "t0k" }));
  const event = (rawPath, rawQueryString = "", headers = {}) => ({
    version: "2.0",
    rawPath,
    rawQueryString,
    headers: { host: "abc.lambda-url.eu-west-1.on.aws", authorization: "Bearer t0k", ...headers },
    requestContext: { http: { method: "GET", path: rawPath } },
    isBase64Encoded: false,
  });
  const list = await handler(event("/runs", "limit=5"));
  assert.equal(list.statusCode, 200);
  assert.deepEqual(JSON.parse(list.body).map((r) => r.run_id), ["r 2", "r1"]);
  const step = await handler(event("/runs/r1/steps/fan.a.task"));
  assert.equal(JSON.parse(step.body).status, "SUCCESS");
  const etag = (await handler(event("/runs/r1"))).headers.etag;
  assert.equal((await handler(event("/runs/r1", "", { "if-none-match": etag }))).statusCode, 304);
  const denied = await handler({ ...event("/runs"), headers: { host: "h" } });
  assert.equal(denied.statusCode, 401);
  assert.equal(JSON.parse(denied.body).error, "Unauthorized");
});

test("the Lambda@Edge adapter answers CloudFront request events", async () => {
  const store = await seeded();
  const handler = toLambdaEdgeHandler(createRunLogApi(store, { basePath: "/api" }));
  const event = (uri, querystring = "", headers = {}) => ({
    Records: [{ cf: { config: { distributionDomainName: "d111111abcdef8.cloudfront.net" }, request: {
      uri, querystring, method: "GET",
      headers: { host: [{ key: "Host", value: "runs.example.com" }], ...headers },
    } } }],
  });
  const list = await handler(event("/api/runs", "limit=1"));
  assert.equal(list.status, "200");
  assert.deepEqual(list.headers["content-type"], [{ key: "content-type", value: "application/json; charset=utf-8" }]);
  assert.deepEqual(JSON.parse(list.body).map((r) => r.run_id), ["r 2"]);
  const run = await handler(event("/api/runs/r1"));
  assert.equal(JSON.parse(run.body).run_id, "r1");
  const etag = run.headers.etag[0].value;
  const again = await handler(event("/api/runs/r1", "", { "if-none-match": [{ key: "If-None-Match", value: etag }] }));
  assert.equal(again.status, "304");
  assert.equal(again.body, "");
  const missing = await handler(event("/api/runs/nope"));
  assert.equal(missing.status, "404");
  assert.equal(JSON.parse(missing.body).error, "RunLogNotFoundError");
});
