// Fault injection with real parts: a Node HTTP proxy in front of the local S3 server answers some
// requests with 503 SlowDown, resets others before forwarding, and lets some land on S3 but drops
// the answer. The package (its fetch transport, in Node) must retry, re-sign, and end with every
// write in place, and a create whose answer was lost must not report RunLogExistsError; a server
// that never answers costs `request_timeout_seconds` per try.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, request as httpRequest } from "node:http";
import { S3RunLogStore } from "magnus-s3";
import { config, env, endpoint, uniquePrefix } from "./helpers.mjs";

/** A proxy to the S3 server; `fault(n, req)` picks what happens to the n-th request. */
async function faultyProxy(fault) {
  const target = new URL(endpoint());
  const seen = { requests: 0, slowDown: 0, reset: 0, lostAnswer: 0 };
  const server = createServer((req, res) => {
    const n = ++seen.requests;
    const what = fault(n, req);
    if (what === "slowDown") {
      seen.slowDown++;
      req.resume();
      res.writeHead(503, { "content-type": "application/xml" });
      return res.end("<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>");
    }
    if (what === "hang") {
      req.resume();
      return; // never answered
    }
    if (what === "reset") {
      seen.reset++;
      return req.socket.destroy();
    }
    // Forwarded as signed (same path, query and headers, Host included).
    const upstream = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      if (what === "lostAnswer") {
        seen.lostAnswer++;
        up.resume();
        return up.on("end", () => req.socket.destroy());
      }
      res.writeHead(up.statusCode, up.headers);
      up.pipe(res);
    });
    upstream.on("error", () => req.socket.destroy());
    req.pipe(upstream);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const close = () => {
    server.closeAllConnections();
    return new Promise((r) => server.close(r));
  };
  return { url: `http://127.0.0.1:${server.address().port}`, seen, close };
}

test("503s, resets and lost answers are retried; nothing is lost or doubled", async () => {
  // Every third request is refused with 503, every fifth reset before it reaches S3, but one
  // request (same method, path and query) never fails more than twice in a row: the store tries
  // three times, and parallel GETs must not make one request take every fault.
  const streak = new Map();
  const proxy = await faultyProxy((n, req) => {
    const key = `${req.method} ${req.url}`;
    const fails = streak.get(key) ?? 0;
    const what = fails >= 2 ? "forward" : n % 3 === 0 ? "slowDown" : n % 5 === 0 ? "reset" : "forward";
    streak.set(key, what === "forward" ? 0 : fails + 1);
    return what;
  });
  try {
    for (const layout of ["single", "chunked"]) {
      const store = new S3RunLogStore(config(uniquePrefix(`faults-${layout}`), { endpoint_url: proxy.url, layout }), env());
      await store.createRunLog("r", { status: "PROCESSING" });
      for (let i = 0; i < 8; i++) {
        await store.setParameters("r", { [`p${i}`]: i });
        const step = store.createStepLog(`s${i}`, `s${i}`);
        step.status = "SUCCESS";
        await store.addStepLog(step, "r");
      }
      await store.updateRunLogStatus("r", "SUCCESS");
      const log = await store.getRunLogById("r", true);
      assert.equal(log.status, "SUCCESS", layout);
      assert.deepEqual(Object.keys(log.steps), ["s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7"], layout);
      assert.deepEqual(log.parameters, { p0: 0, p1: 1, p2: 2, p3: 3, p4: 4, p5: 5, p6: 6, p7: 7 }, layout);
    }
    assert.ok(proxy.seen.slowDown >= 10 && proxy.seen.reset >= 5, JSON.stringify(proxy.seen));
  } finally {
    await proxy.close();
  }
});

test("a create whose answer was lost is not reported as RunLogExistsError", async () => {
  // The first PUT lands on S3 but its answer never comes back.
  let dropped = false;
  const proxy = await faultyProxy((n, req) => {
    if (req.method === "PUT" && !dropped) {
      dropped = true;
      return "lostAnswer";
    }
    return "forward";
  });
  try {
    const store = new S3RunLogStore(config(uniquePrefix("faults-create"), { endpoint_url: proxy.url }), env());
    const created = await store.createRunLog("once", { tag: "t" });
    assert.equal(proxy.seen.lostAnswer, 1);
    assert.equal(created.run_id, "once");
    assert.equal((await store.getRunLogById("once")).tag, "t");
    // A second, real create of the same id is still refused.
    const again = await store.createRunLog("once").catch((e) => e);
    assert.equal(again.name, "RunLogExistsError");
  } finally {
    await proxy.close();
  }
});

test("a server that keeps failing ends in a typed error, not a hang", async () => {
  const proxy = await faultyProxy(() => "slowDown");
  try {
    const store = new S3RunLogStore(config(uniquePrefix("faults-down"), { endpoint_url: proxy.url }), env());
    const e = await store.getRunLogById("r").catch((e) => e);
    assert.deepEqual([e.name, e.status, e.code], ["S3Error", 503, "SlowDown"]);
    assert.equal(proxy.seen.requests, 3, "three tries, then the error");
  } finally {
    await proxy.close();
  }
  const resets = await faultyProxy(() => "reset");
  try {
    const store = new S3RunLogStore(config(uniquePrefix("faults-reset"), { endpoint_url: resets.url }), env());
    const e = await store.getRunLogById("r").catch((e) => e);
    assert.equal(e.name, "NetworkError");
    assert.equal(typeof e.code, "string");
    assert.equal(resets.seen.requests, 3);
  } finally {
    await resets.close();
  }
});

test("a server that never answers times out per request (request_timeout_seconds), then NetworkError", async () => {
  const proxy = await faultyProxy(() => "hang");
  try {
    const cfg = config(uniquePrefix("faults-hang"), { endpoint_url: proxy.url, request_timeout_seconds: 1 });
    const e = await new S3RunLogStore(cfg, env()).getRunLogById("r").catch((e) => e);
    assert.deepEqual([e.name, e.code], ["NetworkError", "timeout"]);
    assert.equal(proxy.seen.requests, 3, "each of the three tries timed out");
  } finally {
    await proxy.close();
  }
});
