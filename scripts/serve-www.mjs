// Serves the dashboard (www/) and the package (pkg/) on 127.0.0.1, plus www/config.json built from
// the environment: MAGNUS_WWW_CONFIG (a run_log_store config as JSON) and, for the local demo only,
// the test server's credentials (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY). Never point this at
// real credentials on a shared host: the page signs requests itself.
//   node scripts/serve-www.mjs [port]
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";

const repo = join(fileURLToPath(import.meta.url), "..", "..");
const port = Number(process.argv[2] ?? 8000);
const types = { ".html": "text/html", ".mjs": "text/javascript", ".js": "text/javascript", ".css": "text/css", ".wasm": "application/wasm", ".json": "application/json" };
const config = JSON.parse(process.env.MAGNUS_WWW_CONFIG ?? '{"s3_bucket": "magnus-runlogs", "prefix": "demo", "region": "us-east-1"}');
config.endpoint_url ??= process.env.AWS_ENDPOINT_URL_S3;
const env = { AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY };

createServer(async (req, res) => {
  let path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname));
  if (path === "/") return res.writeHead(302, { location: "/www/" }).end();
  if (path === "/www/config.json") return res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ config, env }));
  if (path.endsWith("/")) path += "index.html";
  if (!path.startsWith("/www/") && !path.startsWith("/pkg/")) return res.writeHead(404).end();
  try {
    res.writeHead(200, { "content-type": types[extname(path)] ?? "application/octet-stream" }).end(await readFile(join(repo, path)));
  } catch {
    res.writeHead(404).end();
  }
}).listen(port, "127.0.0.1", () => console.log(`dashboard: http://127.0.0.1:${port}/www/`));
