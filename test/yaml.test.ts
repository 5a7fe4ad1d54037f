/** infra/yaml.ts: YAML as the yaml package parses it, each text parsed once. */
import { parse } from "yaml";

import { parseYaml } from "../infra/yaml";

const STACK_FILE =
    "config:\n  med-agi:environment: prod\n  med-agi:cloud:\n    region: eu-west-1\n    registry: { create: true }\n  med-agi:siemToken:\n    secure: v1:abc\n";

describe("parseYaml", () => {
    it("reads a document as the yaml package does, scalars typed by YAML 1.2", () => {
        expect(parseYaml(STACK_FILE)).toEqual(parse(STACK_FILE));
        expect(parseYaml("a: 0o17\nb: yes\nc: 2026-01-01\nd: ~\n")).toEqual({ a: 15, b: "yes", c: "2026-01-01", d: null });
    });

    it("hands every caller a copy of its own: a change to one read is not seen by the next", () => {
        const first = parseYaml(STACK_FILE) as { config: Record<string, { region?: string }> };
        first.config["med-agi:cloud"]!.region = "changed";
        delete first.config["med-agi:environment"];
        expect(parseYaml(STACK_FILE)).toEqual(parse(STACK_FILE));
    });

    it("throws the yaml package's error for a document it cannot parse, on every read", () => {
        const broken = "config:\n  a: [1, 2\n";
        let message = "";
        try {
            parse(broken);
        } catch (err) {
            message = (err as Error).message;
        }
        expect(message).not.toBe("");
        expect(() => parseYaml(broken)).toThrow(message);
        expect(() => parseYaml(broken)).toThrow(message);
    });
});
