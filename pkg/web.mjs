// Browsers and other ESM hosts: fetches and instantiates the .wasm next to this file with a
// top-level await, so a plain `import` is ready to use; `init()` returns that same promise.
import initWasm, * as glue from "./dist/magnus_s3.js";
import { createApi } from "./dist/core.mjs";

const ready = initWasm({ module_or_path: new URL("./dist/magnus_s3_bg.wasm", import.meta.url) });
/** Resolves once the module is instantiated (already awaited at import). */
export function init() {
  return ready.then(() => undefined);
}
await ready;

export const { S3RunLogStore, signRequest, presignUrl } = createApi(glue);
