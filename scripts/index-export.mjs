#!/usr/bin/env node
// Copies a store's run index (`<prefix>/.magnus-index/`) to a local folder, keys as paths, so an
// engine reads it with hive partitioning (`status=<S>/` becomes a column): see
// scripts/index-duckdb.py and the README's "Run index".
//
//   node scripts/index-export.mjs <dir> [prefix]
//
// The endpoint, bucket and credentials come from the environment (MAGNUS_TEST_S3_ENDPOINT,
// MAGNUS_TEST_S3_BUCKET, and AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or the test keys).
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { signRequest } from "magnus-s3";

const [dir, prefix = ""] = process.argv.slice(2);
if (!dir) {
  console.error("usage: node scripts/index-export.mjs <dir> [prefix]");
  process.exit(2);
}
const env = process.env;
const endpoint = env.MAGNUS_TEST_S3_ENDPOINT ?? env.AWS_ENDPOINT_URL_S3;
const bucket = env.MAGNUS_TEST_S3_BUCKET;
const creds = {
  accessKeyId: env.AWS_ACCESS_KEY_ID ?? env.MAGNUS_TEST_S3_KEY,
  secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? env.MAGNUS_TEST_S3_SECRET,
  sessionToken: env.AWS_SESSION_TOKEN,
  region: env.AWS_REGION ?? "us-east-1",
  service: "s3",
};
const root = `${prefix ? `${prefix.replace(/^\/+|\/+$/g, "")}/` : ""}.magnus-index/v1/`;
const get = async (url) => {
  const res = await fetch(url, { headers: signRequest({ method: "GET", url }, creds).headers });
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  return res;
};
const enc = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

let token;
let copied = 0;
do {
  const q = [token && `continuation-token=${enc(token)}`, "list-type=2", `prefix=${enc(root)}`].filter(Boolean).join("&");
  const xml = await (await get(`${endpoint}/${bucket}?${q}`)).text();
  const keys = [...xml.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1].replace(/&amp;/g, "&").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'"));
  for (const key of keys) {
    const body = Buffer.from(await (await get(`${endpoint}/${bucket}/${key.split("/").map(enc).join("/")}`)).arrayBuffer());
    const file = join(dir, key.slice(root.length));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, body);
    copied++;
  }
  token = /<IsTruncated>true<\/IsTruncated>/.test(xml) ? xml.match(/<NextContinuationToken>([^<]*)</)?.[1] : undefined;
} while (token);
console.log(`copied ${copied} index entries to ${dir}`);
