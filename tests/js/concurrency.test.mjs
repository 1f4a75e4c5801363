// 64 writers at once on one run through the JS package (Promise.all in one Node process), both
// layouts: each adds its own branch, a step in it, a parameter and a run_config key, and flips
// the status. Conditional writes lose nothing; `unsafe_last_writer_wins` (magnus's behaviour,
// test-only) loses updates, which shows the test can fail. MAGNUS_STRESS_WRITERS overrides 64.
import { test } from "node:test";
import assert from "node:assert/strict";
import { S3RunLogStore } from "magnus-s3";
import { config, env, uniquePrefix } from "./helpers.mjs";

const N = Number(process.env.MAGNUS_STRESS_WRITERS ?? 64);
const pad = (i) => String(i).padStart(2, "0");

async function workload(store) {
  const id = "stress";
  await store.createRunLog(id, { status: "PROCESSING" });
  await store.addStepLog({ ...store.createStepLog("fan", "fan"), step_type: "map" }, id);
  await Promise.all(
    Array.from({ length: N }, async (_, i) => {
      const branch = `fan.b${pad(i)}`;
      try {
        await store.addBranchLog({ ...store.createBranchLog(branch), status: "PROCESSING" }, id);
        const step = store.createStepLog("task", `${branch}.task`);
        step.status = "SUCCESS";
        step.attempts.push({ ...store.createAttemptLog(), attempt_number: 1, status: "SUCCESS" });
        await store.addStepLog(step, id);
        await store.setParameters(id, { [`p${pad(i)}`]: i });
        await store.setRunConfig(id, { [`w${pad(i)}`]: i });
        await store.updateRunLogStatus(id, i % 2 ? "PROCESSING" : "SUCCESS");
      } catch (e) {
        // a branch overwritten by another writer makes the next add fail: a lost update too
        if (e.name !== "BranchLogNotFoundError") throw e;
      }
    }),
  );
  const log = await store.getRunLogById(id, true);
  let lost = 0;
  for (let i = 0; i < N; i++) {
    const b = log.steps.fan.branches[`fan.b${pad(i)}`];
    if (!b) lost += 2;
    else if (b.steps[`fan.b${pad(i)}.task`]?.status !== "SUCCESS") lost += 1;
    if (log.parameters[`p${pad(i)}`] !== i) lost += 1;
    if (log.run_config[`w${pad(i)}`] !== i) lost += 1;
  }
  return { lost, log };
}

for (const layout of ["single", "chunked"]) {
  test(`${layout}: ${N} parallel writers lose nothing`, async () => {
    const store = new S3RunLogStore(config(uniquePrefix(`stress-${layout}`), { layout }), env());
    const { lost, log } = await workload(store);
    assert.equal(lost, 0);
    assert.equal(Object.keys(log.steps.fan.branches).length, N);
    assert.equal(Object.keys(log.parameters).length, N);
    assert.equal(Object.keys(log.run_config).length, N);
    for (const [name, b] of Object.entries(log.steps.fan.branches)) {
      assert.deepEqual(Object.keys(b.steps), [`${name}.task`]);
      assert.equal(b.steps[`${name}.task`].attempts.length, 1);
    }
  });

  test(`${layout}: magnus's last-writer-wins loses updates under the same load`, async () => {
    const store = new S3RunLogStore(config(uniquePrefix(`naive-${layout}`), { layout, unsafe_last_writer_wins: true }), env());
    const { lost } = await workload(store);
    assert.ok(lost > 0, "the naive mode lost nothing: the stress test could not fail");
    console.log(`# ${layout}, ${N} writers, last-writer-wins: ${lost} of ${4 * N} updates lost`);
  });
}
