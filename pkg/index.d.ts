// Types of the magnus-s3 package: the magnus run log model (magnus's own snake_case keys) and the
// store / signing API. Hand-written once; `npm test` type-checks an example that uses every export
// with `tsc --strict`.

/** Status strings magnus uses; any string is accepted. */
export type Status = "CREATED" | "PROCESSING" | "SUCCESS" | "FAIL" | "TRIGGERED" | (string & {});

/** Any JSON value (parameters, metrics, run_config). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** One attempt at running a step. */
export interface StepAttempt {
  attempt_number: number;
  start_time: string;
  end_time: string;
  duration: string;
  status: Status;
  message: string;
  parameters: JsonObject;
  [extra: string]: JsonValue;
}

/** The code a step ran. */
export interface CodeIdentity {
  code_identifier: string | null;
  code_identifier_type: string | null;
  code_identifier_dependable: boolean | null;
  code_identifier_url: string | null;
  code_identifier_message: string | null;
  [extra: string]: JsonValue;
}

/** A data catalog record. */
export interface DataCatalog {
  name: string;
  data_hash: string;
  catalog_relative_path: string;
  catalog_handler_location: string;
  stage: "put" | "get" | (string & {});
  [extra: string]: JsonValue;
}

/** One step: `internal_name` is its dotted path, e.g. `fan.branch_a.task`. */
export interface StepLog {
  name: string;
  internal_name: string;
  status: Status;
  step_type: string;
  message: string;
  mock: boolean;
  code_identities: CodeIdentity[];
  attempts: StepAttempt[];
  user_defined_metrics: JsonObject;
  branches: { [internalBranchName: string]: BranchLog };
  data_catalog: DataCatalog[];
  [extra: string]: unknown;
}

/** One branch of a parallel / map / dag step, e.g. `fan.branch_a`. */
export interface BranchLog {
  internal_name: string;
  status: Status;
  steps: { [internalName: string]: StepLog };
  [extra: string]: unknown;
}

/** One run: what magnus stores at `<prefix>/<run_id>.json`. */
export interface RunLog {
  run_id: string;
  dag_hash: string | null;
  use_cached: boolean;
  tag: string | null;
  original_run_id: string | null;
  status: Status;
  steps: { [internalName: string]: StepLog };
  parameters: JsonObject;
  run_config: JsonObject;
  [extra: string]: unknown;
}

/** magnus's `run_log_store.config` keys, plus our extensions. */
export interface RunLogStoreConfig {
  s3_bucket: string;
  prefix?: string;
  region?: string;
  aws_profile?: string;
  use_credentials?: boolean;
  aws_credentials_file?: string;
  aws_access_key_name?: string;
  aws_secret_access_key_name?: string;
  aws_session_key_name?: string;
  /** A role to assume through STS AssumeRole; the other credentials sign that call. */
  role_arn?: string;
  session_duration_in_seconds?: number;
  /** S3-compatible endpoint; else AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL from env; else AWS. */
  endpoint_url?: string | null;
  /** Default: true for a custom endpoint, false for AWS. */
  force_path_style?: boolean | null;
  layout?: "single" | "chunked";
  /** Seconds one HTTP request may take (1–3600, default 60); a timeout is a NetworkError, retried. */
  request_timeout_seconds?: number;
  /** Most ListObjectsV2 pages one call may request (1–1000000, default 1000); more is an S3Error `ListingTooLong`. */
  max_list_pages?: number;
  /** Keep the run index (`<prefix>/.magnus-index/`) on every run-level change (default true). */
  run_index?: boolean;
  /** Testing only: magnus's unconditional writes, which lose updates under concurrency. */
  unsafe_last_writer_wins?: boolean;
}

/** magnus's whole `run_log_store` block. */
export interface RunLogStoreBlock {
  type: "s3" | "chunked-s3";
  config: RunLogStoreConfig;
}

export interface CreateRunLogOptions {
  dag_hash?: string;
  use_cached?: boolean;
  tag?: string;
  original_run_id?: string;
  status?: Status;
}

export interface ListRunLogsOptions {
  /** At most this many runs (1–1000, default 1000). */
  limit?: number;
  /** The last run id of the previous page. */
  startAfter?: string;
}

export interface RunLogSummary {
  run_id: string;
  key: string;
  last_modified: string | null;
  size: number | null;
  etag: string | null;
  layout: "single" | "chunked";
}

/** Options of `listRuns`: filters stack; `since` / `until` bound the run's creation time. */
export interface ListRunsOptions {
  /** One status or several. */
  status?: string | string[];
  tag?: string;
  since?: Date | string;
  until?: Date | string;
  runIdPrefix?: string;
  /** Runs per page (1–1000, default 50). */
  limit?: number;
  /** The `cursor` of the previous page. */
  cursor?: string;
  /** Also read each run's index entry (one GET per run) for the fields below `seq`. */
  details?: boolean;
}

/** A run as the index lists it, newest first. */
export interface RunSummary {
  run_id: string;
  status: string;
  /** `""` for none. */
  tag: string;
  /** Creation time, ISO 8601 UTC. */
  created: string;
  /** When the entry was last written. */
  updated: string;
  /** Run-level changes so far. */
  seq: number;
  /** With `details`: */
  dag_hash?: string;
  duration_ms?: number | null;
  steps_total?: number | null;
  steps_failed?: number | null;
  first_failed_step?: { name: string; message: string } | null;
  original_run_id?: string;
  format?: "magnus";
  layout?: "single" | "chunked";
  etag?: string | null;
}

export interface RunPage {
  runs: RunSummary[];
  /** Absent on the last page. */
  cursor?: string;
}

export interface ReindexOptions {
  /** Run logs read at a time (1–64, default 8). */
  concurrency?: number;
  /** Called as runs are read: `(done, total)`. */
  onProgress?: (done: number, total: number) => void;
}

export interface ReindexReport {
  runs: number;
  written: number;
  refreshed: number;
  deleted: number;
  unreadable: number;
  failed: number;
}

/** Environment variables: Node's `process.env`, a Worker's `env` bindings (non-strings ignored). */
export type Env = Record<string, unknown>;

export class S3RunLogStore {
  /** `env` defaults to `process.env` where it exists. Throws ConfigError / CredentialsError. */
  constructor(config: RunLogStoreConfig | RunLogStoreBlock, env?: Env);
  createRunLog(runId: string, options?: CreateRunLogOptions): Promise<RunLog>;
  /** The run log; numbers JS cannot hold exactly (`1.0`, `1e+16`, big integers, NaN) and key order are kept for `putRunLog` of this same object. */
  getRunLogById(runId: string, full?: boolean): Promise<RunLog>;
  /** Overwrites the run log; for an object `getRunLogById` returned, unchanged numbers keep their stored text and keys their stored order. */
  putRunLog(runLog: RunLog): Promise<void>;
  /** The run log as stored (single layout: its text exactly; chunked: assembled in magnus's form). */
  getRunLogText(runId: string): Promise<string>;
  /** Writes a run log given as text, checked like any run log (single layout: these exact bytes). */
  putRunLogText(text: string): Promise<void>;
  updateRunLogStatus(runId: string, status: Status): Promise<void>;
  getParameters(runId: string): Promise<JsonObject>;
  setParameters(runId: string, parameters: JsonObject): Promise<void>;
  getRunConfig(runId: string): Promise<JsonObject>;
  setRunConfig(runId: string, runConfig: JsonObject): Promise<void>;
  createStepLog(name: string, internalName: string): StepLog;
  getStepLog(internalName: string, runId: string): Promise<StepLog>;
  addStepLog(stepLog: StepLog, runId: string): Promise<void>;
  createBranchLog(internalBranchName: string): BranchLog;
  getBranchLog(internalBranchName: string, runId: string): Promise<BranchLog>;
  addBranchLog(branchLog: BranchLog, runId: string): Promise<void>;
  createAttemptLog(): StepAttempt;
  createCodeIdentity(): CodeIdentity;
  createDataCatalog(name: string): DataCatalog;
  listRunLogs(options?: ListRunLogsOptions): Promise<RunLogSummary[]>;
  /** A URL a browser can GET the run log from, valid `expiresInSeconds` (default 900). */
  presignGetRunLog(runId: string, expiresInSeconds?: number): Promise<string>;
  /** Runs from the run index, newest first, filtered, one page. */
  listRuns(options?: ListRunsOptions): Promise<RunPage>;
  /** Runs per status created in the window, from index listings alone. */
  countRuns(options?: { since?: Date | string; until?: Date | string }): Promise<Record<string, number>>;
  /** Rebuilds index entries from the run logs (both layouts). */
  reindex(options?: ReindexOptions): Promise<ReindexReport>;
}

export type HeadersInput = Record<string, string> | Array<[string, string]> | { entries(): Iterable<[string, string]> };

export interface SignableRequest {
  method?: string;
  url: string;
  headers?: HeadersInput;
  body?: string | Uint8Array | ArrayBuffer;
}

export interface SignOptions {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  region: string;
  service: string;
  /** Signing time; default now. */
  date?: Date | string;
  unsignedPayload?: boolean;
  /** s3: false, others: true. */
  doubleEncode?: boolean;
  /** s3: false, others: true. */
  normalizePath?: boolean;
  /** Add x-amz-content-sha256. s3: true, others: false. */
  payloadHashHeader?: boolean;
  /** Include x-amz-security-token in the signature; default true. */
  signSessionToken?: boolean;
  /** The body's SHA-256 as 64 lower-case hex digits, computed by the caller (the body is then not hashed). */
  payloadHash?: string;
}

/** Signs into headers: every header to send (lower-case names; `host` is left to fetch). */
export function signRequest(request: SignableRequest, options: SignOptions): { headers: Record<string, string> };
/** Presigns into the URL's query; S3 signs UNSIGNED-PAYLOAD, other services hash the body. */
export function presignUrl(request: SignableRequest, options: SignOptions & { expiresIn?: number }): string;
/** Resolves when the module is ready (always ready after import; kept for hosts that need it). */
export function init(): Promise<void>;

/** The `name` of every error the package throws. */
export type MagnusS3ErrorName =
  | "RunLogNotFoundError"
  | "RunLogExistsError"
  | "StepLogNotFoundError"
  | "BranchLogNotFoundError"
  | "InvalidArgumentError"
  | "ConflictError"
  | "CredentialsError"
  | "ConfigError"
  | "InvalidRunLogError"
  | "S3Error"
  | "NetworkError"
  /** A fault inside the module ended the call; the module was restarted and later calls work. */
  | "InternalError";

/** Shape of the errors thrown: an `Error` with these extra fields where they apply. */
export interface MagnusS3Error extends Error {
  name: MagnusS3ErrorName;
  /** S3Error: S3's code; NetworkError: connect / timeout / request / body. */
  code?: string;
  /** S3Error: the HTTP status. */
  status?: number;
  /** S3Error: S3's request id. */
  requestId?: string;
  runId?: string;
  internalName?: string;
  /** Step/BranchLogNotFoundError: the shortest missing prefix of the name. */
  missing?: string;
  /** InvalidRunLogError: where the bad field is, e.g. `$.steps.a.attempts[0].status`. */
  path?: string;
  /** ConfigError: the config key; ConflictError: the object key. */
  key?: string;
  /** CredentialsError: the missing environment variable. */
  variable?: string;
  /** InvalidArgumentError: which argument. */
  argument?: string;
  attempts?: number;
}
