// The hand-written declarations (pkg/index.d.ts) against the runtime: every export the package's
// entries give and every method of S3RunLogStore is declared, and nothing declared is missing.
// (The public API is the package's JavaScript side, pkg/core.mjs, not wasm-bindgen's exports, so
// declarations cannot be generated from Rust; this test keeps the two from drifting.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import * as api from "magnus-s3";
import { repo } from "./helpers.mjs";

function declared(file) {
  const src = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const exports = new Set();
  const classes = {};
  for (const st of src.statements) {
    const exported = st.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    if (!exported) continue;
    if (ts.isFunctionDeclaration(st)) exports.add(st.name.text);
    if (ts.isClassDeclaration(st)) {
      exports.add(st.name.text);
      classes[st.name.text] = new Set(
        st.members.filter((m) => ts.isMethodDeclaration(m) && m.name).map((m) => m.name.text),
      );
    }
    if (ts.isVariableStatement(st)) for (const d of st.declarationList.declarations) exports.add(d.name.text);
  }
  return { exports, classes };
}

test("index.d.ts declares exactly what the package exports", () => {
  const d = declared(join(repo, "pkg", "index.d.ts"));
  assert.deepEqual([...d.exports].sort(), Object.keys(api).sort());
  const runtime = Object.getOwnPropertyNames(api.S3RunLogStore.prototype)
    .filter((n) => n !== "constructor" && !n.startsWith("__")) // `__fault` is a test hook
    .sort();
  assert.deepEqual([...d.classes.S3RunLogStore].sort(), runtime);
});

test("api.d.ts declares exactly what magnus-s3/api exports", async () => {
  const d = declared(join(repo, "pkg", "api.d.ts"));
  const mod = await import("magnus-s3/api");
  assert.deepEqual([...d.exports].sort(), Object.keys(mod).sort());
});
