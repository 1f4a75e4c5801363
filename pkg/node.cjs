// Node (CommonJS: `require("magnus-s3")`; node.mjs re-exports this, so `import` and `require` share
// one module instance). The CJS glue instantiates the wasm synchronously from the file next to it.
"use strict";
const { readFileSync } = require("node:fs");
const { createHash } = require("node:crypto");
const glue = require("./dist/magnus_s3.cjs");
const { createApi } = require("./dist/core.cjs");

// Profiles: the shared credentials file is read with node:fs when the config names one.
const readFile = (path) => {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
};
// Large request bodies are hashed with node:crypto (several times faster than SHA-256 in wasm).
const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");
const { S3RunLogStore, signRequest, presignUrl } = createApi(glue, { readFile, sha256 });

module.exports = { S3RunLogStore, signRequest, presignUrl, init: async () => {} };
