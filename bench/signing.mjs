// SigV4 signing speed: our signRequest / presignUrl (wasm, through the npm package) against the JS
// signers of ../shared/ANCHORS.md, each library in its own Node process, median of 15 rounds of
// 2,000 signatures, plus cold start (a new process: import + first signature).
//   node bench/signing.mjs            # all libraries, a markdown table
//   node bench/signing.mjs LIB        # one library (what the table runs, one process each)
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const creds = { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", sessionToken: "FwoGZXIvYXdzEXAMPLETOKEN0123456789" };
const host = "examplebucket.s3.eu-west-1.amazonaws.com";
const body = new Uint8Array(10 * 1024).fill(97);

const libs = {
  async "magnus-s3"() {
    const { signRequest, presignUrl } = await import("magnus-s3");
    const opts = { ...creds, region: "eu-west-1", service: "s3" };
    const noToken = { ...opts, sessionToken: undefined };
    return {
      get: () => signRequest({ method: "GET", url: `https://${host}/runs/r1.json` }, opts),
      put: () => signRequest({ method: "PUT", url: `https://${host}/runs/r1.json`, body }, noToken),
      presign: () => presignUrl({ method: "GET", url: `https://${host}/runs/r1.json` }, { ...noToken, expiresIn: 900 }),
    };
  },
  async aws4() {
    const aws4 = (await import("aws4")).default;
    const c = { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey };
    return {
      get: () => aws4.sign({ host, path: "/runs/r1.json", service: "s3", region: "eu-west-1" }, { ...c, sessionToken: creds.sessionToken }),
      put: () => aws4.sign({ host, path: "/runs/r1.json", method: "PUT", body: Buffer.from(body), service: "s3", region: "eu-west-1" }, c),
      presign: () => aws4.sign({ host, path: "/runs/r1.json", service: "s3", region: "eu-west-1", signQuery: true }, c),
    };
  },
  async smithy() {
    const { SignatureV4 } = await import("@smithy/signature-v4");
    const { Hash } = await import("@smithy/hash-node");
    const mk = (credentials) => new SignatureV4({ credentials, region: "eu-west-1", service: "s3", sha256: Hash.bind(null, "sha256"), uriEscapePath: false, applyChecksum: true });
    const withToken = mk(creds);
    const plain = mk({ accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey });
    const req = (method, b) => ({ method, protocol: "https:", hostname: host, path: "/runs/r1.json", headers: { host }, body: b });
    return {
      get: () => withToken.sign(req("GET")),
      put: () => plain.sign(req("PUT", body)),
      presign: () => plain.presign(req("GET"), { expiresIn: 900 }),
    };
  },
  async aws4fetch() {
    const { AwsClient } = await import("aws4fetch");
    const withToken = new AwsClient({ ...creds, region: "eu-west-1", service: "s3" });
    const plain = new AwsClient({ accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, region: "eu-west-1", service: "s3" });
    return {
      get: () => withToken.sign(`https://${host}/runs/r1.json`),
      put: () => plain.sign(`https://${host}/runs/r1.json`, { method: "PUT", body }),
      presign: () => plain.sign(`https://${host}/runs/r1.json`, { aws: { signQuery: true } }),
    };
  },
};

async function measure(name) {
  const t0 = performance.now();
  const ops = await libs[name]();
  await ops.get();
  const cold = performance.now() - t0;
  const out = { lib: name, cold_ms: cold };
  for (const [op, fn] of Object.entries(ops)) {
    for (let i = 0; i < 2000; i++) await fn(); // warm up
    const rounds = [];
    for (let r = 0; r < 15; r++) {
      const t = performance.now();
      for (let i = 0; i < 2000; i++) await fn();
      rounds.push(((performance.now() - t) * 1000) / 2000);
    }
    rounds.sort((a, b) => a - b);
    out[op] = rounds[7];
  }
  return out;
}

const only = process.argv[2];
if (only) {
  console.log(JSON.stringify(await measure(only)));
} else {
  const self = fileURLToPath(import.meta.url);
  console.log(`Node ${process.versions.node}; median µs per signature (15 rounds of 2,000); cold = new process, import + first signature\n`);
  console.log("| library | GET + session token | PUT 10 KiB, payload hashed | presigned GET | cold start |\n|---|---|---|---|---|");
  for (const name of Object.keys(libs)) {
    const r = JSON.parse(execFileSync(process.execPath, [self, name], { encoding: "utf8" }));
    console.log(`| ${name} | ${r.get.toFixed(1)} µs | ${r.put.toFixed(1)} µs | ${r.presign.toFixed(1)} µs | ${r.cold_ms.toFixed(1)} ms |`);
  }
}
