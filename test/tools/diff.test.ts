/**
 * `npm run diff` on real renders: the prod stack rendered by the real program
 * (the render tool's renderStacks) from stack files that differ in one thing
 * each, then diffed.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";

import { SECRET_CONFIG_KEYS } from "../../infra/config";
import { readPlans, diffRenders } from "../../tools/diff";
import { secretPlaceholder } from "../../tools/lib/project";
import { diffPlans, summaryLine, type PlanDiff } from "../../tools/lib/plan-diff";
import { renderStacks } from "../../tools/render";
import { ROOT } from "../support/harness";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "diff-test-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const prodFile = parse(fs.readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8")) as { config: Record<string, any> };
const credentials = Object.fromEntries(SECRET_CONFIG_KEYS.map((key) => [`med-agi:${key}`, { secure: "ciphertext" }]));

/** A project root whose Pulumi.prod.yaml is the real one with `edit` applied. */
function variant(name: string, edit: (config: Record<string, any>) => void): { root: string; stack: string; outDir: string } {
    const root = path.join(tmp, name);
    fs.mkdirSync(root);
    fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(root, "Pulumi.yaml"));
    const config = structuredClone(prodFile.config);
    edit(config);
    fs.writeFileSync(path.join(root, "Pulumi.prod.yaml"), stringify({ config }));
    return { root, stack: "prod", outDir: path.join(root, "out") };
}

const jobs = {
    base: variant("base", (c) => Object.assign(c, credentials)),
    release: variant("release", (c) => Object.assign(c, credentials, { "med-agi:release": "v1.1.0" })),
    // One render for two changes (each render costs seconds): Ingresses off and a new Slack channel.
    channel: variant("channel", (c) => {
        Object.assign(c, credentials, { "med-agi:ingress": { enabled: false } });
        c["med-agi:alerting"].team.channel = "#med-agi-oncall";
    }),
};
let diffs: Record<"release" | "channel", PlanDiff>;
let markdown: string;

beforeAll(async () => {
    // One thread for the three: the program loads once instead of once per thread, which is
    // most of a render's CPU (renderStacks alone: 3.1 CPU-s instead of 4.8 for the three; in
    // this file about 1 CPU-s less). The suite is CPU-bound, and the other jest workers keep
    // the second core busy meanwhile.
    // Why not the global setup's prod render as the base: without the credentials set it
    // renders another stack (a generated oauth2-proxy cookie secret, no Grafana admin Secret).
    const outcomes = await renderStacks(Object.values(jobs), 1);
    for (const o of outcomes) if (!o.ok) throw new Error(`${o.stack}: ${o.message}`);
    const plan = (job: { outDir: string }) => readPlans(job.outDir).get("prod")!;
    const base = plan(jobs.base);
    diffs = {
        release: diffPlans(base, plan(jobs.release)),
        channel: diffPlans(base, plan(jobs.channel)),
    };
    markdown = diffRenders(readPlans(jobs.base.outDir), readPlans(jobs.channel.outDir));
});

const paths = (d: PlanDiff) => d.changed.flatMap((c) => c.changes.map((x) => x.path.join(".")));

describe("diff of a release bump", () => {
    it("changes only images and version labels", () => {
        const d = diffs.release;
        expect(d.added).toEqual([]);
        expect(d.removed).toEqual([]);
        expect(d.changed.length).toBeGreaterThan(0);
        for (const p of paths(d))
            expect(p).toMatch(/(^|\.)labels\.app\.kubernetes\.io\/version$|\.image$|^spec\.template\.spec\.containers\.0\.env\.0\.value$/);
        // The six services' images move to the new release.
        const images = d.changed.flatMap((c) => c.changes).filter((x) => x.path.at(-1) === "image");
        expect(images.map((x) => String(x.new).split("/").pop()).sort()).toEqual(
            ["anchor", "ekg", "eval", "imaging", "modelcards", "ops"].map((s) => `${s}:v1.1.0`),
        );
    });

    it("touches nothing stateful, and replaces only the post-deploy smoke Job (a fresh run per release, by design)", () => {
        const d = diffs.release;
        expect(d.changed.filter((c) => c.replace).map((c) => c.label)).toEqual(["Job med-agi/post-deploy-smoke"]);
        expect(summaryLine(d)).toMatch(/^\d+ changed, 1 replaced, 0 added, 0 removed$/);
        const head = new Map(d.head.resources.map((r) => [r.urn, r]));
        const stateful = d.changed.filter((c) => {
            const r = head.get(c.urn)!;
            return (
                ["StatefulSet", "PersistentVolumeClaim", "Secret", "Cluster", "Elasticsearch"].includes(String(r.inputs.kind)) ||
                /^aws:(rds|s3)\//.test(r.type)
            );
        });
        // A stateful resource may be relabelled with the new version, and nothing else: no data, no spec.
        expect(stateful.length).toBeGreaterThan(0);
        for (const c of stateful) {
            expect({ resource: c.label, paths: c.changes.map((x) => x.path.join(".")) }).toEqual({
                resource: c.label,
                paths: c.changes.map(() =>
                    expect.stringMatching(
                        /^metadata\.labels\.app\.kubernetes\.io\/version$|^spec\.template\.metadata\.labels\.app\.kubernetes\.io\/version$/,
                    ),
                ),
            });
        }
    });
});

describe("diff with the Ingresses turned off", () => {
    it("shows the Ingresses and the auth proxy that serves them as removals, and nothing as added", () => {
        const d = diffs.channel;
        expect(d.added).toEqual([]);
        const label = (r: (typeof d.removed)[number]) =>
            r.inputs.kind === undefined
                ? `${r.type} ${r.name}`
                : `${r.inputs.kind} ${(r.inputs.metadata as any).namespace}/${(r.inputs.metadata as any).name}`;
        const services = ["anchor", "ekg", "eval", "imaging", "modelcards", "ops"];
        expect(d.removed.map(label).sort()).toEqual(
            [
                // Each service's Ingress and its /docs Ingress (behind oauth2-proxy).
                ...services.flatMap((s) => [`Ingress med-agi/${s}`, `Ingress med-agi/${s}-docs`]),
                // oauth2-proxy exists only for the Ingresses (docs/identity.md), and with it its Secret (the
                // cookie secret is set in this stack's credentials, so no generated one goes with it).
                "Ingress med-agi/oauth2-proxy",
                "Secret med-agi/oauth2-proxy",
                "kubernetes:helm.sh/v3:Release identity-oauth2-proxy",
                // The HSTS headers the Ingresses referenced (med-agi, and monitoring for Grafana's).
                "ConfigMap med-agi/med-agi-security-headers",
                "ConfigMap monitoring/med-agi-security-headers",
                // The ingress path that serves them (infra/ingress): Traefik, its IngressClass, cert-manager, the
                // ClusterIssuer, their namespaces, and the solver pods' NetworkPolicy.
                "med-agi:ingress:IngressPath ingress",
                "kubernetes:helm.sh/v3:Release ingress-traefik",
                "kubernetes:helm.sh/v3:Release ingress-cert-manager",
                "Namespace undefined/traefik",
                "Namespace undefined/cert-manager",
                "IngressClass undefined/nginx",
                "ClusterIssuer undefined/letsencrypt-prod",
                "NetworkPolicy med-agi/acme-http01-solver-ingress",
                "NetworkPolicy monitoring/acme-http01-solver-ingress",
            ].sort(),
        );
        expect(summaryLine(d)).toMatch(/^\d+ changed, 1 replaced, 0 added, 26 removed$/);
    });
});

describe("diff of a new Slack channel", () => {
    it("flags the Alertmanager config view as replaced, naming the path and the provider's rule", () => {
        const replaced = diffs.channel.changed.filter((c) => c.replace);
        expect(replaced.map((c) => c.label)).toEqual(["ConfigMap monitoring/alertmanager-med-agi-config"]);
        expect(markdown).toContain("[!CAUTION]");
        expect(markdown).toContain("**1 resource will be REPLACED**");
        expect(markdown).toMatch(/`data\.alertmanager\.yaml` \(pulumi-kubernetes provider\/pkg\/provider\/diff\.go/);
        expect(markdown).toMatch(/`"line \d+: +channel: \\"#med-agi-alerts\\""` \| `"line \d+: +channel: \\"#med-agi-oncall\\""`/);
    });

    it("puts the summary line first", () => {
        expect(markdown.split("\n")[2]).toMatch(/^- \*\*`prod`\*\*: \d+ changed, 1 replaced, 0 added, 26 removed$/);
    });

    it("styles the replaced Alertmanager node in the diagram", () => {
        expect(markdown).toMatch(/classDef replaced [^\n]*\n {2}class am_observability_kube_prometheus_stack replaced/);
    });

    it("never prints a credential, only the mask", () => {
        const values = SECRET_CONFIG_KEYS.map((key) => secretPlaceholder(`med-agi:${key}`));
        for (const value of values) expect(markdown).not.toContain(value);
        expect(markdown).not.toContain("ciphertext");
    });
});

describe("the diff command line", () => {
    it("diffs two render directories and writes the same Markdown to --out", () => {
        const out = path.join(tmp, "diff.md");
        const stdout = execFileSync(
            process.execPath,
            [
                "-r",
                "./tools/lib/ts-loader.js",
                "tools/diff.ts",
                jobs.base.outDir,
                path.join(jobs.release.outDir, "plan.json"),
                "--out",
                out,
            ],
            {
                cwd: ROOT,
                encoding: "utf8",
            },
        );
        expect(stdout.split("\n")[0]).toBe("### Render diff");
        expect(stdout).toMatch(/- \*\*`prod`\*\*: \d+ changed, 1 replaced, 0 added, 0 removed/);
        expect(fs.readFileSync(out, "utf8")).toBe(stdout);
    });

    it("refuses a directory without a plan", () => {
        expect(() =>
            execFileSync(process.execPath, ["-r", "./tools/lib/ts-loader.js", "tools/diff.ts", tmp + "/nowhere", jobs.base.outDir], {
                cwd: ROOT,
                stdio: "pipe",
            }),
        ).toThrow(/no such file or directory/);
    });
});
