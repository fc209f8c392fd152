// Parse every ```mermaid block of the given Markdown files with Mermaid's own parser (jsdom provides the DOM it expects).
// Usage: node tools/check-mermaid.mjs FILE.md...   Exit 1 when any block does not parse.
import { JSDOM } from "jsdom";
import { readFileSync } from "node:fs";
const dom = new JSDOM("<!doctype html><html><body></body></html>");
globalThis.window = dom.window; globalThis.document = dom.window.document;
const { default: mermaid } = await import("mermaid");
let failed = 0;
for (const file of process.argv.slice(2)) {
  const text = readFileSync(file, "utf8");
  const blocks = [...text.matchAll(/```mermaid\n([\s\S]*?)```/g)].map(m => m[1]);
  for (const block of blocks) {
    try { await mermaid.parse(block); console.log(`${file}: mermaid ok`); }
    catch (e) { failed++; console.log(`${file}: ${e.message}`); }
  }
}
process.exit(failed ? 1 : 0);
