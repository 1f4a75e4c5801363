// Type-checked with `tsc --strict` in the test suite: uses every export of the package.
import {
  S3RunLogStore, signRequest, presignUrl, init,
  type RunLog, type StepLog, type BranchLog, type StepAttempt, type CodeIdentity, type DataCatalog,
  type RunLogStoreConfig, type RunLogStoreBlock, type RunLogSummary, type MagnusS3Error, type JsonObject,
} from "magnus-s3";

export async function example(env: Record<string, string | undefined>): Promise<string[]> {
  await init();
  const block: RunLogStoreBlock = { type: "s3", config: { s3_bucket: "runs", prefix: "magnus/logs" } };
  const config: RunLogStoreConfig = { ...block.config, endpoint_url: "http://127.0.0.1:5004", layout: "single" };
  const store = new S3RunLogStore(config, env);
  new S3RunLogStore(block);

  const run: RunLog = await store.createRunLog("run-1", { tag: "demo", dag_hash: "abc", status: "PROCESSING" });
  const full: RunLog = await store.getRunLogById(run.run_id, true);
  await store.putRunLog(full);
  await store.updateRunLogStatus("run-1", "SUCCESS");
  const params: JsonObject = await store.getParameters("run-1");
  await store.setParameters("run-1", { ...params, x: 1, nested: { ok: [true, null, "s"] } });
  await store.setRunConfig("run-1", (await store.getRunConfig("run-1")));

  const step: StepLog = store.createStepLog("fan", "fan");
  const attempt: StepAttempt = store.createAttemptLog();
  attempt.attempt_number = 1;
  const code: CodeIdentity = store.createCodeIdentity();
  const catalog: DataCatalog = store.createDataCatalog("out.csv");
  step.attempts.push(attempt);
  step.code_identities.push(code);
  step.data_catalog.push(catalog);
  await store.addStepLog(step, "run-1");
  const branch: BranchLog = store.createBranchLog("fan.a");
  await store.addBranchLog(branch, "run-1");
  const again: StepLog = await store.getStepLog("fan", "run-1");
  const b: BranchLog = await store.getBranchLog("fan.a", "run-1");

  const runs: RunLogSummary[] = await store.listRunLogs({ limit: 10, startAfter: "run-0" });
  const url: string = await store.presignGetRunLog("run-1", 300);

  const signed: { headers: Record<string, string> } = signRequest(
    { method: "PUT", url: "https://s3.eu-west-1.amazonaws.com/b/k", headers: [["content-type", "text/plain"]], body: new Uint8Array([1]) },
    { accessKeyId: "AKID", secretAccessKey: "secret", region: "eu-west-1", service: "s3", date: new Date(), unsignedPayload: false },
  );
  const presigned: string = presignUrl(
    { url: "https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15" },
    { accessKeyId: "AKID", secretAccessKey: "secret", sessionToken: "t", region: "us-east-1", service: "sts", expiresIn: 60,
      doubleEncode: true, normalizePath: true, payloadHashHeader: false, signSessionToken: true },
  );

  try {
    await store.getRunLogById("missing");
  } catch (e) {
    const err = e as MagnusS3Error;
    if (err.name === "S3Error") return [String(err.status), err.code ?? "", err.requestId ?? ""];
    if (err.name === "StepLogNotFoundError") return [err.missing ?? ""];
  }
  return [again.internal_name, b.internal_name, url, signed.headers.authorization, presigned, ...runs.map((r) => r.run_id)];
}

// magnus-s3/api: the HTTP API in a Worker, and as a Lambda handler.
import { createRunLogApi, toLambdaHandler, toLambdaEdgeHandler, type RunLogApi, type LambdaHttpResult, type CloudFrontResult } from "magnus-s3/api";

export const worker = {
  async fetch(request: Request, env: Record<string, string>): Promise<Response> {
    const store = new S3RunLogStore({ s3_bucket: env.BUCKET ?? "runs" }, env);
    const api: RunLogApi = createRunLogApi(store, { token: env.API_TOKEN, cors: "*", basePath: "/api" });
    return api.fetch(request);
  },
};

export async function lambda(): Promise<LambdaHttpResult> {
  const handler = toLambdaHandler(createRunLogApi(new S3RunLogStore({ s3_bucket: "runs" })));
  return handler({ rawPath: "/runs", rawQueryString: "limit=10", headers: { host: "x.lambda-url.eu-west-1.on.aws" }, requestContext: { http: { method: "GET" } } });
}

export async function edge(): Promise<CloudFrontResult> {
  const handler = toLambdaEdgeHandler(createRunLogApi(new S3RunLogStore({ s3_bucket: "runs" })));
  return handler({ Records: [{ cf: { request: { uri: "/runs", querystring: "", method: "GET", headers: { host: [{ key: "Host", value: "h" }] } } } }] });
}
