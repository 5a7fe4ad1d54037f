/**
 * Multi-document YAML (a render's kubernetes.yaml, or objects written for a
 * linter) read and written by js-yaml, as the render itself writes it
 * (tools/lib/artifacts.ts).
 *
 * Reading uses YAML 1.2's core schema, as the `yaml` package and the API
 * server's YAML decoder read these files; test/render.test.ts checks with the
 * `yaml` package that every stack's kubernetes.yaml reads back as exactly the
 * plan's objects. js-yaml is several times faster on these ~300 KB streams,
 * and several test files read all three stacks.
 */
import { CORE_SCHEMA, load, loadAll } from "js-yaml";

import { stringify } from "../../tools/lib/artifacts";

/** One document, as plain data; throws on a syntax error. */
export function parseManifest(text: string): Record<string, any> {
    return load(text, { schema: CORE_SCHEMA }) as Record<string, any>;
}

/** Every document of a YAML stream, as plain data (empty documents dropped); throws on the first syntax error. */
export function parseManifests(text: string): Record<string, any>[] {
    return loadAll(text, undefined, { schema: CORE_SCHEMA }).filter((doc): doc is Record<string, any> => doc !== null && doc !== undefined);
}

/** Objects as one YAML stream (as the render writes kubernetes.yaml: no anchors, no line folding). */
export function manifestsYaml(objects: readonly unknown[]): string {
    return objects.map(stringify).join("---\n");
}
