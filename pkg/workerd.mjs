// Cloudflare Workers (workerd, wrangler): the .wasm is imported as a compiled module (no network
// fetch) and instantiated synchronously at import.
import wasmModule from "./dist/magnus_s3_bg.wasm";
import { initSync } from "./dist/magnus_s3.js";

initSync({ module: wasmModule });

export { S3RunLogStore, signRequest, presignUrl } from "./dist/magnus_s3.js";
/** Already initialized on workerd; kept so code can call `await init()` on every host. */
export async function init() {}
