// Node (ESM), Lambda, Lambda@Edge: the same module instance as `require("magnus-s3")` (node.cjs).
import api from "./node.cjs";

export const { S3RunLogStore, signRequest, presignUrl } = api;
/** Already initialized in Node; kept so code can call `await init()` on every host. */
export async function init() {}
