// A Cloudflare Worker that exercises the package on real workerd (tests/js/workerd.test.mjs
// serves it): the store with credentials from the Worker's env bindings, typed errors, listing,
// a presigned GET and signRequest, answered as JSON; and under /api/ the HTTP API.
import { S3RunLogStore, signRequest, presignUrl } from "magnus-s3/workerd.mjs";
import { createRunLogApi } from "magnus-s3/api.mjs";

export default {
  async fetch(request, env) {
    if (new URL(request.url).pathname.startsWith("/api/")) {
      // magnus-s3/api, as a Worker would serve it to a dashboard.
      const config = { s3_bucket: env.BUCKET, prefix: env.PREFIX, endpoint_url: env.S3_ENDPOINT, region: "us-east-1" };
      return createRunLogApi(new S3RunLogStore(config, env), { basePath: "/api", token: env.API_TOKEN, cors: "*" }).fetch(request);
    }
    const out = {};
    if (new URL(request.url).pathname === "/fault") {
      // Forced faults inside the module: each costs its call; the same store works afterwards.
      const config = { s3_bucket: env.BUCKET, prefix: `${env.PREFIX}/fault`, endpoint_url: env.S3_ENDPOINT, region: "us-east-1" };
      const store = new S3RunLogStore(config, env);
      await store.createRunLog("f1");
      const names = new Set();
      for (let i = 0; i < 200; i++) {
        try {
          store.__fault("sync");
        } catch (e) {
          names.add(e.name);
        }
      }
      out.sync = [...names];
      out.async = await store.__fault("async").then(() => "none", (e) => e.name);
      out.stack = await store.__fault("stack").then(() => "none", (e) => e.name);
      out.after = (await store.getRunLogById("f1")).run_id;
      return Response.json(out);
    }
    try {
      const config = { s3_bucket: env.BUCKET, prefix: env.PREFIX, endpoint_url: env.S3_ENDPOINT, region: "us-east-1" };
      const store = new S3RunLogStore(config, env);
      await store.createRunLog("w1", { status: "PROCESSING" });
      await store.setParameters("w1", { a: 1, "ü": "x" });
      const step = store.createStepLog("step one", "step one");
      step.status = "SUCCESS";
      step.attempts.push({ ...store.createAttemptLog(), attempt_number: 1, status: "SUCCESS" });
      await store.addStepLog(step, "w1");
      await store.updateRunLogStatus("w1", "SUCCESS");
      const log = await store.getRunLogById("w1");
      out.status = log.status;
      out.step = log.steps["step one"].status;
      out.parameters = log.parameters;
      out.exists = await store.createRunLog("w1").then(() => "none", (e) => e.name);
      out.missing = await store.getRunLogById("nope").then(() => "none", (e) => e.name);
      const wrong = new S3RunLogStore(config, { ...env, AWS_SECRET_ACCESS_KEY: "wrong-secret" });
      out.wrong = await wrong.getRunLogById("w1").then(() => "none", (e) => `${e.name} ${e.status} ${e.code}`);
      out.list = (await store.listRunLogs()).map((r) => r.run_id);
      out.presigned = (await fetch(await store.presignGetRunLog("w1", 60))).status;
      const opts = { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, region: "us-east-1", service: "s3" };
      const url = `${env.S3_ENDPOINT}/${env.BUCKET}/${env.PREFIX}/w1.json`;
      out.signedGet = (await fetch(url, { headers: signRequest({ method: "GET", url }, opts).headers })).status;
      out.presignUrl = (await fetch(presignUrl({ method: "GET", url }, { ...opts, expiresIn: 60 }))).status;
    } catch (e) {
      out.error = `${e.name}: ${e.message}`;
    }
    return Response.json(out);
  },
};
