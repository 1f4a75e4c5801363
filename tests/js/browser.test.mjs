// The package's browser entry in real headless Chromium (Debian's, driven by playwright-core):
// a page on 127.0.0.1 imports pkg/web.mjs and talks to the local S3 server cross-origin (CORS),
// in both layouts: conditional writes need the ETag, so this also proves it is readable there.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";
import { chromium } from "playwright-core";
import { repo, endpoint, bucket, env, uniquePrefix } from "./helpers.mjs";

const TYPES = { ".html": "text/html", ".mjs": "text/javascript", ".js": "text/javascript", ".wasm": "application/wasm" };

test("the package works in headless Chromium", async () => {
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname));
    if (!path.startsWith("/pkg/") && !path.startsWith("/tests/browser/")) return res.writeHead(404).end();
    try {
      const body = await readFile(join(repo, path));
      res.writeHead(200, { "content-type": TYPES[extname(path)] ?? "application/octet-stream" }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    const q = new URLSearchParams({ endpoint: endpoint(), bucket: bucket(), key: env().AWS_ACCESS_KEY_ID, secret: env().AWS_SECRET_ACCESS_KEY, prefix: uniquePrefix("browser") });
    await page.goto(`http://127.0.0.1:${server.address().port}/tests/browser/index.html?${q}`);
    await page.waitForFunction(() => window.result, null, { timeout: 30_000 });
    const out = await page.evaluate(() => window.result);
    assert.deepEqual(errors, []);
    assert.equal(out.error, undefined, out.error);
    for (const layout of ["single", "chunked"]) {
      assert.deepEqual(out[layout], {
        status: "SUCCESS",
        task: "SUCCESS",
        parameters: { from: "chromium", n: 2.5 },
        exists: "RunLogExistsError",
        listed: [`b1:${layout}`],
      });
    }
    assert.equal(out.wrong, "S3Error 403 SignatureDoesNotMatch");
    assert.equal(out.presigned, "b1");
    assert.equal(out.signedGet, 200);
    assert.equal(out.presignUrl, 200);
    assert.deepEqual(out.fault, { sync: ["InternalError"], async: "InternalError", stack: "InternalError", after: "b1" });
  } finally {
    await browser.close();
    server.close();
  }
});
