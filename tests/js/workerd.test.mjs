// The package on real workerd (npm `workerd`): the `workerd` entry imports the .wasm as a module
// and the store talks to the local S3 server through workerd's fetch, credentials from env bindings.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { repo, env, endpoint, bucket, uniquePrefix, freePort } from "./helpers.mjs";


test("the package works in workerd with env bindings", async () => {
  const port = await freePort();
  const dir = join(repo, ".work", "workerd");
  mkdirSync(dir, { recursive: true });
  const text = (name, value) => `(name = ${JSON.stringify(name)}, text = ${JSON.stringify(value)})`;
  const bindings = [
    text("AWS_ACCESS_KEY_ID", env().AWS_ACCESS_KEY_ID),
    text("AWS_SECRET_ACCESS_KEY", env().AWS_SECRET_ACCESS_KEY),
    text("S3_ENDPOINT", endpoint()),
    text("BUCKET", bucket()),
    text("PREFIX", uniquePrefix("workerd")),
    text("API_TOKEN", "workerd-token"),
  ];
  // Paths are relative to this config file (.work/workerd/).
  writeFileSync(
    join(dir, "config.capnp"),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "internet", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const worker :Workerd.Worker = (
  modules = [
    (name = "worker.mjs", esModule = embed "../../tests/workerd/worker.mjs"),
    (name = "magnus-s3/workerd.mjs", esModule = embed "../../pkg/workerd.mjs"),
    (name = "magnus-s3/api.mjs", esModule = embed "../../pkg/api.mjs"),
    (name = "magnus-s3/dist/magnus_s3.js", esModule = embed "../../pkg/dist/magnus_s3.js"),
    (name = "magnus-s3/dist/core.mjs", esModule = embed "../../pkg/dist/core.mjs"),
    (name = "magnus-s3/dist/magnus_s3_bg.wasm", wasm = embed "../../pkg/dist/magnus_s3_bg.wasm"),
  ],
  compatibilityDate = "2025-09-01",
  bindings = [${bindings.join(", ")}],
  globalOutbound = "internet",
);
`,
  );
  const bin = join(repo, "node_modules", "@cloudflare", "workerd-linux-64", "bin", "workerd");
  const proc = spawn(bin, ["serve", join(dir, "config.capnp")], { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  proc.stdout.on("data", (d) => (log += d));
  proc.stderr.on("data", (d) => (log += d));
  try {
    let body;
    for (let i = 0; i < 100 && body === undefined; i++) {
      try {
        body = await (await fetch(`http://127.0.0.1:${port}/`)).json();
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    assert.ok(body, `workerd did not answer: ${log}`);
    assert.equal(body.error, undefined, body.error);
    assert.equal(body.status, "SUCCESS");
    assert.equal(body.step, "SUCCESS");
    assert.deepEqual(body.parameters, { a: 1, "ü": "x" });
    assert.equal(body.exists, "RunLogExistsError");
    assert.equal(body.missing, "RunLogNotFoundError");
    assert.equal(body.wrong, "S3Error 403 SignatureDoesNotMatch");
    assert.deepEqual(body.list, ["w1"]);
    assert.equal(body.presigned, 200);
    assert.equal(body.signedGet, 200);
    assert.equal(body.presignUrl, 200);

    // The HTTP API (magnus-s3/api) served by the same Worker.
    const api = (path, headers = {}) => fetch(`http://127.0.0.1:${port}/api${path}`, { headers });
    const auth = { authorization: "Bearer workerd-token" };
    assert.equal((await api("/runs")).status, 401);
    const run = await api("/runs/w1", auth);
    assert.equal(run.status, 200);
    assert.equal(run.headers.get("access-control-allow-origin"), "*");
    assert.equal((await run.json()).steps["step one"].status, "SUCCESS");
    assert.equal((await api("/runs/w1", { ...auth, "if-none-match": run.headers.get("etag") })).status, 304);
    assert.deepEqual((await (await api("/runs", auth)).json()).map((r) => r.run_id), ["w1"]);
    assert.equal((await (await api("/runs/w1/steps/step%20one", auth)).json()).name, "step one");
    const missing = await api("/runs/nope", auth);
    assert.equal(missing.status, 404);
    assert.equal((await missing.json()).error, "RunLogNotFoundError");

    // Forced faults inside the module cost one call each; the worker keeps serving.
    const fault = await (await fetch(`http://127.0.0.1:${port}/fault`)).json();
    assert.deepEqual(fault, { sync: ["InternalError"], async: "InternalError", stack: "InternalError", after: "f1" });
    assert.equal((await api("/runs/w1", auth)).status, 200);
  } finally {
    proc.kill();
  }
});
