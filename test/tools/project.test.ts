import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { listStacks, readProject, readStackConfig, secretPlaceholder } from "../../tools/lib/project";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "project-test-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
beforeAll(() => {
    fs.writeFileSync(
        path.join(dir, "Pulumi.yaml"),
        "name: demo\nruntime: nodejs\nconfig:\n  release:\n    type: string\n    default: v1.0.0\n  tier: small\n  aws:region:\n    value: eu-west-1\n",
    );
    fs.writeFileSync(
        path.join(dir, "Pulumi.prod.yaml"),
        "config:\n  demo:release: v2.0.0\n  demo:services:\n    imaging:\n      replicas: 3\n  demo:token:\n    secure: AAABAGV4YW1wbGU=\n",
    );
    fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), "config: {}\n");
    fs.writeFileSync(path.join(dir, "Pulumi.alpha.yaml"), "config: {}\n");
});

describe("reading the project as the CLI would", () => {
    it("takes typed defaults, bare defaults and provider values from Pulumi.yaml", () => {
        expect(readProject(dir)).toEqual({
            name: "demo",
            defaults: { "demo:release": "v1.0.0", "demo:tier": "small", "aws:region": "eu-west-1" },
        });
    });

    it("lays stack values over project defaults and JSON-encodes objects", () => {
        const cfg = readStackConfig(dir, "prod");
        expect(cfg.values["demo:release"]).toBe("v2.0.0");
        expect(cfg.values["demo:tier"]).toBe("small");
        expect(JSON.parse(cfg.values["demo:services"]!)).toEqual({ imaging: { replicas: 3 } });
    });

    it("replaces secure values with a placeholder and marks them secret", () => {
        const cfg = readStackConfig(dir, "prod");
        expect(cfg.values["demo:token"]).toBe(secretPlaceholder("demo:token"));
        expect(cfg.secretKeys).toEqual(["demo:token"]);
    });

    it("applies overrides last, and removes a key overridden with undefined", () => {
        const cfg = readStackConfig(dir, "prod", { release: "v3.0.0", tier: undefined, key: { secure: "x" } });
        expect(cfg.values["demo:release"]).toBe("v3.0.0");
        expect(cfg.values["demo:tier"]).toBeUndefined();
        expect(cfg.secretKeys).toEqual(["demo:token", "demo:key"]);
    });

    it("lists dev, staging, prod first, then other stacks alphabetically", () => {
        expect(listStacks(dir)).toEqual(["dev", "prod", "alpha"]);
    });

    it("names the stacks it has when asked for one it has not", () => {
        expect(() => readStackConfig(dir, "qa")).toThrow(/no Pulumi\.qa\.yaml in .* \(stacks here: dev, prod, alpha\)/);
    });
});
