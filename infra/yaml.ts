/**
 * YAML read as the `yaml` package parses it, each text parsed once per thread.
 * A render reads the same stack files several times (Pulumi.yaml and the
 * stack's file for the offline config, again once the missing credentials are
 * stood in for, and every stack file for the registry claims the config
 * checks), and parsing is most of the cost of reading them.
 */
import { parse } from "yaml";

/** Parsed documents by their text: a cache keyed by content cannot go stale. */
const parsed = new Map<string, unknown>();

/** `parse(text)` of the yaml package, as a copy of its own (callers may change it); throws as `parse` does. */
export function parseYaml(text: string): unknown {
    if (!parsed.has(text)) parsed.set(text, parse(text));
    return structuredClone(parsed.get(text));
}
