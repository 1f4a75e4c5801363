// The package's JavaScript side, shared by every entry (node, workerd, web): the S3RunLogStore
// class and signRequest / presignUrl over the wasm glue. It does the IO the module asks for
// (fetch, timers), turns the module's error JSON into typed Errors, and contains faults.
//
// Every call into the wasm is synchronous and goes through `guard`: a trap, a stack overflow or
// an out-of-memory inside the module surfaces right there. The failing call (and any other call
// in flight on the same instance) then rejects with an InternalError, the module is
// re-instantiated from the same compiled code before the next call, and each store re-opens its
// handle on the new instance from the config and env it keeps. Nothing escapes as an uncaught
// exception and every promise settles.
//
// No imports: each entry passes the glue (ESM or CJS) and what its host offers.

const NAMES = new Set([
  "RunLogNotFoundError", "RunLogExistsError", "StepLogNotFoundError", "BranchLogNotFoundError", "ConflictError",
  "CredentialsError", "ConfigError", "InvalidRunLogError", "S3Error", "NetworkError", "InvalidArgumentError",
  "InternalError",
]);

/** An Error of the package: `name` from the API contract, fields a caller can branch on. */
function typedError(info) {
  const { name, message, ...fields } = info ?? {};
  const e = new Error(typeof message === "string" ? message : "unknown error");
  e.name = NAMES.has(name) ? name : "InternalError";
  Object.assign(e, fields);
  return e;
}

function invalid(argument, message) {
  return typedError({ name: "InvalidArgumentError", message: `invalid ${argument}: ${message}`, argument });
}

function kind(v) {
  return v === null ? "null" : Array.isArray(v) ? "an array" : typeof v;
}

function describe(e) {
  try {
    return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  } catch {
    return "an unprintable error";
  }
}

/** A string argument: well-formed UTF-16 (a lone surrogate would silently become U+FFFD). */
function wellFormed(s, argument) {
  const ok = typeof s.isWellFormed === "function" ? s.isWellFormed() : !/\p{Surrogate}/u.test(s);
  if (!ok) throw invalid(argument, "contains an unpaired surrogate (malformed UTF-16)");
  return s;
}

/** Arguments a caller may leave out. */
const OPTIONAL = new Set(["options", "full", "expiresInSeconds", "how", "fix"]);

/** `value` as JSON text for the module; a value JSON cannot hold is that argument's error. */
function json(value, argument) {
  if (value === undefined) {
    if (!OPTIONAL.has(argument)) throw invalid(argument, "is required");
    return "null";
  }
  let text;
  try {
    text = JSON.stringify(value);
  } catch (e) {
    throw invalid(argument, `cannot be turned into JSON (${describe(e)})`);
  }
  return text === undefined ? "null" : text;
}

/** The environment as JSON: the given object's string values, else `process.env` where it exists. */
function envJson(env) {
  let source = env;
  if (env === undefined || env === null) source = globalThis.process?.env ?? {};
  else if (typeof env !== "object" || Array.isArray(env)) throw invalid("env", `expected an object of variables, got ${kind(env)}`);
  const out = {};
  try {
    for (const [k, v] of Object.entries(source)) if (typeof v === "string") out[k] = v;
  } catch (e) {
    throw invalid("env", `cannot be read (${describe(e)})`);
  }
  return JSON.stringify(out);
}

/**
 * Builds the API over `glue` (the wasm-bindgen module, initialized) for a host that may offer
 * `readFile(path) -> string | undefined` and `sha256(bytes) -> hex` (Node's fs and crypto).
 */
/** Memory an idle module keeps (see giveMemoryBack). */
const MEMORY_KEEP = 32 * 1024 * 1024;

export function createApi(glue, { readFile, sha256 } = {}) {
  // The instance's generation: bumped when a fault kills it. Handles and calls of an older
  // generation are stale.
  let generation = 0;
  let resetPending = false;
  /** Calls running on the current instance: each can be failed at once. */
  const running = new Set();
  /** Run logs this package returned → what JS lost of them (see src/reconcile.rs). */
  const fixes = new WeakMap();

  function internal(cause) {
    const e = typedError({
      name: "InternalError",
      message: `a fault inside the module (${describe(cause)}) ended this call; the module was restarted, later calls work`,
    });
    e.cause = cause;
    return e;
  }

  /** The instance is lost: fail every call on it, restart before the next call. */
  function lost(cause) {
    const e = internal(cause);
    generation++;
    resetPending = true;
    for (const call of running) call.fail(e);
    running.clear();
    return e;
  }

  function enter() {
    if (resetPending) {
      resetPending = false;
      glue.__wbg_reset_state();
    }
  }

  /** Runs one synchronous call into the module; any throw out of it means the module faulted. */
  function guard(f) {
    enter();
    try {
      return f();
    } catch (e) {
      throw lost(e);
    }
  }

  /** The error for an invalid `Date` in `since` / `until` (JSON would make it `null`, silently). */
  function invalidDate(options) {
    for (const k of ["since", "until"]) {
      let v;
      try {
        v = options?.[k];
      } catch {
        return undefined; // the argument check reports a throwing getter
      }
      if (v instanceof Date && Number.isNaN(v.getTime())) return invalid(k, "is an invalid Date");
    }
    return undefined;
  }

  /** `{"ok": v}` → v, `{"error": {...}}` → throws the typed error. */
  function unwrap(text) {
    const out = JSON.parse(text);
    if (out.error) throw typedError(out.error);
    return out.ok;
  }

  /** Performs one piece of IO; resolves (never rejects) to the call that hands its outcome over. */
  function perform(io) {
    if (io.sleep !== undefined) {
      return new Promise((resolve) => setTimeout(() => resolve({ id: io.id, give: () => glue.wake(io.id) }), io.sleep));
    }
    if (io.digest) {
      const bytes = guard(() => glue.takeBody(io.id));
      return hashHex(bytes).then((hex) => ({ id: io.id, give: () => glue.digested(io.id, hex) }), () => ({ id: io.id, give: () => glue.digested(io.id, "") }));
    }
    let body;
    if (io.body) body = guard(() => glue.takeBody(io.id));
    return (async () => {
      const init = { method: io.method, headers: io.headers, body };
      if (typeof AbortSignal !== "undefined" && AbortSignal.timeout) init.signal = AbortSignal.timeout(io.timeout);
      let code = "connect";
      try {
        const resp = await fetch(io.url, init);
        code = "body";
        const bytes = new Uint8Array(await resp.arrayBuffer());
        const headers = [];
        resp.headers.forEach((value, name) => headers.push(name, value));
        return { id: io.id, give: () => glue.deliver(io.id, resp.status, headers.join("\n"), bytes) };
      } catch (e) {
        if (e?.name === "TimeoutError" || e?.name === "AbortError") code = "timeout";
        const detail = e?.cause?.code ?? e?.cause?.message;
        const message = `${e?.message ?? "fetch failed"}${detail ? ` (${detail})` : ""}`;
        return { id: io.id, give: () => glue.deliverError(io.id, code, String(message)) };
      }
    })();
  }

  /** SHA-256 as hex: the host's synchronous hash where it has one (Node), else WebCrypto. */
  async function hashHex(bytes) {
    if (sha256 !== undefined) return sha256(bytes);
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
    let hex = "";
    for (const b of digest) hex += (b < 16 ? "0" : "") + b.toString(16);
    return hex;
  }

  /** Drives task `task` of the current instance to its outcome; `onProgress(done, total)` gets
   * what the task reports on the way (`reindex`). */
  async function drive(task, onProgress) {
    const born = generation;
    let fail;
    const died = new Promise((_, reject) => (fail = reject));
    died.catch(() => {});
    const call = { fail };
    running.add(call);
    const pending = new Map();
    let finished = false;
    try {
      for (;;) {
        const out = JSON.parse(guard(() => glue.poll(task)));
        if (out.progress !== undefined && onProgress !== undefined) {
          // The caller's callback failing (or its promise rejecting) is not the call's failure.
          try {
            const r = onProgress(out.progress[0], out.progress[1]);
            if (r !== null && typeof r === "object" && typeof r.then === "function") r.then(undefined, () => {});
          } catch {
            // as above
          }
        }
        if (out.io === undefined) {
          finished = true;
          if (out.error) throw typedError(out.error);
          return out;
        }
        for (const io of out.io) pending.set(io.id, perform(io));
        if (pending.size === 0) throw internal(new Error("a task waits on nothing"));
        const done = await Promise.race([died, ...pending.values()]);
        pending.delete(done.id);
        if (generation !== born) await died;
        guard(done.give);
      }
    } finally {
      running.delete(call);
      if (!finished && generation === born) {
        try {
          glue.cancel(task);
        } catch (e) {
          lost(e);
        }
      }
      if (running.size === 0 && generation === born) giveMemoryBack();
    }
  }

  /**
   * A wasm memory only grows: once a large document has grown it past MEMORY_KEEP, the idle
   * module is restarted (at its next call) and the old memory left to the garbage collector.
   * Below that, freed memory is reused by the next call.
   */
  function giveMemoryBack() {
    try {
      if (guard(() => glue.memoryBytes()) <= MEMORY_KEEP) return;
    } catch {
      return; // a fault here restarts the module anyway
    }
    generation++;
    resetPending = true;
  }

  class S3RunLogStore {
    #config;
    #env;
    #handle = null;
    #born = -1;

    /**
     * `config`: magnus's run_log_store block (`{ type, config }`) or its inner config; `env`: where
     * credentials come from (default `process.env` where it exists).
     */
    constructor(config, env) {
      if (config === null || typeof config !== "object" || Array.isArray(config)) {
        throw typedError({ name: "ConfigError", message: `config key "$": expected an object, got ${kind(config)}`, key: "$" });
      }
      try {
        this.#config = JSON.stringify(config);
      } catch (e) {
        throw typedError({ name: "ConfigError", message: `config key "$": cannot be turned into JSON (${describe(e)})`, key: "$" });
      }
      this.#env = envJson(env);
      this.#open();
    }

    /** The store's handle on the current instance (re-opened after a restart). */
    #open() {
      if (this.#handle === null || this.#born !== generation) {
        enter();
        let handle;
        try {
          handle = glue.Store.open(this.#config, this.#env, readFile);
        } catch (e) {
          if (typeof e === "string") throw typedError(JSON.parse(e));
          throw lost(e);
        }
        this.#handle = handle;
        this.#born = generation;
      }
      return this.#handle;
    }

    /** True for a store made by this constructor (a detached method has no such `this`). */
    static #owns(self) {
      return typeof self === "object" && self !== null && #config in self;
    }

    static #detached() {
      return invalid("this", "a store method was called without its store (bind it, or call it as store.method(...))");
    }

    static #run(self, op, names, args, onProgress) {
      return new Promise((resolve, reject) => {
        try {
          if (!S3RunLogStore.#owns(self)) throw S3RunLogStore.#detached();
          const text = `[${args.map((a, i) => json(a, names[i])).join(",")}]`;
          const handle = self.#open();
          const task = guard(() => handle.start(op, text));
          drive(task, onProgress).then((out) => {
            // What JS cannot hold of a read document (number text, key order) waits beside it
            // for putRunLog.
            if (out.fix !== undefined && out.ok !== null && typeof out.ok === "object") fixes.set(out.ok, out.fix);
            resolve(out.ok);
          }, reject);
        } catch (e) {
          reject(e);
        }
      });
    }

    static #call(self, op, names, args) {
      if (!S3RunLogStore.#owns(self)) throw S3RunLogStore.#detached();
      const text = `[${args.map((a, i) => json(a, names[i])).join(",")}]`;
      const handle = self.#open();
      return unwrap(guard(() => handle.call(op, text)));
    }

    createRunLog(runId, options) {
      return S3RunLogStore.#run(this, "createRunLog", ["runId", "options"], [runId, options]);
    }
    getRunLogById(runId, full) {
      return S3RunLogStore.#run(this, "getRunLogById", ["runId", "full"], [runId, full]);
    }
    putRunLog(runLog) {
      const fix = runLog !== null && typeof runLog === "object" ? fixes.get(runLog) : undefined;
      return S3RunLogStore.#run(this, "putRunLog", ["runLog", "fix"], [runLog, fix]);
    }
    getRunLogText(runId) {
      return S3RunLogStore.#run(this, "getRunLogText", ["runId"], [runId]);
    }
    putRunLogText(text) {
      return S3RunLogStore.#run(this, "putRunLogText", ["text"], [text]);
    }
    updateRunLogStatus(runId, status) {
      return S3RunLogStore.#run(this, "updateRunLogStatus", ["runId", "status"], [runId, status]);
    }
    getParameters(runId) {
      return S3RunLogStore.#run(this, "getParameters", ["runId"], [runId]);
    }
    setParameters(runId, parameters) {
      return S3RunLogStore.#run(this, "setParameters", ["runId", "parameters"], [runId, parameters]);
    }
    getRunConfig(runId) {
      return S3RunLogStore.#run(this, "getRunConfig", ["runId"], [runId]);
    }
    setRunConfig(runId, runConfig) {
      return S3RunLogStore.#run(this, "setRunConfig", ["runId", "runConfig"], [runId, runConfig]);
    }
    createStepLog(name, internalName) {
      return S3RunLogStore.#call(this, "createStepLog", ["name", "internalName"], [name, internalName]);
    }
    getStepLog(internalName, runId) {
      return S3RunLogStore.#run(this, "getStepLog", ["internalName", "runId"], [internalName, runId]);
    }
    addStepLog(stepLog, runId) {
      return S3RunLogStore.#run(this, "addStepLog", ["stepLog", "runId"], [stepLog, runId]);
    }
    createBranchLog(internalBranchName) {
      return S3RunLogStore.#call(this, "createBranchLog", ["internalBranchName"], [internalBranchName]);
    }
    getBranchLog(internalBranchName, runId) {
      return S3RunLogStore.#run(this, "getBranchLog", ["internalBranchName", "runId"], [internalBranchName, runId]);
    }
    addBranchLog(branchLog, runId) {
      return S3RunLogStore.#run(this, "addBranchLog", ["branchLog", "runId"], [branchLog, runId]);
    }
    createAttemptLog() {
      return S3RunLogStore.#call(this, "createAttemptLog", [], []);
    }
    createCodeIdentity() {
      return S3RunLogStore.#call(this, "createCodeIdentity", [], []);
    }
    createDataCatalog(name) {
      return S3RunLogStore.#call(this, "createDataCatalog", ["name"], [name]);
    }
    listRunLogs(options) {
      return S3RunLogStore.#run(this, "listRunLogs", ["options"], [options]);
    }
    // `since` / `until` may be Dates: JSON.stringify writes them as ISO text.
    listRuns(options) {
      const bad = invalidDate(options);
      return bad ? Promise.reject(bad) : S3RunLogStore.#run(this, "listRuns", ["options"], [options]);
    }
    countRuns(options) {
      const bad = invalidDate(options);
      return bad ? Promise.reject(bad) : S3RunLogStore.#run(this, "countRuns", ["options"], [options]);
    }
    reindex(options) {
      let onProgress;
      let rest = options;
      if (options !== null && typeof options === "object" && !Array.isArray(options)) {
        try {
          ({ onProgress, ...rest } = options);
        } catch (e) {
          return Promise.reject(invalid("options", `cannot be read (${describe(e)})`));
        }
        if (onProgress !== undefined && onProgress !== null && typeof onProgress !== "function") {
          return Promise.reject(invalid("onProgress", `expected a function, got ${kind(onProgress)}`));
        }
      }
      return S3RunLogStore.#run(this, "reindex", ["options"], [rest], onProgress ?? undefined);
    }
    presignGetRunLog(runId, expiresInSeconds) {
      return S3RunLogStore.#run(this, "presignGetRunLog", ["runId", "expiresInSeconds"], [runId, expiresInSeconds]);
    }
    /** Test hook: a fault inside the module, `"sync"` or `"async"`, to show it is contained. */
    __fault(how) {
      if (how === "sync") return S3RunLogStore.#call(this, "__fault", [], []);
      return S3RunLogStore.#run(this, "__fault", ["how"], [how]);
    }
  }

  // ----- standalone signing -----

  const FLAG = {
    presign: 1, unsignedPayload: 2, unsignedPayloadGiven: 4, doubleEncodeGiven: 8, doubleEncode: 16,
    normalizePathGiven: 32, normalizePath: 64, hashHeaderGiven: 128, hashHeader: 256, signTokenGiven: 512,
    signToken: 1024,
  };

  function optString(options, key, required) {
    const v = options[key];
    if (v === undefined || v === null || (v === "" && !required)) {
      if (required) throw invalid(key, "is required");
      return "";
    }
    if (typeof v !== "string") throw invalid(key, `expected a string, got ${kind(v)}`);
    if (required && v === "") throw invalid(key, "is required");
    return wellFormed(v, key);
  }

  function optBool(options, key, given, set) {
    const v = options[key];
    if (v === undefined || v === null) return 0;
    if (typeof v !== "boolean") throw invalid(key, `expected true or false, got ${kind(v)}`);
    return given | (v ? set : 0);
  }

  /** The caller's headers as [name, value] pairs (object, array of pairs, Headers or Map). */
  function headerPairs(h) {
    if (h === undefined || h === null) return [];
    const bad = () => invalid("headers", "expected an object of strings, an array of [name, value] pairs, or Headers");
    let pairs;
    if (Array.isArray(h)) pairs = h;
    else if (typeof h === "object") {
      const proto = Object.getPrototypeOf(h);
      pairs = proto !== null && proto !== Object.prototype && typeof h.entries === "function" ? [...h.entries()] : Object.entries(h);
    } else throw bad();
    return pairs.map((p) => {
      if (!Array.isArray(p) || typeof p[0] !== "string") throw bad();
      const value = typeof p[1] === "number" ? String(p[1]) : p[1];
      if (typeof value !== "string") throw bad();
      return [wellFormed(p[0], "headers"), wellFormed(value, "headers")];
    });
  }

  /** Names of the signing fields, for errors. */
  const SIGN_FIELDS = ["method", "url", "headers", "payloadHash", "accessKeyId", "secretAccessKey", "sessionToken", "region", "service", "date"];
  /** Bodies from this size on are hashed by the host (when it offers `sha256`): faster than wasm. */
  const HASH_IN_HOST = 1024;
  const EMPTY = new Uint8Array(0);

  function bodyBytes(b) {
    if (b === undefined || b === null) return new Uint8Array(0);
    if (typeof b === "string") return new TextEncoder().encode(wellFormed(b, "body"));
    if (b instanceof Uint8Array) return b;
    if (b instanceof ArrayBuffer) return new Uint8Array(b);
    if (ArrayBuffer.isView(b)) return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    throw invalid("body", `expected a string or Uint8Array, got ${kind(b)}`);
  }

  function sign(request, options, presign) {
    if (request === null || typeof request !== "object") throw invalid("request", "expected { method, url, headers?, body? }");
    if (options !== undefined && options !== null && (typeof options !== "object" || Array.isArray(options))) {
      throw invalid("options", `expected an options object, got ${kind(options)}`);
    }
    const o = options ?? {};
    const method = request.method === undefined || request.method === null ? "GET" : request.method;
    if (typeof method !== "string") throw invalid("method", `expected a string, got ${kind(method)}`);
    if (typeof request.url !== "string") throw invalid("url", `expected a string, got ${kind(request.url)}`);
    const pairs = headerPairs(request.headers);
    let timeMs = Date.now();
    let timeText = "";
    if (o.date instanceof Date) timeMs = o.date.getTime();
    else if (o.date !== undefined && o.date !== null) timeText = optString(o, "date", true);
    let expires = 900;
    if (presign && o.expiresIn !== undefined && o.expiresIn !== null) {
      if (typeof o.expiresIn !== "number") throw invalid("expiresIn", `expected a number of seconds, got ${kind(o.expiresIn)}`);
      expires = o.expiresIn;
    }
    const flags = (presign ? FLAG.presign : 0)
      | optBool(o, "unsignedPayload", FLAG.unsignedPayloadGiven, FLAG.unsignedPayload)
      | optBool(o, "doubleEncode", FLAG.doubleEncodeGiven, FLAG.doubleEncode)
      | optBool(o, "normalizePath", FLAG.normalizePathGiven, FLAG.normalizePath)
      | optBool(o, "payloadHashHeader", FLAG.hashHeaderGiven, FLAG.hashHeader)
      | optBool(o, "signSessionToken", FLAG.signTokenGiven, FLAG.signToken);
    const fields = [
      wellFormed(method, "method").toUpperCase(), wellFormed(request.url, "url"), pairs.length ? JSON.stringify(pairs) : "[]",
      optString(o, "payloadHash", false), optString(o, "accessKeyId", true), optString(o, "secretAccessKey", true),
      optString(o, "sessionToken", false), optString(o, "region", true), optString(o, "service", true), timeText,
    ];
    for (let i = 0; i < fields.length; i++) {
      if (fields[i].includes("\0")) throw invalid(SIGN_FIELDS[i], "contains a NUL character");
    }
    let body = bodyBytes(request.body);
    // Large bodies are hashed by the host's own crypto where it has a synchronous one (Node).
    if (fields[3] === "" && body.length >= HASH_IN_HOST && sha256 !== undefined && !(o.unsignedPayload === true)) {
      fields[3] = sha256(body);
      body = EMPTY;
    }
    const args = [fields.join("\0"), body, timeMs, flags, expires];
    const out = guard(() => glue.sign(...args));
    if (out.startsWith("!")) throw typedError(JSON.parse(out.slice(1)));
    return { out, pairs };
  }

  /** Signs a request into headers: `{ headers }`, every header to send (yours plus the signature's). */
  function signRequest(request, options) {
    const { out, pairs } = sign(request, options, false);
    const headers = new Map();
    const put = (k, v) => {
      const key = k.toLowerCase();
      headers.set(key, headers.has(key) ? `${headers.get(key)}, ${v}` : v);
    };
    for (const [k, v] of pairs) put(k, v);
    const lines = out.split("\n");
    for (let i = 0; i + 1 < lines.length; i += 2) put(lines[i], lines[i + 1]);
    return { headers: Object.fromEntries(headers) };
  }

  /** Presigns a request into its URL (`options.expiresIn` seconds, default 900). */
  function presignUrl(request, options) {
    return sign(request, options, true).out;
  }

  return { S3RunLogStore, signRequest, presignUrl };
}
