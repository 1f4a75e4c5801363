// `npm pack` of pkg/, installed into an empty folder, imports and works from ESM and CJS in Node
// (a real signed round trip against the local S3 server from each).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, existsSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repo, config, env, uniquePrefix } from "./helpers.mjs";

test("packed package installs in an empty folder and works from ESM and CJS", () => {
  const dir = mkdtempSync(join(tmpdir(), "magnus-s3-pack-"));
  const tgz = execFileSync("npm", ["pack", join(repo, "pkg"), "--pack-destination", dir, "--silent"], { encoding: "utf8" }).trim().split("\n").at(-1);
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true }));
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--silent", join(dir, tgz)], { cwd: dir });
  const installed = join(dir, "node_modules", "magnus-s3");
  assert.deepEqual(readdirSync(join(installed, "dist")).sort(), ["magnus_s3.cjs", "magnus_s3.js", "magnus_s3_bg.wasm"]);
  assert.ok(existsSync(join(installed, "index.d.ts")));

  const cfg = JSON.stringify(config(uniquePrefix("pack")));
  const creds = JSON.stringify(env());
  const body = (name) => `
    const store = new S3RunLogStore(${cfg}, ${creds});
    const created = await store.createRunLog("${name}");
    const read = await store.getRunLogById("${name}");
    if (read.run_id !== created.run_id) throw new Error("mismatch");
    const e = await store.createRunLog("${name}").catch((e) => e);
    if (e.name !== "RunLogExistsError") throw new Error("expected RunLogExistsError, got " + e.name);
    console.log("ok ${name}", typeof signRequest, typeof presignUrl, typeof init);`;
  writeFileSync(join(dir, "esm.mjs"), `import { S3RunLogStore, signRequest, presignUrl, init } from "magnus-s3";\n${body("esm")}`);
  writeFileSync(join(dir, "cjs.cjs"), `const { S3RunLogStore, signRequest, presignUrl, init } = require("magnus-s3");\n(async () => {${body("cjs")}})().catch((e) => { console.error(e); process.exit(1); });`);
  assert.equal(execFileSync("node", ["esm.mjs"], { cwd: dir, encoding: "utf8" }).trim(), "ok esm function function function");
  assert.equal(execFileSync("node", ["cjs.cjs"], { cwd: dir, encoding: "utf8" }).trim(), "ok cjs function function function");
});
