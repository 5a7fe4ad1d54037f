/**
 * Alert routing under the real Alertmanager: `amtool check-config` on what
 * every stack ships, `amtool config routes test` for each severity, and the
 * inhibit rule exercised on a real Alertmanager process on loopback.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { stringify } from "yaml";

import { SERVICE_NAMES, SERVICES } from "../../infra/runbook";
import {
    ALERTMANAGER_SECRETS_DIR,
    RECEIVER_SECRET,
    alertmanagerConfig,
    alertingSchema,
    observabilityAlertmanagerConfig,
    parseObservabilityConfig,
    resolveObservabilitySettings,
    type Environment,
    type ReceiverCredentials,
} from "../../infra/observability";
import { run, scratchDir } from "./tools";

const dir = scratchDir("amtool");
const ALL_CREDS: ReceiverCredentials = { pagerdutyRoutingKey: true, slackWebhookUrl: true, smtpPassword: true, siemToken: true };

function writeConfig(name: string, config: unknown): string {
    const path = join(dir, name);
    writeFileSync(path, stringify(config, { lineWidth: 0 }));
    return path;
}

/** Receivers `amtool config routes test` picks for these labels. */
function routesTo(configPath: string, labels: Record<string, string>): string[] {
    const r = run("amtool", [
        "config",
        "routes",
        "test",
        `--config.file=${configPath}`,
        ...Object.entries(labels).map(([k, v]) => `${k}=${v}`),
    ]);
    expect(r.status).toBe(0);
    return r.stdout.trim().split(",").sort();
}

const slackProd = alertmanagerConfig(
    alertingSchema.parse({ team: { kind: "slack", channel: "#med-agi-alerts" }, siemWebhookUrl: "https://siem.example.org/alerts" }),
    ALL_CREDS,
);
const slackProdPath = writeConfig("slack-prod.yaml", slackProd);

describe("amtool check-config", () => {
    it("accepts the configuration with every receiver", () => {
        const r = run("amtool", ["check-config", slackProdPath]);
        expect(r.status).toBe(0);
        expect(r.stdout).toContain("SUCCESS");
        expect(r.stdout).toContain("4 receivers");
        expect(r.stdout).toContain("1 inhibit rules");
    });

    const stacks: Record<Environment, { raw: Parameters<typeof parseObservabilityConfig>[1]; secrets: Record<string, string> }> = {
        dev: { raw: {}, secrets: {} },
        staging: {
            raw: { alerting: { team: { kind: "slack", channel: "#med-agi-staging" } }, siem: { host: "siem.example.org" } },
            secrets: { slackWebhookUrl: "x", siemToken: "x" },
        },
        prod: {
            raw: {
                alerting: {
                    team: {
                        kind: "email",
                        to: "oncall@example.org",
                        from: "alertmanager@example.org",
                        smarthost: "smtp.example.org:587",
                        authUsername: "am",
                    },
                    siemWebhookUrl: "https://siem.example.org/alerts",
                },
                siem: { host: "siem.example.org" },
            },
            secrets: { pagerdutyRoutingKey: "x", smtpPassword: "x", siemToken: "x" },
        },
    };
    it.each(Object.keys(stacks) as Environment[])("accepts the alertmanager.yaml the %s stack ships", (environment) => {
        const { raw, secrets } = stacks[environment];
        const config = observabilityAlertmanagerConfig({
            settings: resolveObservabilitySettings(parseObservabilityConfig(environment, raw)),
            services: SERVICE_NAMES.map((n) => SERVICES[n]),
            secrets,
        });
        const r = run("amtool", ["check-config", writeConfig(`${environment}.yaml`, config)]);
        expect(r.status).toBe(0);
        expect(r.stdout).toContain("SUCCESS");
    });

    it("accepts the e-mail team receiver with SMTP authentication from a file", () => {
        const config = alertmanagerConfig(
            alertingSchema.parse({
                team: { kind: "email", to: "t@example.org", from: "am@example.org", smarthost: "smtp.example.org:587", authUsername: "am" },
            }),
            ALL_CREDS,
        );
        expect(run("amtool", ["check-config", writeConfig("email.yaml", config)]).status).toBe(0);
    });

    it("rejects a configuration whose route names an undefined receiver (the check is real)", () => {
        const broken = { ...slackProd, receivers: slackProd.receivers.filter((r) => r.name !== "pagerduty") };
        const r = run("amtool", ["check-config", writeConfig("broken.yaml", broken)]);
        expect(r.status).not.toBe(0);
        expect(`${r.stdout}${r.stderr}`).toContain("pagerduty");
    });
});

describe("amtool config routes test", () => {
    it("routes severity=page to PagerDuty", () => {
        expect(routesTo(slackProdPath, { severity: "page", alertname: "MedAgiHighErrorRate", service: "imaging" })).toEqual(["pagerduty"]);
    });

    it("routes severity=warning to the team receiver", () => {
        expect(routesTo(slackProdPath, { severity: "warning", alertname: "MedAgiHighLatencyP95", service: "eval" })).toEqual(["team"]);
    });

    it("routes severity=info to null", () => {
        expect(routesTo(slackProdPath, { severity: "info", alertname: "MedAgiSomethingInformational" })).toEqual(["null"]);
    });

    it("routes security alerts to the SIEM as well as by severity", () => {
        expect(routesTo(slackProdPath, { severity: "warning", category: "security", alertname: "MedAgiHighAuthFailureRate" })).toEqual([
            "siem",
            "team",
        ]);
    });

    it("sends the chart's workload alerts for the gated CPU fallback nowhere, and for every other workload to the team", () => {
        const mismatch = { severity: "warning", alertname: "KubeDeploymentReplicasMismatch", namespace: "med-agi" };
        expect(routesTo(slackProdPath, { ...mismatch, deployment: "triton-cpu" })).toEqual(["null"]);
        expect(routesTo(slackProdPath, { ...mismatch, deployment: "triton" })).toEqual(["team"]);
        expect(routesTo(slackProdPath, { ...mismatch, deployment: "triton-cpu", namespace: "other" })).toEqual(["team"]);
        const notReady = { severity: "warning", alertname: "KubePodNotReady", namespace: "med-agi" };
        expect(routesTo(slackProdPath, { ...notReady, pod: "triton-cpu-7d9f8b6c5-x2k4q" })).toEqual(["null"]);
        expect(routesTo(slackProdPath, { ...notReady, pod: "imaging-5c7d8f9b6-abcde" })).toEqual(["team"]);
    });

    it("routes the chart's critical cluster alerts to the team, not to PagerDuty", () => {
        expect(routesTo(slackProdPath, { severity: "critical", alertname: "KubeNodeNotReady" })).toEqual(["team"]);
    });

    it("routes pages to the team receiver when no PagerDuty key is configured (dev)", () => {
        const path = writeConfig(
            "no-pd.yaml",
            alertmanagerConfig(alertingSchema.parse({ team: { kind: "slack", channel: "#dev" } }), {
                ...ALL_CREDS,
                pagerdutyRoutingKey: false,
            }),
        );
        expect(routesTo(path, { severity: "page", alertname: "MedAgiHighErrorRate" })).toEqual(["team"]);
    });
});

/** A free TCP port on loopback. */
async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const address = server.address();
            const port = typeof address === "object" && address !== null ? address.port : 0;
            server.close(() => resolve(port));
        });
    });
}

describe("the inhibit rule on a real Alertmanager", () => {
    let alertmanager: ChildProcess | undefined;
    let url = "";

    beforeAll(async () => {
        // Same config, with the secrets directory moved into the scratch dir.
        const secretsDir = join(dir, "secrets");
        mkdirSync(join(secretsDir, RECEIVER_SECRET.name), { recursive: true });
        for (const file of Object.values(RECEIVER_SECRET.keys))
            writeFileSync(join(secretsDir, RECEIVER_SECRET.name, file), "test-credential\n");
        const localPath = join(dir, "local.yaml");
        writeFileSync(localPath, stringify(slackProd, { lineWidth: 0 }).split(ALERTMANAGER_SECRETS_DIR).join(secretsDir));
        const port = await freePort();
        url = `http://127.0.0.1:${port}`;
        alertmanager = spawn(
            "prometheus-alertmanager",
            [
                `--config.file=${localPath}`,
                `--storage.path=${join(dir, "data")}`,
                `--web.listen-address=127.0.0.1:${port}`,
                "--cluster.listen-address=",
            ],
            { stdio: "ignore" },
        );
        await new Promise<void>((resolve, reject) => {
            alertmanager?.once("error", reject);
            // Polled until ready; the deadline only bounds a server that never comes up.
            const deadline = Date.now() + 90_000;
            const poll = () => {
                fetch(`${url}/-/ready`)
                    .then((r) => (r.ok ? resolve() : retry()))
                    .catch(retry);
            };
            const retry = () => (Date.now() > deadline ? reject(new Error("alertmanager did not become ready")) : setTimeout(poll, 200));
            poll();
        });
    });

    afterAll(async () => {
        const am = alertmanager;
        if (am === undefined || am.exitCode !== null || am.signalCode !== null) return;
        const exited = new Promise((r) => am.once("exit", r));
        am.kill("SIGTERM");
        await exited;
    });

    /** Posts alerts the way Prometheus does (API v2). */
    async function post(alerts: Record<string, string>[]): Promise<void> {
        const response = await fetch(`${url}/api/v2/alerts`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(alerts.map((labels) => ({ labels, annotations: {} }))),
        });
        expect(response.status).toBe(200);
    }

    /**
     * The alerts' states once `settled` holds for them: the inhibitor indexes a source
     * alert asynchronously, so the states are read again (every 100 ms, for up to 60 s)
     * until the inhibition the case expects shows, instead of after a fixed pause.
     */
    async function states(settled: (s: Map<string, string>) => boolean): Promise<Map<string, string>> {
        const deadline = Date.now() + 60_000;
        for (;;) {
            const alerts = (await (await fetch(`${url}/api/v2/alerts`)).json()) as {
                labels: Record<string, string>;
                status: { state: string };
            }[];
            const s = new Map(
                alerts.map((a) => [
                    `${a.labels.alertname}/${a.labels.severity}/${a.labels.service ?? a.labels.persistentvolumeclaim}`,
                    a.status.state,
                ]),
            );
            if (settled(s) || Date.now() > deadline) return s;
            await new Promise((r) => setTimeout(r, 100));
        }
    }

    it("silences the warning of the same alert and volume while it pages, and nothing else", async () => {
        await post([
            { alertname: "MedAgiVolumeUsageHigh", severity: "page", namespace: "med-agi", persistentvolumeclaim: "data-postgres-0" },
            { alertname: "MedAgiVolumeUsageHigh", severity: "warning", namespace: "med-agi", persistentvolumeclaim: "data-postgres-0" },
            {
                alertname: "MedAgiVolumeUsageHigh",
                severity: "warning",
                namespace: "med-agi",
                persistentvolumeclaim: "data-elasticsearch-0",
            },
        ]);
        // Once the page has suppressed its own warning, the inhibitor has indexed it: the other states are final.
        const s = await states((m) => m.get("MedAgiVolumeUsageHigh/warning/data-postgres-0") === "suppressed");
        expect(s.get("MedAgiVolumeUsageHigh/page/data-postgres-0")).toBe("active");
        expect(s.get("MedAgiVolumeUsageHigh/warning/data-postgres-0")).toBe("suppressed");
        expect(s.get("MedAgiVolumeUsageHigh/warning/data-elasticsearch-0")).toBe("active");
    });

    it("does not let a page of one service silence another service's warning", async () => {
        await post([
            { alertname: "MedAgiHighErrorRate", severity: "page", namespace: "med-agi", service: "imaging" },
            { alertname: "MedAgiHighErrorRate", severity: "warning", namespace: "med-agi", service: "ekg" },
            { alertname: "MedAgiHighErrorRate", severity: "warning", namespace: "med-agi", service: "imaging" },
        ]);
        const s = await states((m) => m.get("MedAgiHighErrorRate/warning/imaging") === "suppressed");
        expect(s.get("MedAgiHighErrorRate/warning/ekg")).toBe("active");
        expect(s.get("MedAgiHighErrorRate/warning/imaging")).toBe("suppressed");
    });
});
