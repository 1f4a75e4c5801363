// role_arn with a real STS: moto's server (PyPI moto[server], in .venv-moto) with authentication
// on, so it checks every SigV4 signature and IAM policy. An IAM user may only call
// sts:AssumeRole; the role may use S3. The store, given the user's keys and the role, assumes the
// role and reads and writes run logs on moto's S3 with the temporary credentials; the user's own
// keys are refused by S3 (so success proves the role's credentials signed), and a wrong secret
// ends in CredentialsError.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { S3RunLogStore, signRequest } from "magnus-s3";
import { repo, freePort, signedFetch } from "./helpers.mjs";

const motoBin = join(repo, ".venv-moto", "bin", "moto_server");

/** A signed AWS Query API call (IAM) or REST call before moto checks keys; returns [status, text]. */
async function call(url, service, { method = "POST", form } = {}) {
  const body = form ? new URLSearchParams(form).toString() : undefined;
  const headers = form ? { "content-type": "application/x-www-form-urlencoded; charset=utf-8" } : {};
  const creds = { accessKeyId: "AKIDSETUP", secretAccessKey: "setup" };
  const r = await signedFetch(signRequest, method, url, body, { creds, service, headers });
  return [r.status, await r.text()];
}

const tag = (xml, name) => xml.match(new RegExp(`<${name}>([^<]*)</${name}>`))?.[1];

test("role_arn: the store assumes the role through STS and signs S3 with its credentials", async () => {
  assert.ok(existsSync(motoBin), "moto is not installed: scripts/setup.sh installs it into .venv-moto");
  const port = await freePort();
  const moto = `http://127.0.0.1:${port}`;
  const proc = spawn(motoBin, ["-H", "127.0.0.1", "-p", String(port)], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  proc.stderr.on("data", (d) => (log += d));
  try {
    for (let i = 0; i < 150; i++) {
      try {
        if ((await fetch(`${moto}/moto-api/`)).ok) break;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    // Set-up while moto still lets anything through.
    const iam = (form) => call(`${moto}/`, "iam", { form: { Version: "2010-05-08", ...form } });
    const [, userXml] = await iam({ Action: "CreateUser", UserName: "pipeline" });
    const userArn = tag(userXml, "Arn");
    const [, keyXml] = await iam({ Action: "CreateAccessKey", UserName: "pipeline" });
    const user = { AWS_ACCESS_KEY_ID: tag(keyXml, "AccessKeyId"), AWS_SECRET_ACCESS_KEY: tag(keyXml, "SecretAccessKey") };
    assert.ok(user.AWS_ACCESS_KEY_ID && user.AWS_SECRET_ACCESS_KEY, keyXml);
    const allow = (action) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: action, Resource: "*" }] });
    await iam({ Action: "PutUserPolicy", UserName: "pipeline", PolicyName: "assume", PolicyDocument: allow("sts:AssumeRole") });
    const trust = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: userArn }, Action: "sts:AssumeRole" }] });
    const [, roleXml] = await iam({ Action: "CreateRole", RoleName: "runs-writer", AssumeRolePolicyDocument: trust });
    const roleArn = tag(roleXml, "Arn");
    assert.match(roleArn, /^arn:aws:iam::\d+:role\/runs-writer$/);
    await iam({ Action: "PutRolePolicy", RoleName: "runs-writer", PolicyName: "s3", PolicyDocument: allow("s3:*") });
    const [bucketStatus] = await call(`${moto}/runlogs`, "s3", { method: "PUT" });
    assert.equal(bucketStatus, 200);
    // From here on moto checks every signature and policy.
    assert.equal((await fetch(`${moto}/moto-api/reset-auth`, { method: "POST", body: "0" })).status, 200);

    const config = { s3_bucket: "runlogs", prefix: "sts", endpoint_url: moto, region: "us-east-1", use_credentials: true, role_arn: roleArn };
    const env = { ...user, AWS_ENDPOINT_URL_STS: moto };
    const store = new S3RunLogStore(config, env);
    await store.createRunLog("r1", { status: "PROCESSING" });
    await store.setParameters("r1", { rows: 3 });
    const step = store.createStepLog("load", "load");
    step.status = "SUCCESS";
    await store.addStepLog(step, "r1");
    await store.updateRunLogStatus("r1", "SUCCESS");
    const log1 = await store.getRunLogById("r1");
    assert.deepEqual([log1.status, log1.parameters, log1.steps.load.status], ["SUCCESS", { rows: 3 }, "SUCCESS"]);
    assert.deepEqual((await store.listRunLogs()).map((r) => r.run_id), ["r1"]);
    const url = await store.presignGetRunLog("r1", 60);
    assert.match(url, /X-Amz-Security-Token=/, "presigned with the session's token");

    // The user's own keys may not touch S3: authorization is really enforced.
    const { role_arn, ...withoutRole } = config;
    const direct = await new S3RunLogStore(withoutRole, env).getRunLogById("r1").catch((e) => e);
    assert.deepEqual([direct.name, direct.status], ["S3Error", 403]);

    // A wrong secret fails at STS, as a credentials problem.
    const wrong = await new S3RunLogStore(config, { ...env, AWS_SECRET_ACCESS_KEY: "not-the-secret" }).getRunLogById("r1").catch((e) => e);
    assert.equal(wrong.name, "CredentialsError");
    assert.match(wrong.message, /STS AssumeRole of arn:aws:iam::\d+:role\/runs-writer answered 403/);
    assert.ok(!wrong.message.includes("not-the-secret"));
  } finally {
    proc.kill();
    if (proc.exitCode && proc.exitCode !== 0) console.error(log);
  }
});
