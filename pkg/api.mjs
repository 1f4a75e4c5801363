// magnus-s3/api: a read-only HTTP API over a run log store, for a Cloudflare Worker, Node, or a
// Lambda function URL, so that a dashboard can read run logs without holding S3 credentials.
//
// Plain JS over the store's public API (nothing added to the wasm): `fetch(Request) -> Response`,
// the shape every modern host speaks, plus adapters for Lambda's HTTP events (function URLs, API
// Gateway) and Lambda@Edge's CloudFront events.
//
//   GET /runs?limit=&startAfter=            listRunLogs
//   GET /runs/{runId}?full=false            getRunLogById (ETag; If-None-Match -> 304)
//   GET /runs/{runId}/parameters            getParameters
//   GET /runs/{runId}/run_config            getRunConfig
//   GET /runs/{runId}/steps/{internalName}  getStepLog
//   GET /runs/{runId}/branches/{name}       getBranchLog
//   GET /runs/{runId}/presigned?expiresIn=  { url } of presignGetRunLog
//   GET /index/runs?status=&status=&tag=&since=&until=&runIdPrefix=&limit=&cursor=&details=
//                                           listRuns (the run index, newest first; with
//                                           details=true, limit at most 100)
//   GET /index/counts?since=&until=         countRuns
//
// Writes are not exposed: pipelines write through the package itself, with their own credentials.

/** HTTP status for each error name of the store. */
const STATUS = {
  RunLogNotFoundError: 404,
  StepLogNotFoundError: 404,
  BranchLogNotFoundError: 404,
  InvalidArgumentError: 400,
  RunLogExistsError: 409,
  ConflictError: 409,
  InvalidRunLogError: 502,
  S3Error: 502,
  NetworkError: 504,
  CredentialsError: 500,
  ConfigError: 500,
};

/** Fields of a store error worth passing on (never a secret: the store's errors hold none). */
const ERROR_FIELDS = ["runId", "internalName", "missing", "argument", "key", "path", "status", "code", "requestId"];

/**
 * Builds the API over `store` (an `S3RunLogStore`).
 * Options: `token` (when set, requests need `Authorization: Bearer <token>`), `cors` (the
 * `Access-Control-Allow-Origin` value, e.g. "*"; none by default), `basePath` (default "").
 */
export function createRunLogApi(store, { token, cors, basePath = "" } = {}) {
  const base = basePath.replace(/\/+$/, "");
  const headers = (extra = {}) => {
    const h = { "content-type": "application/json; charset=utf-8", "cache-control": "no-cache", ...extra };
    if (cors) {
      h["access-control-allow-origin"] = cors;
      h["access-control-expose-headers"] = "etag";
      if (cors !== "*") h.vary = "origin";
    }
    return h;
  };
  const json = (status, value, extra) => new Response(JSON.stringify(value), { status, headers: headers(extra) });
  const fail = (status, error, message, fields = {}, extra) => json(status, { error, message, ...fields }, extra);

  async function route(request) {
    const url = new URL(request.url);
    if (!url.pathname.startsWith(`${base}/`)) return fail(404, "NotFound", "no such route");
    const parts = url.pathname.slice(base.length + 1).split("/").map(decodeURIComponent);
    const q = url.searchParams;
    if (parts[0] === "index" && parts.length === 2) {
      const opt = (k) => q.get(k) ?? undefined;
      if (parts[1] === "counts") return json(200, await store.countRuns({ since: opt("since"), until: opt("until") }));
      if (parts[1] === "runs") {
        const limit = q.has("limit") ? Number(q.get("limit")) : undefined;
        if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) {
          return fail(400, "InvalidArgumentError", "limit must be a positive integer", { argument: "limit" });
        }
        // `details` costs one GET per run: at most 100 runs per page then.
        if (q.get("details") === "true" && limit !== undefined && limit > 100) {
          return fail(400, "InvalidArgumentError", "limit must be at most 100 with details=true", { argument: "limit" });
        }
        const status = q.getAll("status");
        return json(200, await store.listRuns({
          status: status.length ? status : undefined, tag: opt("tag"), since: opt("since"), until: opt("until"),
          runIdPrefix: opt("runIdPrefix"), limit, cursor: opt("cursor"), details: q.get("details") === "true",
        }));
      }
    }
    if (parts[0] !== "runs" || parts.length > 4) return fail(404, "NotFound", "no such route");
    const [, runId, what, name] = parts;

    if (runId === undefined || runId === "") {
      const limit = q.has("limit") ? Number(q.get("limit")) : undefined;
      if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) {
        return fail(400, "InvalidArgumentError", "limit must be a positive integer", { argument: "limit" });
      }
      return json(200, await store.listRunLogs({ limit, startAfter: q.get("startAfter") ?? undefined }));
    }
    switch (parts.length === 2 ? "" : what) {
      case "": {
        const full = q.get("full") !== "false";
        const body = JSON.stringify(await store.getRunLogById(runId, full));
        const etag = `W/"${await digest(body)}"`;
        if (matches(request.headers.get("if-none-match"), etag)) {
          return new Response(null, { status: 304, headers: headers({ etag }) });
        }
        return new Response(body, { status: 200, headers: headers({ etag }) });
      }
      case "parameters":
        if (parts.length === 3) return json(200, await store.getParameters(runId));
        break;
      case "run_config":
        if (parts.length === 3) return json(200, await store.getRunConfig(runId));
        break;
      case "steps":
        if (parts.length === 4) return json(200, await store.getStepLog(name, runId));
        break;
      case "branches":
        if (parts.length === 4) return json(200, await store.getBranchLog(name, runId));
        break;
      case "presigned":
        if (parts.length === 3) {
          const expires = q.has("expiresIn") ? Number(q.get("expiresIn")) : 300;
          return json(200, { url: await store.presignGetRunLog(runId, expires) });
        }
        break;
    }
    return fail(404, "NotFound", "no such route");
  }

  return {
    /** Answers one request. */
    async fetch(request) {
      if (request.method === "OPTIONS" && cors) {
        return new Response(null, {
          status: 204,
          headers: headers({
            "access-control-allow-methods": "GET, OPTIONS",
            "access-control-allow-headers": "authorization, if-none-match",
            "access-control-max-age": "86400",
          }),
        });
      }
      if (token !== undefined && token !== null && token !== "") {
        const given = request.headers.get("authorization") ?? "";
        if (!sameText(given, `Bearer ${token}`)) {
          return fail(401, "Unauthorized", "missing or wrong bearer token", {}, { "www-authenticate": "Bearer" });
        }
      }
      if (request.method !== "GET" && request.method !== "HEAD") {
        return fail(405, "MethodNotAllowed", "this API is read-only", {}, { allow: "GET, HEAD, OPTIONS" });
      }
      try {
        const response = await route(request);
        return request.method === "HEAD" ? new Response(null, response) : response;
      } catch (e) {
        const fields = {};
        for (const k of ERROR_FIELDS) if (e?.[k] !== undefined) fields[k] = e[k];
        // A malformed %-escape in the path is the client's mistake.
        const status = e?.name === "URIError" ? 400 : (STATUS[e?.name] ?? 500);
        return fail(status, e?.name ?? "Error", e?.message ?? String(e), fields);
      }
    },
  };
}

/**
 * Adapts an API (`{ fetch(Request) }`) to a Lambda handler for function URLs and API Gateway
 * HTTP APIs (payload format 2.0): `export const handler = toLambdaHandler(api)`.
 */
export function toLambdaHandler(api) {
  return async (event) => {
    const http = event.requestContext?.http ?? {};
    const host = event.headers?.host ?? event.requestContext?.domainName ?? "lambda.local";
    const query = event.rawQueryString ? `?${event.rawQueryString}` : "";
    const method = http.method ?? event.httpMethod ?? "GET";
    const body = event.body === undefined || event.body === null || method === "GET" || method === "HEAD"
      ? undefined
      : event.isBase64Encoded ? Buffer.from(event.body, "base64") : event.body;
    const request = new Request(`https://${host}${event.rawPath ?? http.path ?? "/"}${query}`, {
      method,
      headers: event.headers ?? {},
      body,
    });
    const response = await api.fetch(request);
    const headers = {};
    response.headers.forEach((v, k) => (headers[k] = v));
    return { statusCode: response.status, headers, body: await response.text(), isBase64Encoded: false };
  };
}

/**
 * Adapts an API to a Lambda@Edge handler (CloudFront viewer- or origin-request events): the
 * request is answered at the edge, the origin is never asked.
 * `export const handler = toLambdaEdgeHandler(api)`.
 */
export function toLambdaEdgeHandler(api) {
  return async (event) => {
    const cf = event.Records[0].cf.request;
    const headers = new Headers();
    for (const list of Object.values(cf.headers ?? {})) for (const { key, value } of list) headers.append(key, value);
    const host = headers.get("host") ?? event.Records[0].cf.config?.distributionDomainName ?? "edge.local";
    const query = cf.querystring ? `?${cf.querystring}` : "";
    const response = await api.fetch(new Request(`https://${host}${cf.uri}${query}`, { method: cf.method, headers }));
    const out = {};
    response.headers.forEach((value, key) => (out[key] = [{ key, value }]));
    return {
      status: String(response.status),
      statusDescription: response.statusText || String(response.status),
      headers: out,
      body: await response.text(),
      bodyEncoding: "text",
    };
  };
}

/** SHA-256 of `text`, base64url, through the host's Web Crypto (Node 18 has it in node:crypto). */
async function digest(text) {
  const subtle = globalThis.crypto?.subtle ?? (await import("node:crypto")).webcrypto.subtle;
  const hash = new Uint8Array(await subtle.digest("SHA-256", new TextEncoder().encode(text)));
  let s = "";
  for (const b of hash) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** If-None-Match against one ETag: `*`, or a list in which it appears (weak comparison). */
function matches(header, etag) {
  if (!header) return false;
  const strip = (t) => t.trim().replace(/^W\//, "");
  return header.split(",").some((t) => t.trim() === "*" || strip(t) === strip(etag));
}

/** Compares two strings in time independent of where they differ (the token check). */
function sameText(a, b) {
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) diff |= (a.charCodeAt(i) || 0) ^ (b.charCodeAt(i) || 0);
  return diff === 0;
}
