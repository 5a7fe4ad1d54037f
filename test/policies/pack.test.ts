/**
 * The pack as the CLI loads it, its config defaults (pinned to the runbook's
 * literals), the render and check contracts on real renders, and the
 * engine's preview behaviour: unknown values and secrets crash no policy.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";

import { POLICIES } from "../../policies/all";
import { isPinnedImage } from "../../policies/kubernetes";
import { durationSeconds } from "../../policies/matchers";
import { finalComparison, isDaily, logrotateStanzas } from "../../policies/runbook";
import type { Plan } from "../../tools/lib/plan";
import { runPolicies } from "../../tools/lib/policy-run";
import { ROOT } from "../support/harness";
import { copy, obj, pod, renderAll, STACKS, type Stack } from "./harness";

const POLICIES_DIR = path.join(ROOT, "policies");
const policy = (name: string) => {
    const p = POLICIES.find((x) => x.name === name);
    if (p === undefined) throw new Error(`no policy ${name}`);
    return p;
};
const defaults = (name: string): Record<string, unknown> =>
    Object.fromEntries(
        Object.entries(policy(name).configSchema?.properties ?? {}).map(([k, v]) => [k, (v as { default?: unknown }).default]),
    );

function node(script: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, ["-r", path.join(ROOT, "tools/lib/ts-loader.js"), path.join(ROOT, script), ...args], {
        cwd: ROOT,
        encoding: "utf8",
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("the pack as `pulumi preview --policy-pack policies` loads it", () => {
    it("has PulumiPolicy.yaml (nodejs) and its own package.json with a version", () => {
        expect(parse(fs.readFileSync(path.join(POLICIES_DIR, "PulumiPolicy.yaml"), "utf8")).runtime).toBe("nodejs");
        const pkg = JSON.parse(fs.readFileSync(path.join(POLICIES_DIR, "package.json"), "utf8"));
        expect(pkg.version).toMatch(/^\d+\.\d+\.\d+$/);
        expect(pkg.main).toBe("index.ts");
    });

    it("declares the SDK versions of the project and resolves them from its own directory", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(POLICIES_DIR, "package.json"), "utf8"));
        const root = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
        for (const dep of ["@pulumi/policy", "@pulumi/pulumi"]) {
            const wanted = root.dependencies[dep] ?? root.devDependencies[dep];
            expect([dep, pkg.dependencies[dep]]).toEqual([dep, wanted]);
            const resolved = require.resolve(`${dep}/package.json`, { paths: [POLICIES_DIR] });
            expect(JSON.parse(fs.readFileSync(resolved, "utf8")).version.replace(/^v/, "")).toBe(wanted);
        }
    });

    it("index.ts only constructs the PolicyPack, and nothing imports it", () => {
        const source = fs.readFileSync(path.join(POLICIES_DIR, "index.ts"), "utf8");
        const imports = [...source.matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[1]);
        expect(imports.sort()).toEqual(["./all", "@pulumi/policy"]);
        expect(source.match(/new PolicyPack\(/g)).toHaveLength(1);
        const importers = spawnSync(
            "grep",
            ["-rlE", 'from "[./]*policies(/index)?"|policies/index', "infra", "tools", "test", "policies"],
            { cwd: ROOT, encoding: "utf8" },
        );
        expect(importers.stdout.split("\n").filter((f) => f !== "" && f !== "test/policies/pack.test.ts")).toEqual([]);
    });

    it("gives every policy a unique name, description, rationale, remediation steps, a deliberate level and defaulted config", () => {
        expect(POLICIES.length).toBeGreaterThanOrEqual(40);
        expect(new Set(POLICIES.map((p) => p.name)).size).toBe(POLICIES.length);
        for (const p of POLICIES) {
            expect(p.name).toMatch(/^(runbook|k8s|aws|data)-[a-z0-9-]+$/);
            expect(p.name).not.toBe("all");
            for (const text of [p.description, p.rationale, p.remediationSteps ?? ""]) expect(text.length).toBeGreaterThan(15);
            expect(["mandatory", "advisory"]).toContain(p.enforcementLevel);
            const props = p.configSchema?.properties ?? {};
            expect(props).not.toHaveProperty("enforcementLevel");
            for (const [key, schema] of Object.entries(props))
                expect([p.name, key, (schema as { default?: unknown }).default]).not.toContain(undefined);
        }
    });

    it("is mandatory throughout, the default-deny NetworkPolicy check included (infra/network declares them)", () => {
        expect(POLICIES.filter((p) => p.enforcementLevel === "advisory").map((p) => p.name)).toEqual([]);
        expect(POLICIES.find((p) => p.name === "k8s-default-deny-network-policy")?.enforcementLevel).toBe("mandatory");
    });

    it("lists every policy in docs/policies.md", () => {
        const doc = fs.readFileSync(path.join(ROOT, "docs/policies.md"), "utf8");
        expect(POLICIES.map((p) => p.name).filter((n) => !doc.includes(`| \`${n}\` |`))).toEqual([]);
    });

    it("takes its config defaults from the runbook", () => {
        expect(defaults("runbook-key-alerts").thresholds).toEqual({
            errorRate: 0.01,
            latencyP95: 2,
            gpuUtilization: 90,
            memoryUsage: 0.8,
            tritonHealth: 1,
        });
        expect(defaults("runbook-key-alerts").severities).toEqual({
            errorRate: "page",
            latencyP95: "warning",
            gpuUtilization: "warning",
            memoryUsage: "warning",
            tritonHealth: "page",
        });
        expect(defaults("runbook-log-rotation")).toEqual({ path: "/var/log/med-agi/*.log", minRotate: 30, frequency: "daily" });
        expect(defaults("runbook-backup-retention").minDays).toBe(30);
        expect(defaults("aws-s3-lifecycle").minExpirationDays).toBe(30);
        expect(defaults("aws-rds-backup-retention").minDays).toBe(7);
        expect(defaults("runbook-prod-replicas").minReplicas).toBe(2);
        expect(defaults("runbook-opa-prod-ha").minReplicas).toBe(3);
        expect(defaults("runbook-opa-clients").env).toEqual({
            OPA_URL: "http://opa.med-agi.svc:8181",
            OPA_DECISION_PATH: "medagi/authz/allow",
        });
        expect(defaults("runbook-health-probes").healthPath).toBe("/health");
        expect(defaults("runbook-names").deployments).toEqual(["imaging", "ekg", "eval", "anchor", "modelcards", "ops", "triton"]);
        expect(defaults("runbook-backup-jobs").drill).toBe("restore-drill");
        expect(defaults("runbook-triton-gpu")).toMatchObject({
            resource: "nvidia.com/gpu",
            taintKey: "nvidia.com/gpu",
            taintEffect: "NoSchedule",
        });
    });

    it("allow-lists the node log rotator alone, by name, with a justification, for its two paths and three capabilities", () => {
        for (const name of ["k8s-no-host-path", "k8s-run-as-non-root", "k8s-drop-all-capabilities"]) {
            const [exemption, ...others] = defaults(name).exemptions as any[];
            expect(others).toEqual([]);
            expect(exemption).toMatchObject({
                workload: "DaemonSet med-agi-node/med-agi-logrotate",
                hostPaths: ["/var/log/med-agi", "/var/lib/med-agi-logrotate"],
                capabilities: ["CHOWN", "DAC_OVERRIDE", "FOWNER"],
                runAsRoot: true,
            });
            expect(exemption.justification).toContain("Log Rotation");
        }
    });
});

describe("policy helpers, both sides of each line", () => {
    it("reads the final comparison of an alert expression", () => {
        expect(finalComparison("sum(rate(x[5m]))\n> 0.01")).toEqual({ op: ">", value: 0.01 });
        expect(finalComparison("sum(kube_deployment_status_replicas_ready) < 1")).toEqual({ op: "<", value: 1 });
        expect(finalComparison("up == 0 or vector(1)")).toBeUndefined();
    });
    it("knows a daily schedule from a weekly one", () => {
        expect(isDaily("0 2 * * *")).toBe(true);
        expect(isDaily("0 2 * * 0")).toBe(false);
        expect(isDaily("*/5 * * * *")).toBe(false);
    });
    it("knows a pinned image", () => {
        expect(isPinnedImage("123.dkr.ecr.eu-west-1.amazonaws.com/med-agi/imaging:v1.0.0")).toBe(true);
        expect(isPinnedImage("registry:5000/med-agi/imaging")).toBe(false);
        expect(isPinnedImage("med-agi/imaging:latest")).toBe(false);
        expect(isPinnedImage(`busybox@sha256:${"a".repeat(64)}`)).toBe(true);
    });
    it("parses durations and logrotate stanzas", () => {
        expect(durationSeconds("5m")).toBe(300);
        expect(durationSeconds("1h30m")).toBe(5400);
        expect(durationSeconds("5 minutes")).toBeNaN();
        expect(logrotateStanzas("# c\n/a/*.log /b.log {\n daily\n rotate 30\n postrotate\n kill\n endscript\n}\n")).toEqual([
            { paths: ["/a/*.log", "/b.log"], directives: ["daily", "rotate 30"] },
        ]);
    });
});

describe("on real renders", () => {
    let plans: Record<Stack, Plan>;
    let dirs: Record<Stack, string>;
    let cleanup: () => void = () => undefined;
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "policy-pack-test-"));
    beforeAll(async () => {
        ({ plans, dirs, cleanup } = await renderAll());
    }, 180_000);
    afterAll(() => {
        cleanup();
        fs.rmSync(tmp, { recursive: true, force: true });
    });

    it("the render writes policy.json with no mandatory violation, and summary.md shows the policy results", () => {
        for (const stack of STACKS) {
            const report = JSON.parse(fs.readFileSync(path.join(dirs[stack], "policy.json"), "utf8"));
            expect([stack, report.pack, report.stack, report.mandatory, report.policies]).toEqual([
                stack,
                "med-agi",
                stack,
                0,
                POLICIES.length,
            ]);
            expect(fs.readFileSync(path.join(dirs[stack], "summary.md"), "utf8")).toMatch(
                /## Policy\n\nPolicy pack `med-agi@0\.1\.0`: \d+ policies over \d+ resources — \*\*0 mandatory\*\*/,
            );
        }
    });

    it("npm run check passes every stack's render directory, all in one run, and exits 0", () => {
        const r = node(
            "tools/check.ts",
            STACKS.map((stack) => dirs[stack]),
        );
        expect([r.status, r.stderr]).toEqual([0, ""]);
        // One report per directory, in the order given, each with its own verdict.
        expect(r.stdout.split("\n").filter((l) => l.startsWith("policy pack "))).toEqual(
            STACKS.map((stack) =>
                expect.stringMatching(new RegExp(`on stack ${stack}: ${POLICIES.length} policies, \\d+ resources — 0 mandatory,`)),
            ),
        );
    });

    it("npm run check names the resource, the policy, what it enforces and the fix, and exits 1 on a mandatory violation", () => {
        const plan = copy(plans.prod);
        const imaging = obj(plan, "Deployment", "imaging");
        pod(imaging.inputs).containers[0].image = "med-agi/imaging:latest";
        const file = path.join(tmp, "plan.json");
        fs.writeFileSync(file, JSON.stringify(plan));
        const r = node("tools/check.ts", [file]);
        expect(r.status).toBe(1);
        expect(r.stdout).toContain(
            '✘ MANDATORY [k8s-pinned-images] Deployment med-agi/imaging containers[0] "imaging": image "med-agi/imaging:latest" is not pinned',
        );
        expect(r.stdout).toContain(`    resource: ${imaging.urn}`);
        expect(r.stdout).toContain('    enforces: runbook "Production Deployment"');
        expect(r.stdout).toContain("    fix:      Set release");
        const json = JSON.parse(node("tools/check.ts", [file, "--json"]).stdout);
        expect(json.findings).toContainEqual(
            expect.objectContaining({ policy: "k8s-pinned-images", level: "mandatory", urn: imaging.urn }),
        );
        // Bad usage: every unreadable target named, and nothing checked.
        const missing = node("tools/check.ts", [path.join(tmp, "missing"), file, path.join(tmp, "gone")]);
        expect([missing.status, missing.stdout]).toEqual([2, ""]);
        expect(missing.stderr).toBe(
            `check: ENOENT: no such file or directory, stat '${path.join(tmp, "missing")}'\ncheck: ENOENT: no such file or directory, stat '${path.join(tmp, "gone")}'\n`,
        );
        // policy.json's shape is one report: --json takes one target.
        const several = node("tools/check.ts", [file, dirs.prod, "--json"]);
        expect([several.status, several.stdout]).toEqual([2, ""]);
        expect(several.stderr.split("\n")[0]).toBe("check: --json takes one render directory or plan.json (given 2)");
    });

    it("npm run render exits non-zero on a mandatory violation and still writes policy.json", () => {
        const root = path.join(tmp, "project");
        fs.mkdirSync(root);
        fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(root, "Pulumi.yaml"));
        fs.writeFileSync(
            path.join(root, "Pulumi.dev.yaml"),
            "config:\n  med-agi:environment: dev\n  med-agi:logrotate:\n    enabled: false\n",
        );
        const out = path.join(tmp, "render-out");
        const r = node("tools/render.ts", ["--root", root, "--stack", "dev", "--out", out]);
        expect(r.status).toBe(1);
        expect(r.stderr).toContain("✘ policy: ");
        expect(r.stderr).toMatch(/[1-9]\d* mandatory/);
        const report = JSON.parse(fs.readFileSync(path.join(out, "policy.json"), "utf8"));
        expect(report.findings.map((f: any) => [f.policy, f.level])).toContainEqual(["runbook-log-rotation", "mandatory"]);
    });

    // The engine's sentinels for values unknown during preview (@pulumi/policy proxy.js).
    const UNKNOWN = {
        string: "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
        object: "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
        array: "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
    };
    const unknownAtDepth = (value: unknown, depth: number): unknown => {
        if (depth === 0)
            return Array.isArray(value) ? UNKNOWN.array : value !== null && typeof value === "object" ? UNKNOWN.object : UNKNOWN.string;
        if (Array.isArray(value)) return value.map((v) => unknownAtDepth(v, depth - 1));
        if (value !== null && typeof value === "object")
            return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unknownAtDepth(v, depth - 1)]));
        return value;
    };

    it("crashes no policy and blocks nothing when values are unknown, as in a preview, at every depth", async () => {
        for (const stack of STACKS) {
            for (let depth = 1; depth <= 8; depth++) {
                // unknownAtDepth builds new objects down to `depth` and leaves nothing of the base's
                // below it, so copying the resource list is enough to keep the base intact.
                const plan = {
                    ...plans[stack],
                    resources: plans[stack].resources.map((r) => ({ ...r, inputs: unknownAtDepth(r.inputs, depth) })),
                } as Plan;
                const report = await runPolicies(plan); // rejects if any policy throws anything but the engine's UnknownValueError
                expect([
                    stack,
                    depth,
                    report.findings.filter((f) => f.level === "mandatory").map((f) => `${f.policy}: ${f.message}`),
                ]).toEqual([stack, depth, []]);
                if (depth <= 3) expect(report.findings.some((f) => f.message.includes("during preview"))).toBe(true);
            }
        }
    });

    it("sees through secrets: a secret image tag of latest is still caught, a secret pinned one passes", async () => {
        const SIG = "4dabf18193072939515e22adb298388d";
        const SECRET = "1b47061264138c4ac30d75fd1eb44270";
        for (const [image, caught] of [
            ["med-agi/imaging:latest", true],
            ["med-agi/imaging:v1.0.0", false],
        ] as const) {
            const plan = copy(plans.staging);
            pod(obj(plan, "Deployment", "imaging").inputs).containers[0].image = { [SIG]: SECRET, value: image };
            const found = (await runPolicies(plan)).findings.filter((f) => f.policy === "k8s-pinned-images");
            expect([image, found.length > 0]).toEqual([image, caught]);
        }
    });
});
