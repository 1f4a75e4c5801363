// A bounded run of the JS-surface fuzzer (tests/js/fuzz-surface.mjs; the README records a long
// run): every call settles with a value or a contract-named error, nothing escapes, and the same
// process then signs and talks to the real S3 server as usual.
import { test } from "node:test";
import assert from "node:assert/strict";
import { S3RunLogStore, signRequest } from "magnus-s3";
import { fuzzSurface } from "./fuzz-surface.mjs";
import { config, env, uniquePrefix } from "./helpers.mjs";

test("fuzzing every export and method with generated arguments and answers: nothing escapes", async () => {
  // A fixed seed per day: reproducible within a day, new ground every day.
  const seed = Math.floor(Date.now() / 86_400_000);
  const counts = await fuzzSurface({ calls: Number(process.env.MAGNUS_FUZZ_CALLS ?? 3000), seed });
  console.log(`seed ${seed}: ${JSON.stringify(counts)}`);
  assert.ok(counts.values > 0 && Object.keys(counts.errors).length > 3, JSON.stringify(counts));
  // afterwards: a normal signature and a round trip in the same process
  assert.ok(signRequest({ url: "https://h/k" }, { accessKeyId: "a", secretAccessKey: "b", region: "us-east-1", service: "s3" }).headers.authorization);
  const store = new S3RunLogStore(config(uniquePrefix("after-fuzz")), env());
  await store.createRunLog("ok");
  assert.equal((await store.getRunLogById("ok")).run_id, "ok");
});
