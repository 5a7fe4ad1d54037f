/**
 * The TypeScript loader behind the Pulumi CLI entry point and every tool:
 * transpiled once, cached by content, never stale, no type checking.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { ROOT } from "../support/harness";

const LOADER = path.join(ROOT, "tools", "lib", "ts-loader.js");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ts-loader-test-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function runTs(entry: string, cache: string, node = process.execPath) {
    return spawnSync(node, ["-r", LOADER, entry], { encoding: "utf8", env: { ...process.env, MED_AGI_TS_CACHE: cache } });
}

function cacheEntries(cache: string): string[] {
    return fs.existsSync(cache) ? fs.readdirSync(cache, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".js")) : [];
}

describe("tools/lib/ts-loader.js", () => {
    const dir = path.join(tmp, "project");
    const cache = path.join(tmp, "cache");
    const entry = path.join(dir, "main.ts");
    beforeAll(() => {
        fs.mkdirSync(path.join(dir, "lib"), { recursive: true });
        // Extensionless and directory imports, as TypeScript resolves them; a
        // parameter property and an enum, which Node's own type stripping refuses.
        fs.writeFileSync(
            path.join(dir, "lib", "index.ts"),
            "export enum Colour { Red = 1 }\nexport class Box { constructor(readonly size: number) {} }\n",
        );
        fs.writeFileSync(path.join(dir, "value.ts"), 'export const value: string = "first";\n');
        fs.writeFileSync(
            entry,
            'import { Box, Colour } from "./lib";\nimport { value } from "./value";\nconsole.log(`${value} ${new Box(3).size} ${Colour.Red} ${__dirname}`);\n',
        );
    });

    it("runs TypeScript with extensionless and directory imports, keeping __dirname", () => {
        const r = runTs(entry, cache);
        expect(r.stderr).toBe("");
        expect(r.stdout.trim()).toBe(`first 3 1 ${dir}`);
        expect(cacheEntries(cache)).toHaveLength(3);
    });

    it("serves the second run from the cache", () => {
        const before = cacheEntries(cache).sort();
        const r = runTs(entry, cache);
        expect(r.stdout.trim()).toBe(`first 3 1 ${dir}`);
        expect(cacheEntries(cache).sort()).toEqual(before);
    });

    it("transpiles an edited file again: a cache entry is never stale", () => {
        fs.writeFileSync(path.join(dir, "value.ts"), 'export const value: string = "second";\n');
        const r = runTs(entry, cache);
        expect(r.stdout.trim()).toBe(`second 3 1 ${dir}`);
        expect(cacheEntries(cache)).toHaveLength(4);
    });

    it("does not type-check (that is npm run typecheck's job)", () => {
        const bad = path.join(dir, "bad-types.ts");
        fs.writeFileSync(
            bad,
            'const n: number = "not a number" as unknown as number;\nconst s: string = 42 as never;\nconsole.log(typeof n, typeof s);\n',
        );
        const r = runTs(bad, cache);
        expect(r.status).toBe(0);
        expect(r.stdout.trim()).toBe("string number");
    });

    it("reports a syntax error with the file", () => {
        const broken = path.join(dir, "broken.ts");
        fs.writeFileSync(broken, "export const = ;\n");
        const r = runTs(broken, cache);
        expect(r.status).not.toBe(0);
        expect(r.stderr).toContain("broken.ts");
    });
});

describe("the Pulumi CLI entry point", () => {
    it("Pulumi.yaml selects infra/main.js with the SDK's ts-node off", () => {
        const project = fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8");
        expect(project).toMatch(/^main: infra\/main\.js$/m);
        expect(project).toMatch(/^ {4}typescript: false$/m);
    });

    it("runs the program to completion as the language host starts it", () => {
        const r = spawnSync(process.execPath, [path.join(ROOT, "tools", "bench", "cli-start.js"), "--stack", "dev"], {
            cwd: ROOT,
            encoding: "utf8",
        });
        // dev's one warning (no IdP: /docs and Grafana are open, docs/identity.md), and nothing else.
        expect(r.stderr).toBe(
            "warning: [runtime] no OIDC provider configured (med-agi:oidc): the services' /docs and Grafana are NOT behind a login in dev. Set one with: pulumi config set --path med-agi:oidc.issuerUrl https://<your-idp>/ && pulumi config set --path med-agi:oidc.clientId <client-id> && pulumi config set --secret med-agi:oidcClientSecret <client-secret>\n",
        );
        expect(r.status).toBe(0);
        const registered = Number(/cli-start: dev: (\d+) resources registered/.exec(r.stdout)?.[1]);
        expect(registered).toBeGreaterThan(50);
    });
});
