// Serves the dashboard (www/) and the package (pkg/) on 127.0.0.1, and the run logs through the
// package's read-only HTTP API (magnus-s3/api) under /api/: the store runs here, with this
// process's credentials (AWS_* from the environment), so the page never holds any.
// MAGNUS_WWW_CONFIG is the run_log_store config as JSON (default: the demo's bucket and prefix).
//   node scripts/serve-www.mjs [port]
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { S3RunLogStore } from "../pkg/node.mjs";
import { createRunLogApi } from "../pkg/api.mjs";

const repo = join(fileURLToPath(import.meta.url), "..", "..");
const port = Number(process.argv[2] ?? 8000);
const types = { ".html": "text/html", ".mjs": "text/javascript", ".js": "text/javascript", ".css": "text/css", ".wasm": "application/wasm", ".json": "application/json" };
const config = JSON.parse(process.env.MAGNUS_WWW_CONFIG ?? '{"s3_bucket": "magnus-runlogs", "prefix": "demo", "region": "us-east-1"}');
const api = createRunLogApi(new S3RunLogStore(config, process.env), { basePath: "/api" });
// What the page needs to know: where the API is, and what to call the place it shows. With
// MAGNUS_WWW_SIGN_IN_PAGE=1 the page gets the store config and this process's keys instead and
// signs its own requests (what a static deployment does; only ever with throw-away test keys).
const page = process.env.MAGNUS_WWW_SIGN_IN_PAGE === "1"
  ? { config: { ...config, endpoint_url: config.endpoint_url ?? process.env.AWS_ENDPOINT_URL_S3 }, env: { AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY } }
  : { api: "/api", where: `s3://${config.s3_bucket}/${config.prefix ?? ""}`, layout: config.layout ?? "single" };

/** Answers one request; never throws (a bad request is the client's 4xx, not this process's end). */
async function answer(req, res) {
  if (req.url.startsWith("/api/")) {
    const headers = Object.entries(req.headers).filter(([, v]) => typeof v === "string");
    const init = { method: req.method, headers };
    let request;
    try {
      request = new Request(`http://127.0.0.1:${port}${req.url}`, init);
    } catch {
      return res.writeHead(400).end("bad request");
    }
    const reply = await api.fetch(request);
    res.writeHead(reply.status, Object.fromEntries(reply.headers));
    return res.end(Buffer.from(await reply.arrayBuffer()));
  }
  if (req.method !== "GET" && req.method !== "HEAD") return res.writeHead(405, { allow: "GET, HEAD" }).end();
  let path;
  try {
    path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname));
  } catch {
    return res.writeHead(400).end("bad path");
  }
  if (path === "/") return res.writeHead(302, { location: "/www/" }).end();
  if (path === "/www/config.json") return res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(page));
  if (path.endsWith("/")) path += "index.html";
  if (!path.startsWith("/www/") && !path.startsWith("/pkg/")) return res.writeHead(404).end();
  let body;
  try {
    body = await readFile(join(repo, path));
  } catch {
    return res.writeHead(404).end();
  }
  res.writeHead(200, { "content-type": types[extname(path)] ?? "application/octet-stream" }).end(req.method === "HEAD" ? undefined : body);
}

createServer((req, res) => {
  answer(req, res).catch(() => {
    if (!res.headersSent) res.writeHead(500);
    res.end();
  });
}).listen(port, "127.0.0.1", () => console.log(`dashboard: http://127.0.0.1:${port}/www/`));
