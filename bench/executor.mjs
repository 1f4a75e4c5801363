// The npm package in Node writing a run of N steps in magnus's executor order (the same workload
// as bench/executor.rs and bench/magnus_store.py). Prints one JSON line. Run by bench/executor.sh.
//   node bench/executor.mjs N LAYOUT
import { S3RunLogStore } from "magnus-s3";

const n = Number(process.argv[2] ?? 100);
const layout = process.argv[3] ?? "single";
const store = new S3RunLogStore({ s3_bucket: "magnus-runlogs", prefix: `bench/executor-js-${layout}-${process.pid}`, region: "us-east-1", layout });
const id = "executor-order";
const t = performance.now();
await store.createRunLog(id, { dag_hash: "0".repeat(40), tag: "bench", status: "PROCESSING" });
await store.setParameters(id, { x: 0, greeting: "hello" });
await store.setRunConfig(id, { executor: { type: "local" } });
for (let i = 0; i < n; i++) {
  const step = store.createStepLog(`step ${i}`, `step ${i}`);
  step.status = "PROCESSING";
  step.code_identities.push({ ...store.createCodeIdentity(), code_identifier: "edc24f933ebc1e00b9e8f86c3955c1259c196946" });
  await store.addStepLog(step, id);
  await store.setParameters(id, { x: i + 1 });
  step.attempts.push({ ...store.createAttemptLog(), attempt_number: 1, status: "SUCCESS" });
  step.status = "SUCCESS";
  await store.addStepLog(step, id);
}
await store.updateRunLogStatus(id, "SUCCESS");
const seconds = (performance.now() - t) / 1000;
const log = await store.getRunLogById(id, true);
if (Object.keys(log.steps).length !== n || log.status !== "SUCCESS") throw new Error("incomplete run");
console.log(JSON.stringify({ store: `magnus-s3 (npm package, Node ${process.versions.node}), ${layout} layout`, steps: n, seconds: Math.round(seconds * 100) / 100 }));
