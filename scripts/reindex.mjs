#!/usr/bin/env node
// Rebuilds a store's run index from its run logs (both layouts), with a progress line.
//
//   node scripts/reindex.mjs <config.json> [--concurrency 8]
//   node scripts/reindex.mjs --prefix <prefix>          (the local S3 server of .work/s3.env)
//
// <config.json> holds magnus's run_log_store block (or its inner config); credentials come from
// the environment as the store reads them.
import { readFileSync } from "node:fs";
import { S3RunLogStore } from "magnus-s3";

const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args.splice(i, 2)[1] : undefined;
};
const concurrency = Number(flag("--concurrency") ?? 8);
const prefix = flag("--prefix");
let config;
let env = process.env;
if (prefix !== undefined) {
  config = { s3_bucket: env.MAGNUS_TEST_S3_BUCKET, endpoint_url: env.MAGNUS_TEST_S3_ENDPOINT, region: "us-east-1", prefix };
  env = { ...env, AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID ?? env.MAGNUS_TEST_S3_KEY, AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY ?? env.MAGNUS_TEST_S3_SECRET };
} else if (args[0]) {
  config = JSON.parse(readFileSync(args[0], "utf8"));
} else {
  console.error("usage: node scripts/reindex.mjs <config.json> [--concurrency 8] | --prefix <prefix>");
  process.exit(2);
}
const started = Date.now();
try {
  const report = await new S3RunLogStore(config, env).reindex({
    concurrency,
    onProgress: (done, total) => process.stderr.write(`\rreindex: ${done}/${total} runs read`),
  });
  process.stderr.write("\n");
  console.log(`reindex: ${report.runs} runs, ${report.written} entries written, ${report.refreshed} refreshed, ` +
    `${report.deleted} deleted, ${report.unreadable} unreadable, ${report.failed} failed, in ${((Date.now() - started) / 1000).toFixed(1)} s`);
} catch (e) {
  process.stderr.write("\n");
  console.error(`reindex failed: ${e.name}: ${e.message}`);
  process.exit(1);
}
