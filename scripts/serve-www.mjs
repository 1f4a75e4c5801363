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

createServer(async (req, res) => {
  if (req.url.startsWith("/api/")) {
    const headers = Object.entries(req.headers).filter(([, v]) => typeof v === "string");
    const answer = await api.fetch(new Request(`http://127.0.0.1:${port}${req.url}`, { method: req.method, headers }));
    res.writeHead(answer.status, Object.fromEntries(answer.headers));
    return res.end(Buffer.from(await answer.arrayBuffer()));
  }
  let path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname));
  if (path === "/") return res.writeHead(302, { location: "/www/" }).end();
  if (path === "/www/config.json") return res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(page));
  if (path.endsWith("/")) path += "index.html";
  if (!path.startsWith("/www/") && !path.startsWith("/pkg/")) return res.writeHead(404).end();
  try {
    res.writeHead(200, { "content-type": types[extname(path)] ?? "application/octet-stream" }).end(await readFile(join(repo, path)));
  } catch {
    res.writeHead(404).end();
  }
}).listen(port, "127.0.0.1", () => console.log(`dashboard: http://127.0.0.1:${port}/www/`));
