// Parses Mermaid diagrams with the real Mermaid parser (the `mermaid` package,
// the parser mermaid-cli runs inside Chromium) under jsdom, in a process of its
// own: mermaid is ESM-only and needs a DOM (DOMPurify) even to parse.
// stdin: JSON array of diagram sources; stdout: JSON array of
// { ok: true, type } | { ok: false, error }.
import { JSDOM } from "jsdom";

const dom = new JSDOM("<!doctype html><html><body></body></html>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import("mermaid");
mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });

let input = "";
for await (const chunk of process.stdin) input += chunk;
const results = [];
for (const source of JSON.parse(input)) {
    try {
        const parsed = await mermaid.parse(source);
        results.push({ ok: true, type: parsed.diagramType });
    } catch (err) {
        results.push({ ok: false, error: String(err.message ?? err) });
    }
}
process.stdout.write(JSON.stringify(results));
