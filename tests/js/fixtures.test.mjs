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
