// The dashboard (www/) in headless Chromium: served by scripts/serve-www.mjs, which runs the store
// behind the package's HTTP API (the page holds no credentials), it lists the runs in a prefix
// (loaded here from magnus's fixtures through the package), opens one, draws its step tree down to
// the innermost branch, and refreshes with If-None-Match (unchanged runs answer 304; a changed one
// shows its new status). A screenshot is kept at .work/dashboard.png.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { S3RunLogStore } from "magnus-s3";
import { repo, shared, config, env, endpoint, uniquePrefix } from "./helpers.mjs";

for (const mode of ["api", "sign-in-page"]) {
test(`the dashboard lists runs and draws a nested step tree (${mode})`, async () => {
  const prefix = uniquePrefix("dashboard");
  const store = new S3RunLogStore(config(prefix), env());
  const names = ["deep-nesting", "failing-no-handler", "map-three-items", "parallel-two-branches"];
  for (const n of names) await store.putRunLog(JSON.parse(readFileSync(join(shared, "fixtures", "magnus-0.5.1", `${n}.json`), "utf8")));

  const port = 18000 + (process.pid % 1000);
  const server = spawn(process.execPath, [join(repo, "scripts", "serve-www.mjs"), String(port)], {
    env: {
      ...process.env, ...env(), AWS_ENDPOINT_URL_S3: endpoint(), MAGNUS_WWW_CONFIG: JSON.stringify(config(prefix).config),
      MAGNUS_WWW_SIGN_IN_PAGE: mode === "api" ? "0" : "1",
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise((resolve) => server.stdout.once("data", resolve));
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(`http://127.0.0.1:${port}/www/`);
    await page.waitForFunction(() => window.dashboardReady, null, { timeout: 30_000 });
    const rows = await page.$$eval("#runs tbody tr", (trs) => trs.map((tr) => [tr.dataset.run, tr.querySelector(".status").textContent]));
    assert.deepEqual(rows, [["deep-nesting", "SUCCESS"], ["failing-no-handler", "FAIL"], ["map-three-items", "SUCCESS"], ["parallel-two-branches", "SUCCESS"]]);

    await page.click('tr[data-run="deep-nesting"]');
    await page.waitForSelector('[data-branch="outer_parallel.left.inner_map.beta"] [data-step="outer_parallel.left.inner_map.beta.process"]');
    assert.match(await page.textContent("#detail h2"), /deep-nesting\s*SUCCESS/);
    assert.equal(await page.$$eval("#detail [data-step]", (els) => els.length), 16, "every step of the run");
    // the timeline has one bar per timed attempt (composite steps have none), inside its track
    const fixture = JSON.parse(readFileSync(join(shared, "fixtures", "magnus-0.5.1", "deep-nesting.json"), "utf8"));
    const timed = (steps) => Object.values(steps).flatMap((s) => [...s.attempts.filter((a) => a.start_time && a.end_time), ...Object.values(s.branches).flatMap((b) => timed(b.steps))]);
    const bars = await page.$$eval(".gantt .bar", (els) => els.map((e) => [parseFloat(e.style.left), parseFloat(e.style.width)]));
    assert.equal(bars.length, timed(fixture.steps).length);
    assert.ok(bars.every(([l, w]) => l >= 0 && l + w <= 100.5), JSON.stringify(bars));

    await page.click('tr[data-run="failing-no-handler"]');
    await page.waitForSelector("#detail .error");
    assert.match(await page.textContent("#detail .error"), /deliberate failure/);
    await page.click('tr[data-run="deep-nesting"]');
    await page.waitForSelector('[data-step="outer_parallel.right.inner_dag.dag.inner_two"]');
    if (mode === "api") await page.screenshot({ path: join(repo, ".work", "dashboard.png") });
    if (mode !== "api") {
      // The static variant: the package in the page signs its own requests; a refresh re-reads.
      await store.updateRunLogStatus("map-three-items", "PROCESSING");
      await page.evaluate(() => window.dashboardRefresh());
      assert.equal(await page.textContent('tr[data-run="map-three-items"] .status'), "PROCESSING");
      assert.deepEqual(errors, []);
      return;
    }

    // No credentials reach the page.
    const pageConfig = await (await fetch(`http://127.0.0.1:${port}/www/config.json`)).text();
    assert.ok(!pageConfig.includes(env().AWS_SECRET_ACCESS_KEY) && !pageConfig.includes(env().AWS_ACCESS_KEY_ID), pageConfig);
    assert.deepEqual(JSON.parse(pageConfig).api, "/api");

    // A refresh with nothing changed: every run log read is a 304.
    const before = await page.evaluate(() => ({ ...window.dashboardStats }));
    await page.evaluate(() => window.dashboardRefresh());
    const after = await page.evaluate(() => ({ ...window.dashboardStats }));
    assert.ok(after.notModified - before.notModified >= names.length + 1, JSON.stringify({ before, after }));
    // A changed run shows its new status at the next refresh.
    await store.updateRunLogStatus("map-three-items", "PROCESSING");
    await page.evaluate(() => window.dashboardRefresh());
    assert.equal(await page.textContent('tr[data-run="map-three-items"] .status'), "PROCESSING");
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    server.kill();
  }
});
}
