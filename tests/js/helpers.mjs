// Shared helpers of the Node suites: the local S3 server started by scripts/s3-server.sh
// (its variables come from .work/s3.env), unique prefixes, and raw signed GET/PUT with our signer.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createServer } from "node:net";

const here = dirname(fileURLToPath(import.meta.url));
export const repo = join(here, "..", "..");
export const shared = process.env.MAGNUS_SHARED ?? join(repo, "..", "shared");

export function need(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run scripts/test.sh (it starts the S3 server and sets it)`);
  return v;
}

export const endpoint = () => need("MAGNUS_TEST_S3_ENDPOINT");
export const bucket = () => need("MAGNUS_TEST_S3_BUCKET");
export const env = () => ({ AWS_ACCESS_KEY_ID: need("MAGNUS_TEST_S3_KEY"), AWS_SECRET_ACCESS_KEY: need("MAGNUS_TEST_S3_SECRET") });

let counter = 0;
export function uniquePrefix(name) {
  return `js/${name}-${Date.now()}-${process.pid}-${counter++}`;
}

export function config(prefix, extra = {}) {
  return { type: "s3", config: { s3_bucket: bucket(), prefix, endpoint_url: endpoint(), region: "us-east-1", ...extra } };
}

export function objectUrl(prefix, runId) {
  const key = `${prefix}/${runId}.json`.split("/").map(encodeURIComponent).join("/");
  return `${endpoint()}/${bucket()}/${key}`;
}

/** A signed fetch with our own signRequest (raw bytes in or out): the test server's keys and S3
 * unless `as` names other `{ creds, service, headers }` (region us-east-1). */
export async function signedFetch(signRequest, method, url, body, as = {}) {
  const creds = as.creds ?? { accessKeyId: env().AWS_ACCESS_KEY_ID, secretAccessKey: env().AWS_SECRET_ACCESS_KEY };
  const { headers } = signRequest(
    { method, url, body, headers: as.headers },
    { ...creds, region: "us-east-1", service: as.service ?? "s3" },
  );
  return fetch(url, { method, headers, body });
}

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

/** Every whole run log magnus wrote (`fixtures/magnus-*`: file-system files, S3 objects, PUT bodies). */
export function fixtureRunLogs() {
  return readdirSync(join(shared, "fixtures"))
    .filter((d) => d.startsWith("magnus-"))
    .flatMap((d) => walk(join(shared, "fixtures", d), []))
    .filter((p) => p.endsWith(".json") && !p.includes("/sources/") && !p.includes("/probes/") && !p.includes("/chunked-fs/"))
    .sort();
}

export const readBytes = (p) => readFileSync(p);

/** A TCP port free on 127.0.0.1 right now (for servers a test starts: workerd, moto). */
export const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

/**
 * A small local HTTP server standing in for S3 where a test needs answers a real server never
 * gives (absurd dates, endless listings, echoed headers). `handler(req, body)` returns
 * `{ status, headers?, body? }` (or a promise of it); every request is recorded in `seen`.
 */
export async function fakeS3(handler) {
  const { createServer: createHttpServer } = await import("node:http");
  const seen = [];
  const server = createHttpServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", async () => {
      const body = Buffer.concat(chunks);
      seen.push({ method: req.method, url: req.url, headers: req.headers, body });
      try {
        const a = await handler(req, body);
        res.writeHead(a.status, a.headers ?? {});
        res.end(a.body ?? "");
      } catch {
        req.socket.destroy();
      }
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    seen,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(r));
    },
  };
}
