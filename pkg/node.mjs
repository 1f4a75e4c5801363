// Node (ESM), Lambda, Lambda@Edge: the CommonJS glue instantiates the wasm synchronously from
// the file next to it; re-exporting it keeps one instance for `import` and `require` alike.
import glue from "./dist/magnus_s3.cjs";

export const { S3RunLogStore, signRequest, presignUrl } = glue;
/** Already initialized in Node; kept so code can call `await init()` on every host. */
export async function init() {}
