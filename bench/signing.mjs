// SigV4 signing: our signRequest / presignUrl (the npm package, in Node) against the JS signers of
// ../shared/ANCHORS.md, in one process, the libraries alternating round by round on the same
// requests (signatures checked equal first where the peer can be given the same time), then cold
// start as fresh processes alternating. Prints a markdown table with min, median and ratios.
//   node bench/signing.mjs [rounds=12] [per-round=2000]
import { execFileSync } from "node:child_process";
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createHash } from "node:crypto";
import { signRequest, presignUrl } from "magnus-s3";
import aws4 from "aws4";
import { SignatureV4 } from "@smithy/signature-v4";
import { Hash } from "@smithy/hash-node";
import { AwsClient } from "aws4fetch";

const rounds = Number(process.argv[2] ?? 12);
const per = Number(process.argv[3] ?? 2000);
const repo = join(dirname(fileURLToPath(import.meta.url)), "..");

const creds = { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", sessionToken: "FwoGZXIvYXdzEXAMPLETOKEN0123456789" };
const plainCreds = { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey };
const host = "examplebucket.s3.eu-west-1.amazonaws.com";
const url = `https://${host}/runs/r1.json`;
const body = new Uint8Array(10 * 1024).fill(97);
const date = new Date("2026-11-30T12:00:00Z");
const amzDate = "20261130T120000Z";

const ours = {
  get: () => signRequest({ method: "GET", url }, { ...creds, region: "eu-west-1", service: "s3" }),
  put: () => signRequest({ method: "PUT", url, body }, { ...plainCreds, region: "eu-west-1", service: "s3" }),
  presign: () => presignUrl({ method: "GET", url }, { ...plainCreds, region: "eu-west-1", service: "s3", expiresIn: 900 }),
};
const a4 = {
  get: () => aws4.sign({ host, path: "/runs/r1.json", service: "s3", region: "eu-west-1" }, creds),
  put: () => aws4.sign({ host, path: "/runs/r1.json", method: "PUT", body: Buffer.from(body), service: "s3", region: "eu-west-1" }, plainCreds),
  presign: () => aws4.sign({ host, path: "/runs/r1.json", service: "s3", region: "eu-west-1", signQuery: true }, plainCreds),
};
const mkSmithy = (credentials) => new SignatureV4({ credentials, region: "eu-west-1", service: "s3", sha256: Hash.bind(null, "sha256"), uriEscapePath: false, applyChecksum: true });
const smWith = mkSmithy(creds);
const smPlain = mkSmithy(plainCreds);
const smReq = (method, b) => ({ method, protocol: "https:", hostname: host, path: "/runs/r1.json", headers: { host }, body: b });
const smithy = {
  get: () => smWith.sign(smReq("GET")),
  put: () => smPlain.sign(smReq("PUT", body)),
  presign: () => smPlain.presign(smReq("GET"), { expiresIn: 900 }),
};
const a4fWith = new AwsClient({ ...creds, region: "eu-west-1", service: "s3" });
const a4fPlain = new AwsClient({ ...plainCreds, region: "eu-west-1", service: "s3" });
const aws4fetch = {
  get: () => a4fWith.sign(url),
  put: () => a4fPlain.sign(url, { method: "PUT", body }),
  presign: () => a4fPlain.sign(url, { aws: { signQuery: true } }),
};
const libs = { "magnus-s3": ours, aws4: a4, "@smithy/signature-v4": smithy, aws4fetch };

// ----- the same signatures first -----
async function checkEqual() {
  const mine = signRequest({ method: "GET", url }, { ...creds, region: "eu-west-1", service: "s3", date });
  const theirs = aws4.sign({ host, path: "/runs/r1.json", service: "s3", region: "eu-west-1", headers: { "X-Amz-Date": amzDate, "X-Amz-Content-Sha256": mine.headers["x-amz-content-sha256"] } }, creds);
  const sig = (h) => h.split("Signature=")[1];
  if (sig(mine.headers.authorization) !== sig(theirs.headers.Authorization)) throw new Error(`GET differs from aws4:\n${mine.headers.authorization}\n${theirs.headers.Authorization}`);
  const put = signRequest({ method: "PUT", url, body }, { ...plainCreds, region: "eu-west-1", service: "s3", date });
  const sm = await smPlain.sign(smReq("PUT", body), { signingDate: date });
  if (sig(put.headers.authorization) !== sig(sm.headers.authorization)) throw new Error(`PUT differs from smithy:\n${put.headers.authorization}\n${sm.headers.authorization}`);
  // smithy presigns the (empty) body's hash; ours signs UNSIGNED-PAYLOAD for S3 unless told not to
  const pre = presignUrl({ method: "GET", url }, { ...plainCreds, region: "eu-west-1", service: "s3", expiresIn: 900, date, unsignedPayload: false });
  const smPre = await smPlain.presign(smReq("GET"), { expiresIn: 900, signingDate: date });
  if (new URL(pre).searchParams.get("X-Amz-Signature") !== smPre.query["X-Amz-Signature"]) throw new Error("presigned URL differs from smithy");
  // the payload hash we sign is the body's SHA-256
  if (put.headers["x-amz-content-sha256"] !== createHash("sha256").update(body).digest("hex")) throw new Error("payload hash");
}

// ----- alternating rounds -----
async function timeOne(fn) {
  const t = performance.now();
  for (let i = 0; i < per; i++) await fn();
  return ((performance.now() - t) * 1000) / per;
}

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0], median: s[Math.floor(s.length / 2)] };
};

async function warm() {
  for (const lib of Object.values(libs)) for (const fn of Object.values(lib)) for (let i = 0; i < per; i++) await fn();
}

async function hot() {
  const times = {};
  for (const name of Object.keys(libs)) times[name] = { get: [], put: [], presign: [] };
  for (let r = 0; r < rounds; r++) {
    for (const op of ["get", "put", "presign"]) {
      // Alternate the order each round so no library always runs right after another.
      const names = Object.keys(libs);
      if (r % 2) names.reverse();
      for (const name of names) times[name][op].push(await timeOne(libs[name][op]));
    }
  }
  return times;
}

// ----- cold start: fresh processes, alternating -----
function cold() {
  const dir = mkdtempSync(join(tmpdir(), "magnus-s3-cold-"));
  const pkg = join(repo, "pkg");
  const sign = `({ method: "GET", url: "${url}" }, { accessKeyId: "A", secretAccessKey: "S", region: "eu-west-1", service: "s3" })`;
  const scripts = {
    "magnus-s3 (CJS)": ["c.cjs", `const { signRequest } = require(${JSON.stringify(join(pkg, "node.cjs"))}); signRequest${sign}; process.stdout.write(String(performance.now()));`],
    "magnus-s3 (ESM)": ["e.mjs", `import { signRequest } from ${JSON.stringify(join(pkg, "node.mjs"))}; signRequest${sign}; process.stdout.write(String(performance.now()));`],
    aws4: ["a.cjs", `const aws4 = require(${JSON.stringify(join(repo, "node_modules", "aws4"))}); aws4.sign({ host: "${host}", path: "/runs/r1.json", service: "s3", region: "eu-west-1" }, { accessKeyId: "A", secretAccessKey: "S" }); process.stdout.write(String(performance.now()));`],
    "node (empty script)": ["n.cjs", `process.stdout.write(String(performance.now()));`],
  };
  for (const [file, text] of Object.values(scripts)) writeFileSync(join(dir, file), text);
  const times = Object.fromEntries(Object.keys(scripts).map((k) => [k, []]));
  for (let r = 0; r < rounds; r++) {
    for (const [name, [file]] of Object.entries(scripts)) {
      times[name].push(Number(execFileSync(process.execPath, [join(dir, file)], { encoding: "utf8" })));
    }
  }
  return times;
}

await checkEqual();
await warm();
const t = await hot();
const c = cold();
const fmt = (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const ratio = (a, b) => (a / b).toFixed(2);
console.log(`Node ${process.versions.node}; µs per signature, ${rounds} rounds of ${per}, libraries alternating in one process; signatures checked equal (aws4, smithy) first\n`);
console.log("| library | GET + session token (min / median) | PUT 10 KiB hashed | presigned GET |\n|---|---|---|---|");
for (const name of Object.keys(libs)) {
  const cell = (op) => { const s = stats(t[name][op]); return `${fmt(s.min)} / ${fmt(s.median)} µs`; };
  console.log(`| ${name} | ${cell("get")} | ${cell("put")} | ${cell("presign")} |`);
}
const m = (name, op) => stats(t[name][op]).median;
console.log(`\nratios (median): GET ours/aws4 ${ratio(m("magnus-s3", "get"), m("aws4", "get"))}, ours/smithy ${ratio(m("magnus-s3", "get"), m("@smithy/signature-v4", "get"))}; ` +
  `PUT ours/smithy ${ratio(m("magnus-s3", "put"), m("@smithy/signature-v4", "put"))}, ours/aws4 ${ratio(m("magnus-s3", "put"), m("aws4", "put"))}; ` +
  `presign ours/aws4 ${ratio(m("magnus-s3", "presign"), m("aws4", "presign"))}; GET ours/aws4fetch ${ratio(m("magnus-s3", "get"), m("aws4fetch", "get"))}`);
console.log(`\ncold start: process start to first signature, ms (${rounds} fresh processes each, alternating; min / median)\n`);
console.log("| script | min | median |\n|---|---|---|");
for (const [name, xs] of Object.entries(c)) { const s = stats(xs); console.log(`| ${name} | ${fmt(s.min)} | ${fmt(s.median)} |`); }
const cm = (n) => stats(c[n]).median;
console.log(`\nratios (median): CJS/aws4 ${ratio(cm("magnus-s3 (CJS)"), cm("aws4"))}, ESM/aws4 ${ratio(cm("magnus-s3 (ESM)"), cm("aws4"))}; ` +
  `after Node's own boot: CJS ${fmt(cm("magnus-s3 (CJS)") - cm("node (empty script)"))} ms, ESM ${fmt(cm("magnus-s3 (ESM)") - cm("node (empty script)"))} ms, aws4 ${fmt(cm("aws4") - cm("node (empty script)"))} ms`);
