// Types of `magnus-s3/api`: a read-only HTTP API over a run log store (see api.mjs for routes).
import type { S3RunLogStore } from "./index.js";

/** Options of [`createRunLogApi`]. */
export interface RunLogApiOptions {
  /** When set, every request needs `Authorization: Bearer <token>` (else 401). */
  token?: string | null;
  /** `Access-Control-Allow-Origin` for browsers (e.g. "*"); no CORS headers when absent. */
  cors?: string;
  /** Path the routes hang under, e.g. "/api" (default ""). */
  basePath?: string;
}

/** The API: one `fetch` handler, as Workers, Node and browsers speak it. */
export interface RunLogApi {
  fetch(request: Request): Promise<Response>;
}

/** Builds the API over a store. */
export function createRunLogApi(store: S3RunLogStore, options?: RunLogApiOptions): RunLogApi;

/** A Lambda HTTP event (function URL / API Gateway HTTP API, payload format 2.0). */
export interface LambdaHttpEvent {
  rawPath?: string;
  rawQueryString?: string;
  headers?: Record<string, string>;
  body?: string | null;
  isBase64Encoded?: boolean;
  requestContext?: { domainName?: string; http?: { method?: string; path?: string } };
}

/** The Lambda answer for such an event. */
export interface LambdaHttpResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
}

/** Adapts an API to a Lambda handler: `export const handler = toLambdaHandler(api)`. */
export function toLambdaHandler(api: RunLogApi): (event: LambdaHttpEvent) => Promise<LambdaHttpResult>;

/** A CloudFront event as Lambda@Edge receives it (viewer or origin request). */
export interface CloudFrontRequestEvent {
  Records: Array<{
    cf: {
      config?: { distributionDomainName?: string };
      request: {
        uri: string;
        querystring?: string;
        method: string;
        headers?: Record<string, Array<{ key?: string; value: string }>>;
      };
    };
  }>;
}

/** The generated response Lambda@Edge returns to CloudFront. */
export interface CloudFrontResult {
  status: string;
  statusDescription: string;
  headers: Record<string, Array<{ key: string; value: string }>>;
  body: string;
  bodyEncoding: "text";
}

/** Adapts an API to a Lambda@Edge handler: `export const handler = toLambdaEdgeHandler(api)`. */
export function toLambdaEdgeHandler(api: RunLogApi): (event: CloudFrontRequestEvent) => Promise<CloudFrontResult>;
