// Every run log magnus wrote, stored as magnus's bytes, read through getRunLogById (same meaning,
// field by field) and written back through putRunLog: the stored bytes are identical.
import { test } from "node:test";
import assert from "node:assert/strict";
import { S3RunLogStore, signRequest } from "magnus-s3";
import { config, env, uniquePrefix, objectUrl, signedFetch, fixtureRunLogs, readBytes } from "./helpers.mjs";

test("every fixture round-trips through the JS API byte-identical", async () => {
  const files = fixtureRunLogs();
  assert.ok(files.length >= 40, `only ${files.length} fixtures`);
  const base = uniquePrefix("fixtures");
  let i = 0;
  for (const file of files) {
    const bytes = readBytes(file);
    const expected = JSON.parse(bytes.toString("utf8"));
    const prefix = `${base}/${i++}`;
    const store = new S3RunLogStore(config(prefix), env());
    const url = objectUrl(prefix, expected.run_id);
    assert.equal((await signedFetch(signRequest, "PUT", url, bytes)).status, 200);

    const log = await store.getRunLogById(expected.run_id, true);
    assert.deepEqual(log, expected, file);
    assert.deepEqual(JSON.stringify(log), JSON.stringify(expected), `key order of ${file}`);

    await store.putRunLog(log);
    const back = new Uint8Array(await (await signedFetch(signRequest, "GET", url)).arrayBuffer());
    assert.ok(Buffer.from(back).equals(bytes), `bytes of ${file}`);
  }
});

// Python's json.dumps writes float('nan') / float('inf') as NaN / Infinity, which JSON.parse
// refuses; the store reads them (as Python does) and hands them to JS as null.
test("a run log with Python's NaN and Infinity reads, with null in their place", async () => {
  const prefix = uniquePrefix("nan");
  const store = new S3RunLogStore(config(prefix), env());
  const text = '{\n    "run_id": "nan-run",\n    "status": "SUCCESS",\n    "parameters": {\n        "loss": NaN,\n        "best": -Infinity,\n        "ok": 1.0\n    }\n}';
  assert.equal((await signedFetch(signRequest, "PUT", objectUrl(prefix, "nan-run"), text)).status, 200);
  const log = await store.getRunLogById("nan-run");
  assert.deepEqual(log.parameters, { loss: null, best: null, ok: 1 });
  assert.equal(log.status, "SUCCESS");
});
