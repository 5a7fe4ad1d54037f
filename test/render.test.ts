/** The render tool end to end (real worker processes) and its pure writers. */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseAllDocuments, parse } from "yaml";

import { annotatedFiles, kubernetesYaml, prometheusRulesYaml, RENDER_DIR_ANNOTATION } from "../tools/lib/artifacts";
import { maskSecrets, type Plan, type PlannedResource } from "../tools/lib/plan";
import { threadGroups } from "../tools/render";
import { run } from "./observability/tools";
import { ROOT, sharedRenders } from "./support/harness";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "render-test-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function render(args: string[]): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, ["-r", path.join(ROOT, "tools/lib/ts-loader.js"), path.join(ROOT, "tools/render.ts"), ...args], {
        cwd: ROOT,
        encoding: "utf8",
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("npm run render", () => {
    // The global setup ran this very command (`render --out <dir>`) for the whole
    // test run; without it (its render failed), run it here.
    const shared = sharedRenders();
    const out = shared ?? path.join(tmp, "all");
    let result: ReturnType<typeof render>;
    beforeAll(() => {
        result =
            shared === undefined
                ? render(["--out", out])
                : (JSON.parse(fs.readFileSync(path.join(shared, "command.json"), "utf8")) as ReturnType<typeof render>);
    });

    it("renders every stack with a Pulumi.<stack>.yaml and exits 0", () => {
        // Nothing on stderr but dev's one warning: it runs without an IdP, so /docs and Grafana are open (docs/identity.md).
        expect(result.stderr).toBe(
            "warning: [runtime] no OIDC provider configured (med-agi:oidc): the services' /docs and Grafana are NOT behind a login in dev. Set one with: pulumi config set --path med-agi:oidc.issuerUrl https://<your-idp>/ && pulumi config set --path med-agi:oidc.clientId <client-id> && pulumi config set --secret med-agi:oidcClientSecret <client-secret>\n",
        );
        expect(result.status).toBe(0);
        expect(
            fs
                .readdirSync(out)
                .filter((f) => f !== "command.json")
                .sort(),
        ).toEqual(["dev", "prod", "staging"]);
        expect(result.stdout).toMatch(/✔ dev +\d+ resources in \d+ ms/);
        expect(result.stdout).toContain("3 of 3 stacks rendered");
    });

    it("writes kubernetes.yaml and prometheus-rules.yaml that read back as exactly the plan's objects and rules, in every stack", () => {
        for (const stack of ["dev", "staging", "prod"]) {
            const plan = JSON.parse(fs.readFileSync(path.join(out, stack, "plan.json"), "utf8")) as Plan;
            const objects = plan.resources.filter((r) => r.type.startsWith("kubernetes:") && r.inputs.kind !== undefined);
            const docs = parseAllDocuments(fs.readFileSync(path.join(out, stack, "kubernetes.yaml"), "utf8")).map((d) => d.toJS());
            expect([stack, docs.length]).toEqual([stack, objects.length]);
            // Secrets move masked data to stringData (kubectl-valid); every other object is its inputs as planned.
            objects.forEach((r, i) => {
                if (r.inputs.kind !== "Secret") expect([stack, r.urn, docs[i]]).toEqual([stack, r.urn, r.inputs]);
            });
            const rules = parse(fs.readFileSync(path.join(out, stack, "prometheus-rules.yaml"), "utf8")) as { groups: unknown[] };
            const planned = objects
                .filter((r) => r.inputs.kind === "PrometheusRule")
                .flatMap((r) => (r.inputs.spec as { groups: unknown[] }).groups);
            expect([stack, rules.groups]).toEqual([stack, planned]);
        }
    });

    it("writes plan.json with every resource in registration order", () => {
        const plan = JSON.parse(fs.readFileSync(path.join(out, "dev", "plan.json"), "utf8")) as Plan;
        expect(plan.project).toBe("med-agi");
        expect(plan.stack).toBe("dev");
        expect(plan.resources[0]!.type).toBe("pulumi:providers:kubernetes");
        for (const r of plan.resources) expect(Object.keys(r).sort()).toEqual(["inputs", "name", "parent", "protect", "type", "urn"]);
        expect(plan.resources[0]!.parent).toBeNull();
        const deployment = plan.resources.find((r) => r.name === "imaging-deployment")!;
        expect(deployment.type).toBe("kubernetes:apps/v1:Deployment");
        expect(deployment.urn).toBe(
            "urn:pulumi:dev::med-agi::med-agi:services:MedAgiService$kubernetes:apps/v1:Deployment::imaging-deployment",
        );
        expect(deployment.parent).toBe("urn:pulumi:dev::med-agi::med-agi:services:MedAgiService::imaging");
    });

    it("writes kubernetes.yaml with the six service Deployments and Triton in med-agi, container names, runbook ports and probes", () => {
        const docs = parseAllDocuments(fs.readFileSync(path.join(out, "dev", "kubernetes.yaml"), "utf8")).map((d) => d.toJS() as any);
        const deployments = docs.filter((d) => d.kind === "Deployment");
        expect(
            deployments.map((d) => [
                d.metadata.namespace,
                d.metadata.name,
                d.spec.template.spec.containers[0].name,
                d.spec.template.spec.containers[0].ports[0].containerPort,
                d.spec.template.spec.containers[0].livenessProbe.httpGet.path,
            ]),
        ).toEqual([
            ["med-agi", "triton", "triton", 8000, "/v2/health/live"],
            ["med-agi", "opa", "opa", 8181, "/health"],
            ["med-agi", "imaging", "imaging", 8006, "/health"],
            ["med-agi", "ekg", "ekg", 8016, "/health"],
            ["med-agi", "eval", "eval", 8005, "/health"],
            ["med-agi", "anchor", "anchor", 8007, "/health"],
            ["med-agi", "modelcards", "modelcards", 8008, "/health"],
            ["med-agi", "ops", "ops", 8010, "/health"],
        ]);
        for (const d of docs) {
            expect(typeof d.apiVersion).toBe("string");
            expect(typeof d.kind).toBe("string");
            expect(typeof d.metadata.name).toBe("string");
        }
    });

    it("writes a summary with counts per type, a Mermaid diagram and the component tree", () => {
        const summary = fs.readFileSync(path.join(out, "prod", "summary.md"), "utf8");
        expect(summary).toContain("| `kubernetes:apps/v1:Deployment` | 9 |"); // six services, triton, triton-cpu, opa
        expect(summary).toContain("```mermaid\nflowchart LR");
        expect(summary).toContain('clients -->|"imaging.med-agi.example.org"| w_med_agi_imaging');
        expect(summary).toMatch(/- Namespace `med-agi` 🔒 protected/);
        expect(summary).toContain('w_med_agi_postgres_backup["postgres-backup<br/>CronJob 0 2 * * *"]');
        expect(summary).toContain('w_med_agi_postgres_restore["postgres-restore<br/>CronJob (suspended)"]');
    });
});

describe("every stack's render passes the real tools", () => {
    const out = sharedRenders() ?? path.join(tmp, "all");
    const stacks = ["dev", "staging", "prod"];

    it.each(stacks)("%s: promtool check rules accepts prometheus-rules.yaml", (stack) => {
        const r = run("promtool", ["check", "rules", path.join(out, stack, "prometheus-rules.yaml")]);
        expect(r.stdout + r.stderr).toMatch(/SUCCESS: \d+ rules found/);
        expect(r.status).toBe(0);
    });

    it.each(stacks)("%s: amtool check-config accepts alertmanager.yaml", (stack) => {
        const r = run("amtool", ["check-config", path.join(out, stack, "alertmanager.yaml")]);
        expect(r.stdout).toContain("SUCCESS");
        expect(r.status).toBe(0);
    });

    it("routes pages to PagerDuty in prod and warnings to the team in staging", () => {
        const prod = run("amtool", [
            "config",
            "routes",
            "test",
            `--config.file=${path.join(out, "prod", "alertmanager.yaml")}`,
            "severity=page",
            "alertname=MedAgiHighErrorRate",
            "service=imaging",
        ]);
        expect(prod.stdout.trim()).toBe("pagerduty");
        const staging = run("amtool", [
            "config",
            "routes",
            "test",
            `--config.file=${path.join(out, "staging", "alertmanager.yaml")}`,
            "severity=warning",
            "alertname=MedAgiHighLatencyP95",
            "service=eval",
        ]);
        expect(staging.stdout.trim()).toBe("team");
    });

    it("stands in for credentials the committed stack files leave to `pulumi config set --secret`, and says so", () => {
        const summary = fs.readFileSync(path.join(out, "prod", "summary.md"), "utf8");
        expect(summary).toContain(
            "**Credentials not in the stack file, rendered with placeholders:** `med-agi:backupSigningKey`, `med-agi:oidcClientSecret`, `med-agi:grafanaOidcClientSecret`, `med-agi:pagerdutyRoutingKey`, `med-agi:slackWebhookUrl`, `med-agi:siemToken`.",
        );
        expect(fs.readFileSync(path.join(out, "dev", "summary.md"), "utf8")).not.toContain("placeholders:**");
    });
});

describe("npm run render with invalid configuration", () => {
    const root = path.join(tmp, "bad-project");
    const out = path.join(tmp, "bad-out");
    let result: ReturnType<typeof render>;
    beforeAll(() => {
        fs.mkdirSync(root);
        fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(root, "Pulumi.yaml"));
        fs.copyFileSync(path.join(ROOT, "Pulumi.staging.yaml"), path.join(root, "Pulumi.staging.yaml"));
        // prod creates the ECR repositories staging uses: without its file, staging is refused (infra/aws/registry-owner.ts).
        fs.copyFileSync(path.join(ROOT, "Pulumi.prod.yaml"), path.join(root, "Pulumi.prod.yaml"));
        fs.writeFileSync(
            path.join(root, "Pulumi.dev.yaml"),
            "config:\n  med-agi:release: latest\n  med-agi:services:\n    imaging:\n      replicas: -1\n",
        );
        // One thread: the invalid dev first, then a valid staging in the same thread.
        result = render(["--root", root, "--stack", "dev", "--stack", "staging", "--out", out, "--jobs", "1"]);
    });

    it("exits non-zero naming both problems", () => {
        expect(result.status).not.toBe(0);
        expect(result.stderr).toContain('release: "latest" is not allowed');
        expect(result.stderr).toContain("services.imaging.replicas: -1 is not allowed (must be ≥ 1)");
        expect(result.stdout).toContain("1 of 2 stacks rendered");
    });

    it("registers nothing and writes nothing for the invalid stack", () => {
        expect(result.stderr).toContain("✘ dev: invalid configuration; 0 resources registered, nothing written");
        expect(fs.existsSync(path.join(out, "dev"))).toBe(false);
    });

    it("renders the next stack in the same thread as if alone", () => {
        const alone = sharedRenders() ?? path.join(tmp, "all");
        expect(result.stdout).toMatch(/✔ staging +\d+ resources/);
        for (const file of ["plan.json", "kubernetes.yaml", "policy.json"]) {
            expect(fs.readFileSync(path.join(out, "staging", file), "utf8")).toBe(
                fs.readFileSync(path.join(alone, "staging", file), "utf8"),
            );
        }
    });

    it("refuses an unknown stack, listing the known ones", () => {
        const r = render(["--stack", "qa"]);
        expect(r.status).toBe(2);
        expect(r.stderr).toContain('no Pulumi.<stack>.yaml for "qa" (stacks: dev, staging, prod)');
    });

    it.each(["0", "-1", "1.5", "two"])("refuses --jobs %s, saying what is allowed", (jobs) => {
        const r = render([`--jobs=${jobs}`]);
        expect(r.status).toBe(2);
        expect(r.stderr).toBe(`render: --jobs "${jobs}" is not allowed (must be a whole number ≥ 1)\n`);
    });
});

describe("npm run render --jobs", () => {
    it("deals the stacks round-robin to the threads, in order", () => {
        expect(threadGroups(["dev", "staging", "prod"], 2)).toEqual([["dev", "prod"], ["staging"]]);
        expect(threadGroups(["dev", "staging", "prod"], 1)).toEqual([["dev", "staging", "prod"]]);
        expect(threadGroups(["dev", "staging", "prod"], 8)).toEqual([["dev"], ["staging"], ["prod"]]);
        expect(threadGroups(["prod"], 2)).toEqual([["prod"]]);
        expect(threadGroups([], 2)).toEqual([]);
    });

    it("writes the same files with every stack in one thread as with the default threads", () => {
        const shared = sharedRenders() ?? path.join(tmp, "all");
        const one = path.join(tmp, "one-thread");
        const r = render(["--out", one, "--jobs", "1"]);
        expect(r.status).toBe(0);
        const files = (dir: string): string[] =>
            fs
                .readdirSync(dir, { recursive: true, encoding: "utf8" })
                .filter((f) => fs.statSync(path.join(dir, f)).isFile())
                .sort();
        for (const stack of ["dev", "staging", "prod"]) {
            expect(files(path.join(one, stack))).toEqual(files(path.join(shared, stack)));
            for (const file of files(path.join(one, stack))) {
                expect(`${stack}/${file}: ${fs.readFileSync(path.join(one, stack, file), "utf8")}`).toBe(
                    `${stack}/${file}: ${fs.readFileSync(path.join(shared, stack, file), "utf8")}`,
                );
            }
        }
    });
});

describe("render writers", () => {
    const resource = (type: string, inputs: Record<string, unknown>, name = "r"): PlannedResource => ({
        urn: `urn:pulumi:t::p::${type}::${name}`,
        type,
        name,
        parent: null,
        protect: false,
        inputs,
    });
    const plan = (resources: PlannedResource[]): Plan => ({ project: "p", stack: "t", resources, outputs: {} });

    it("moves masked Secret data to stringData so kubectl can parse the stream", () => {
        const yaml = kubernetesYaml(
            plan([
                resource("kubernetes:core/v1:Secret", {
                    apiVersion: "v1",
                    kind: "Secret",
                    metadata: { name: "s" },
                    data: { token: "[secret]", plain: "YQ==" },
                }),
            ]),
        );
        expect(parse(yaml.split("\n").slice(1).join("\n"))).toEqual({
            apiVersion: "v1",
            kind: "Secret",
            metadata: { name: "s" },
            data: { plain: "YQ==" },
            stringData: { token: "[secret]" },
        });
    });

    it("refuses a Secret whose data is not a map of keys, rather than write an invalid manifest", () => {
        const secret = resource("kubernetes:core/v1:Secret", {
            apiVersion: "v1",
            kind: "Secret",
            metadata: { name: "s" },
            stringData: "[secret]",
        });
        expect(() => kubernetesYaml(plan([secret]))).toThrow(
            'urn:pulumi:t::p::kubernetes:core/v1:Secret::r: Secret stringData is "[secret]", not a map of keys',
        );
    });

    it("concatenates the groups of every PrometheusRule, and writes no rule file without any", () => {
        const rule = (g: string) =>
            resource(
                "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
                {
                    apiVersion: "monitoring.coreos.com/v1",
                    kind: "PrometheusRule",
                    metadata: { name: g },
                    spec: { groups: [{ name: g, rules: [] }] },
                },
                g,
            );
        expect(parse(prometheusRulesYaml(plan([rule("a"), rule("b")]))!)).toEqual({
            groups: [
                { name: "a", rules: [] },
                { name: "b", rules: [] },
            ],
        });
        expect(prometheusRulesYaml(plan([]))).toBeUndefined();
    });

    it("writes annotated ConfigMap keys into the named directory", () => {
        const cm = resource("kubernetes:core/v1:ConfigMap", {
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { name: "lr", annotations: { [RENDER_DIR_ANNOTATION]: "logrotate" } },
            data: { "med-agi": "daily\n" },
        });
        expect([...annotatedFiles(plan([cm]))]).toEqual([["logrotate/med-agi", "daily\n"]]);
    });

    it("refuses an annotation that escapes the render directory", () => {
        const cm = resource("kubernetes:core/v1:ConfigMap", {
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { name: "x", annotations: { [RENDER_DIR_ANNOTATION]: "../.." } },
            data: { passwd: "x" },
        });
        expect(() => annotatedFiles(plan([cm]))).toThrow('render.med-agi.io/dir="../.." with key "passwd" escapes the render directory');
    });
});

describe("maskSecrets", () => {
    // Pulumi's wire form of a secret, as the mock runtime hands inputs over.
    const secret = (value: unknown) => ({ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value });
    const VALUE = "canary-3f9c-never-rendered";

    it("masks a secret scalar where it stands and leaves plain values alone", () => {
        expect(maskSecrets({ a: secret(VALUE), b: "plain", c: [1, secret(VALUE)] })).toEqual({
            a: "[secret]",
            b: "plain",
            c: [1, "[secret]"],
        });
    });

    it("keeps the keys of a whole-object secret and masks each value, nested maps included", () => {
        const masked = maskSecrets({ stringData: secret({ "alertmanager.yaml": VALUE, nested: { token: VALUE, list: [VALUE] } }) });
        expect(masked).toEqual({ stringData: { "alertmanager.yaml": "[secret]", nested: { token: "[secret]", list: "[secret]" } } });
        expect(JSON.stringify(masked)).not.toContain(VALUE);
    });

    it("unwraps a secret inside a secret", () => {
        expect(maskSecrets(secret({ data: secret({ key: VALUE }) }))).toEqual({ data: { key: "[secret]" } });
    });

    it("masks an empty secret map as an empty map and a secret null as the mask", () => {
        expect(maskSecrets({ stringData: secret({}), data: secret(null) })).toEqual({ stringData: {}, data: "[secret]" });
    });
});
