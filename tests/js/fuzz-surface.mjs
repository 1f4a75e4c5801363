// Property-based fuzzing of the package's whole JS surface (fast-check): every export and method
// is called with generated arguments (wrong types, huge and odd strings, unpaired surrogates, odd
// URLs and dates, deep names), against a local fake S3 that answers with generated statuses,
// headers and bodies (hostile run logs, listings, error documents, resets and silence).
//
// Invariant: every call settles in time with a value or an Error whose name is in the API's list;
// nothing escapes as an uncaught exception or unhandled rejection; afterwards a normal signature
// and a round trip against the real S3 server work in the same process.
//
//   node tests/js/fuzz-surface.mjs [calls=1000000] [seed]     (a long run; the test runs a few thousand)
import fc from "fast-check";
import { S3RunLogStore, signRequest, presignUrl } from "magnus-s3";
import { fakeS3 } from "./helpers.mjs";

export const NAMES = new Set([
  "RunLogNotFoundError", "RunLogExistsError", "StepLogNotFoundError", "BranchLogNotFoundError", "ConflictError",
  "CredentialsError", "ConfigError", "InvalidRunLogError", "S3Error", "NetworkError", "InvalidArgumentError",
  "InternalError",
]);

const METHODS = {
  createRunLog: 2, getRunLogById: 2, putRunLog: 1, updateRunLogStatus: 2, getParameters: 1, setParameters: 2,
  getRunConfig: 1, setRunConfig: 2, createStepLog: 2, getStepLog: 2, addStepLog: 2, createBranchLog: 1,
  getBranchLog: 2, addBranchLog: 2, createAttemptLog: 0, createCodeIdentity: 0, createDataCatalog: 1,
  listRunLogs: 1, presignGetRunLog: 2, listRuns: 1, countRuns: 1, reindex: 1,
};

// ----- values -----

const oddString = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom("", ".", "..", "a/b", "a.b", "a..b", "x\ud800", "\udc00y", "\u0000", "🚀", "ü", "a\nb", " ", "%ZZ", "__proto__", "constructor"),
  fc.nat({ max: 20_000 }).map((n) => Array(n + 1).fill("s").join(".")),
  fc.nat({ max: 300_000 }).map((n) => "x".repeat(n)),
);

const oddUrl = fc.oneof(
  oddString,
  fc.constantFrom("/k", "example.com/k", "mailto:a@b", "http://", "https:///x", "http://u@h/k", "ftp://h/k", "HTTPS://H.EXAMPLE/k",
    "http://[::1]:5000/b/k", "http://h:99999/k", "http://h/k#frag", "http://h/k?x=1&x=2&y", "http://h/%zz", "http://h/ a b/ü"),
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
);

const oddDate = fc.oneof(
  fc.date({ noInvalidDate: false }),
  fc.constantFrom("2015-08-30T12:36:00Z", "10000-01-01T00:00:00Z", "yesterday", "1969-12-31T23:59:59Z", "2015-08-30T12:36:00+01:00"),
  fc.integer().map((ms) => new Date(ms)),
  fc.double().map((ms) => new Date(ms)),
);

const anything = fc.oneof(
  { weight: 3, arbitrary: fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true,
    withSparseArray: true, withNullPrototype: true, withObjectString: true, withBoxedValues: true, stringUnit: "binary", maxDepth: 4 }) },
  { weight: 2, arbitrary: oddString },
  { weight: 1, arbitrary: fc.constantFrom(undefined, null, NaN, Infinity, -0, 2 ** 53 + 1, () => 1, Symbol("s"), new Uint8Array(3)) },
);

/** Things shaped like run logs, steps and branches, then broken in generated ways. */
const stepLike = fc.letrec((tie) => ({
  step: fc.record({
    name: fc.oneof(fc.string(), anything),
    internal_name: fc.oneof(fc.constantFrom("a", "a.b.c", "x"), oddString),
    status: fc.oneof(fc.constantFrom("SUCCESS", "FAIL"), anything),
    attempts: fc.oneof(fc.array(fc.record({ attempt_number: fc.oneof(fc.integer(), anything) }), { maxLength: 3 }), anything),
    branches: fc.oneof(fc.dictionary(fc.string(), tie("branch"), { maxKeys: 2 }), anything),
  }, { requiredKeys: [] }),
  branch: fc.record({
    internal_name: fc.oneof(fc.constantFrom("a.b"), oddString),
    steps: fc.oneof(fc.dictionary(fc.string(), tie("step"), { maxKeys: 2 }), anything),
  }, { requiredKeys: [] }),
})).step;

const runLogLike = fc.record({
  run_id: fc.oneof(fc.constantFrom("r", "run-1"), oddString),
  status: fc.oneof(fc.constantFrom("SUCCESS", "PROCESSING"), anything),
  steps: fc.oneof(fc.dictionary(fc.string(), stepLike, { maxKeys: 3 }), anything),
  parameters: fc.oneof(fc.dictionary(fc.string({ unit: "binary" }), fc.jsonValue()), anything),
  run_config: fc.oneof(fc.object(), anything),
}, { requiredKeys: [] });

const argument = fc.oneof({ weight: 3, arbitrary: anything }, { weight: 2, arbitrary: runLogLike }, { weight: 1, arbitrary: stepLike },
  { weight: 1, arbitrary: fc.record({ limit: anything, startAfter: oddString, dag_hash: anything, tag: anything, status: anything }, { requiredKeys: [] }) });

/** Arguments of the right types for each method (with generated content), to reach past the checks. */
const runId = fc.oneof(fc.constantFrom("r", "run-1", "a b"), fc.string({ maxLength: 12 }));
const stepName = fc.oneof(fc.constantFrom("a", "a.b.c", "x"), fc.string({ maxLength: 8 }));
const branchName = fc.oneof(fc.constantFrom("a.b", "x.y"), fc.string({ maxLength: 8 }));
const wellTyped = {
  createRunLog: fc.tuple(runId, fc.record({ tag: fc.string(), status: fc.constantFrom("PROCESSING", "SUCCESS"), dag_hash: fc.string() }, { requiredKeys: [] })),
  getRunLogById: fc.tuple(runId, fc.boolean()),
  putRunLog: fc.tuple(runLogLike),
  updateRunLogStatus: fc.tuple(runId, fc.constantFrom("SUCCESS", "FAIL", "")),
  getParameters: fc.tuple(runId),
  setParameters: fc.tuple(runId, fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 4 })),
  getRunConfig: fc.tuple(runId),
  setRunConfig: fc.tuple(runId, fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 4 })),
  createStepLog: fc.tuple(fc.string(), stepName),
  getStepLog: fc.tuple(stepName, runId),
  addStepLog: fc.tuple(stepLike, runId),
  createBranchLog: fc.tuple(branchName),
  getBranchLog: fc.tuple(branchName, runId),
  addBranchLog: fc.tuple(fc.record({ internal_name: branchName, status: fc.string() }), runId),
  createAttemptLog: fc.tuple(),
  createCodeIdentity: fc.tuple(),
  createDataCatalog: fc.tuple(fc.string()),
  listRunLogs: fc.tuple(fc.record({ limit: fc.integer({ min: -1, max: 2000 }), startAfter: runId }, { requiredKeys: [] })),
  presignGetRunLog: fc.tuple(runId, fc.integer({ min: -1, max: 700_000 })),
  listRuns: fc.tuple(fc.record({
    status: fc.oneof(fc.constantFrom("FAIL", "SUCCESS"), fc.array(oddString, { maxLength: 3 }), anything), tag: fc.oneof(fc.string(), anything),
    since: fc.oneof(oddDate, anything), until: fc.oneof(oddDate, anything), runIdPrefix: fc.oneof(runId, anything),
    limit: fc.integer({ min: -1, max: 2000 }), cursor: fc.oneof(fc.constantFrom("0000000000001~a~", "x"), oddString), details: anything,
  }, { requiredKeys: [] })),
  countRuns: fc.tuple(fc.record({ since: fc.oneof(oddDate, anything), until: fc.oneof(oddDate, anything) }, { requiredKeys: [] })),
  reindex: fc.tuple(fc.record({ concurrency: fc.oneof(fc.integer({ min: -1, max: 100 }), anything),
    onProgress: fc.oneof(fc.constant(() => {}), fc.constant(() => { throw new Error("cb"); }), anything) }, { requiredKeys: [] })),
};

// ----- answers of the fake S3 -----

const httpDate = fc.oneof(
  fc.date({ min: new Date("1970-01-01"), max: new Date("9999-12-31") }).map((d) => d.toUTCString()),
  fc.constantFrom("Fri, 31 Dec 9999 23:59:59 GMT", "Mon, 01 Jan 0001 00:00:00 GMT", "garbage", ""),
);

const xmlText = fc.oneof(fc.string({ unit: "binary", maxLength: 30 }), fc.constantFrom("", "&amp;", "&#0;", "&#xD800;", "<x>", "]]>"));

const listing = fc.record({
  truncated: fc.boolean(),
  token: fc.option(xmlText),
  keys: fc.array(fc.oneof(xmlText, fc.constantFrom("p/r.json", "p/r/", "p/r/RunLog", "p/r/StepLog-a-1", "p/r/BranchLog-a.b-2", "p/r/Parameter-x")), { maxLength: 8 }),
  prefixes: fc.array(fc.oneof(xmlText, fc.constantFrom("p/r/", "p//")), { maxLength: 3 }),
}).map((l) => `<ListBucketResult><IsTruncated>${l.truncated}</IsTruncated>${l.keys.map((k) => `<Contents><Key>${k}</Key><Size>1</Size><ETag>"e"</ETag></Contents>`).join("")}${l.prefixes.map((p) => `<CommonPrefixes><Prefix>${p}</Prefix></CommonPrefixes>`).join("")}${l.token === null ? "" : `<NextContinuationToken>${l.token}</NextContinuationToken>`}</ListBucketResult>`);

const errorXml = fc.record({
  code: fc.oneof(fc.constantFrom("NoSuchKey", "AccessDenied", "SignatureDoesNotMatch", "RequestTimeTooSkewed", "SlowDown", "PreconditionFailed"), xmlText),
  message: xmlText,
}).map((e) => `<Error><Code>${e.code}</Code><Message>${e.message}</Message><RequestId>R</RequestId></Error>`);

const body = fc.oneof(
  fc.constant(""),
  runLogLike.map((r) => { try { return JSON.stringify(r) ?? ""; } catch { return "{}"; } }),
  stepLike.map((r) => { try { return JSON.stringify(r) ?? ""; } catch { return "{}"; } }),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.nat({ max: 400 }).map((n) => "[".repeat(n) + "]".repeat(n)),
  fc.constantFrom('{"run_id": "r", "parameters": {"x": NaN, "y": 1e400, "z": 123456789012345678901234567890}}', '"{\\"run_id\\": \\"r\\"}"', "\ufeff{}", "\u0000\u0000"),
  listing,
  errorXml,
  fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
);

const answer = fc.record({
  status: fc.constantFrom(200, 200, 200, 204, 304, 400, 403, 404, 404, 409, 412, 500, 503),
  etag: fc.option(fc.oneof(fc.constant('"e1"'), xmlText)),
  date: fc.option(httpDate),
  body,
  fault: fc.constantFrom(null, null, null, null, null, null, null, null, null, "reset"),
});

// ----- calls -----

const call = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constantFrom("signRequest", "presignUrl"),
    request: fc.oneof(anything, fc.record({ method: fc.oneof(fc.constantFrom("GET", "PUT", "get", "PÜT"), anything), url: oddUrl,
      headers: fc.oneof(anything, fc.dictionary(oddString, oddString, { maxKeys: 3 }), fc.array(fc.tuple(oddString, oddString), { maxLength: 3 })),
      body: fc.oneof(anything, fc.string(), fc.uint8Array({ maxLength: 32 })) }, { requiredKeys: ["url"] })),
    options: fc.oneof(anything, fc.record({ accessKeyId: fc.oneof(fc.constant("AKID"), anything), secretAccessKey: fc.oneof(fc.constant("secret"), anything),
      sessionToken: fc.oneof(fc.constant("tok"), anything), region: fc.oneof(fc.constant("us-east-1"), anything), service: fc.oneof(fc.constantFrom("s3", "sts", "iam"), anything),
      date: oddDate, expiresIn: anything, unsignedPayload: anything, doubleEncode: anything, normalizePath: anything, payloadHashHeader: anything,
      signSessionToken: anything, payloadHash: fc.oneof(fc.stringMatching(/^[0-9a-f]{64}$/), anything) }, { requiredKeys: [] })) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("constructor"), config: fc.oneof(anything, fc.record({ s3_bucket: fc.oneof(fc.constant("b"), anything),
    endpoint_url: oddUrl, region: anything, layout: anything, prefix: anything, role_arn: anything, use_credentials: anything, aws_profile: anything,
    request_timeout_seconds: anything }, { requiredKeys: [] })), env: anything }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("method"), name: fc.constantFrom(...Object.keys(METHODS)), layout: fc.constantFrom("single", "chunked"),
    args: fc.array(argument, { maxLength: 3 }), answers: fc.array(answer, { maxLength: 6 }) }) },
  { weight: 5, arbitrary: fc.constantFrom(...Object.keys(METHODS)).chain((name) => fc.record({ kind: fc.constant("method"), name: fc.constant(name),
    layout: fc.constantFrom("single", "chunked"), args: wellTyped[name], answers: fc.array(answer, { maxLength: 8 }) })) },
);

/**
 * Runs `calls` generated calls; returns the counts. Throws on the first broken invariant (with
 * fast-check's shrunk counterexample).
 */
export async function fuzzSurface({ calls, seed, timeoutMs = 15_000, log = () => {} }) {
  const escaped = [];
  const onUncaught = (e) => escaped.push(`uncaught: ${e?.stack ?? e}`);
  const onRejection = (e) => escaped.push(`unhandled rejection: ${e?.stack ?? e}`);
  process.on("uncaughtException", onUncaught);
  process.on("unhandledRejection", onRejection);
  let script = [];
  const server = await fakeS3((req) => {
    const a = script.shift() ?? { status: 404, body: "<Error><Code>NoSuchKey</Code></Error>" };
    if (a.fault === "reset") throw new Error("reset");
    const headers = {};
    if (a.etag !== null && a.etag !== undefined) headers.etag = a.etag.replace(/[^\x20-\x7e]/g, "");
    if (a.date !== null && a.date !== undefined) headers.date = a.date.replace(/[^\x20-\x7e]/g, "");
    return { status: a.status, headers, body: a.body };
  });
  const stores = {};
  const storeFor = (layout) => (stores[layout] ??= new S3RunLogStore(
    { s3_bucket: "b", prefix: "p", endpoint_url: server.url, region: "us-east-1", layout, request_timeout_seconds: 2, max_list_pages: 20 },
    { AWS_ACCESS_KEY_ID: "AKIDFUZZ", AWS_SECRET_ACCESS_KEY: "fuzz-secret" },
  ));
  const counts = { calls: 0, values: 0, errors: {} };
  const settle = async (f) => {
    let timer;
    const limit = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)));
    try {
      const v = await Promise.race([Promise.resolve().then(f), limit]);
      counts.values++;
      return v;
    } catch (e) {
      if (!(e instanceof Error) || !NAMES.has(e.name)) throw new Error(`escaped untyped: ${e?.name}: ${e?.message}\n${e?.stack}`);
      counts.errors[e.name] = (counts.errors[e.name] ?? 0) + 1;
      return e;
    } finally {
      clearTimeout(timer);
      counts.calls++;
      if (counts.calls % 50_000 === 0) log(`${counts.calls} calls: ${JSON.stringify(counts.errors)}`);
    }
  };
  try {
    await fc.assert(
      fc.asyncProperty(call, async (c) => {
        if (c.kind === "signRequest") await settle(() => signRequest(c.request, c.options));
        else if (c.kind === "presignUrl") await settle(() => presignUrl(c.request, c.options));
        else if (c.kind === "constructor") await settle(() => new S3RunLogStore(c.config, c.env));
        else {
          script = [...c.answers];
          const store = storeFor(c.layout);
          await settle(() => store[c.name](...c.args));
          script = [];
        }
        if (escaped.length) throw new Error(escaped.join("\n"));
      }),
      { numRuns: calls, seed, endOnFailure: true },
    );
  } finally {
    process.off("uncaughtException", onUncaught);
    process.off("unhandledRejection", onRejection);
    await server.close();
  }
  return counts;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const calls = Number(process.argv[2] ?? 1_000_000);
  const seed = process.argv[3] === undefined ? Date.now() % 2 ** 31 : Number(process.argv[3]);
  const started = Date.now();
  console.log(`fuzzing the JS surface: ${calls} calls, seed ${seed}`);
  const counts = await fuzzSurface({ calls, seed, log: (m) => console.log(`  ${m} (${((Date.now() - started) / 1000).toFixed(0)} s)`) });
  console.log(JSON.stringify({ ...counts, seconds: (Date.now() - started) / 1000 }));
}
