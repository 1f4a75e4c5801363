// Cloudflare Workers (workerd, wrangler): the .wasm is imported as a compiled module (no network
// fetch) and instantiated synchronously at import.
import wasmModule from "./dist/magnus_s3_bg.wasm";
import * as glue from "./dist/magnus_s3.js";
import { createApi } from "./dist/core.mjs";

glue.initSync({ module: wasmModule });

export const { S3RunLogStore, signRequest, presignUrl } = createApi(glue);
/** Already initialized on workerd; kept so code can call `await init()` on every host. */
export async function init() {}
