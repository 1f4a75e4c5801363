// Browsers and other ESM hosts: fetches and instantiates the .wasm next to this file with a
// top-level await, so a plain `import` is ready to use; `init()` returns that same promise.
import initWasm from "./dist/magnus_s3.js";

const ready = initWasm({ module_or_path: new URL("./dist/magnus_s3_bg.wasm", import.meta.url) });
/** Resolves once the module is instantiated (already awaited at import). */
export function init() {
  return ready.then(() => undefined);
}
await ready;

export { S3RunLogStore, signRequest, presignUrl } from "./dist/magnus_s3.js";
