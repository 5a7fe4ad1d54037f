/**
 * The alert rules under the real Prometheus rule engine: `promtool check rules`
 * on what every stack ships, and `promtool test rules` with series just above
 * and just below every runbook threshold, and at the edges of every `for:`
 * window (not firing one evaluation before it ends, firing when it does).
 */
import { AUTH_FAILURE_RATIO, MAINTENANCE_ALERT_FOR, SERVICE_NAMES, SERVICES, VOLUME_USAGE } from "../../infra/runbook";
import {
    MAINTENANCE_ALERTS,
    observabilityRuleGroups,
    parseObservabilityConfig,
    resolveObservabilitySettings,
    ruleFile,
    ruleGroups,
    type AlertRule,
    type Environment,
    type RuleGroup,
} from "../../infra/observability";
import { run, scratchDir, writeYaml } from "./tools";

const NS = "med-agi";
/** Data stores as a multi-instance, multi-node stack deploys them (so the lag and yellow rules exist). */
const DATA_STORE_HEALTH_TARGETS = {
    postgres: { cluster: "med-agi-postgres", instances: 2 },
    elasticsearch: { cluster: "med-agi-search", nodes: 3 },
    volumeClaims: ["med-agi-postgres-[0-9]+(-wal)?", "elasticsearch-data-med-agi-search-es-default-[0-9]+"],
};
const groups = ruleGroups({
    services: SERVICE_NAMES,
    extraVolumeNamespaces: ["monitoring"],
    siemShippingNamespace: "logging",
    dataStoreHealth: DATA_STORE_HEALTH_TARGETS,
});
const allRules: AlertRule[] = Object.values(groups).flatMap((g: RuleGroup) => [...g.rules]);
const dir = scratchDir("promtool");
const rulesPath = writeYaml(dir, "rules.yaml", ruleFile(Object.values(groups)));

/** Minutes in a Prometheus duration like `5m`, `2h`, `26h`. */
function minutes(d: string): number {
    const m = /^(\d+)([mh])$/.exec(d);
    if (m === null) throw new Error(`unsupported duration ${d}`);
    return Number(m[1]) * (m[2] === "h" ? 60 : 1);
}

/** The alert as promtool reports it: rule labels + series labels, annotations expanded. */
function expected(
    alert: string,
    severity: string,
    seriesLabels: Record<string, string>,
): { exp_labels: Record<string, string>; exp_annotations: Record<string, string> } {
    const rule = allRules.find(
        (r) =>
            r.alert === alert &&
            r.labels.severity === severity &&
            (seriesLabels.reason === undefined || r.labels.reason === seriesLabels.reason),
    );
    if (rule === undefined) throw new Error(`no rule ${alert} with severity ${severity}`);
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(rule.labels)) if (v !== undefined) labels[k] = v;
    Object.assign(labels, seriesLabels);
    const expand = (text: string) => text.replace(/\{\{ \$labels\.([A-Za-z_]+) \}\}/g, (_, l: string) => labels[l] ?? "");
    const annotations = Object.fromEntries(Object.entries(rule.annotations).map(([k, v]) => [k, expand(v)]));
    return { exp_labels: labels, exp_annotations: annotations };
}

interface Series {
    readonly series: string;
    readonly values: string;
}
interface Check {
    readonly at: string;
    readonly alert: string;
    readonly fires: readonly { severity: string; labels: Record<string, string> }[];
}

/**
 * Every `promtool test rules` case of this file: its name → its test file.
 * Cases are declared (and their files written) as the file is collected, and
 * run together by one promtool in beforeAll: a promtool process costs ~60 ms
 * of CPU to start, more than most cases cost to evaluate, and it judges each
 * file on its own (a fresh storage per test group) whether alone or with others.
 */
const cases = new Map<string, string>();

/** Declares one `promtool test rules` case, written now and run with all the others before the tests; returns its name. */
function promtoolCase(name: string, series: readonly Series[], checks: readonly Check[], rules = rulesPath): string {
    if (cases.has(name)) throw new Error(`promtool case ${name} is declared twice`);
    // promtool evaluates every rule of its files at every step (a day and more at
    // 1m for the backup cases): give it the alerts under test and the recording
    // rules they may read, not the other alerts, which cannot change the outcome.
    const checked = new Set(checks.map((c) => c.alert));
    const only =
        rules === rulesPath
            ? writeYaml(
                  dir,
                  `${name.replace(/[^a-z0-9]+/gi, "-")}.rules.yaml`,
                  ruleFile(
                      Object.values(groups)
                          .map((g) => ({ ...g, rules: g.rules.filter((r) => "record" in r || checked.has(r.alert)) }))
                          .filter((g) => g.rules.length > 0),
                  ),
              )
            : rules;
    const test = {
        rule_files: [only],
        evaluation_interval: "1m",
        tests: [
            {
                name,
                interval: "1m",
                input_series: series,
                alert_rule_test: checks.map((c) => ({
                    eval_time: c.at,
                    alertname: c.alert,
                    exp_alerts: c.fires.map((f) => expected(c.alert, f.severity, f.labels)),
                })),
            },
        ],
    };
    cases.set(name, writeYaml(dir, `${name.replace(/[^a-z0-9]+/gi, "-")}.test.yaml`, test));
    return name;
}

/** The test files promtool passed, from its one run over every case. */
let passed: ReadonlySet<string>;
beforeAll(() => {
    const r = run("promtool", ["test", "rules", ...cases.values()]);
    // stdout names each file (`Unit Testing:  <file>`) and says `  SUCCESS` right after it when the file passed;
    // a failure's details go to stderr, unnamed, so a failed case is run again alone for its message.
    const lines = r.stdout.split("\n");
    passed = new Set(
        lines.flatMap((line, i) => (line.startsWith("Unit Testing:  ") && lines[i + 1] === "  SUCCESS" ? [line.slice(15)] : [])),
    );
});

/** Undefined when promtool passed the declared case `name`; else promtool's output for that case. */
function promtoolFailure(name: string): string | undefined {
    const file = cases.get(name);
    if (file === undefined) throw new Error(`no promtool case ${name} is declared`);
    if (passed.has(file)) return undefined;
    const alone = run("promtool", ["test", "rules", file]);
    return `${alone.stdout}\n${alone.stderr}`;
}

function expectPasses(name: string): void {
    expect(promtoolFailure(name)).toBeUndefined();
}

/** A test that promtool passes the case: declared now, judged from the one run. */
function itPasses(title: string, name: string, series: readonly Series[], checks: readonly Check[], rules = rulesPath): void {
    promtoolCase(name, series, checks, rules);
    it(title, () => expectPasses(name));
}

const m = (n: number) => `${n}m`;
/** Rate-based conditions first hold at 1m (two samples are needed). */
const RATE_START = 1;

describe("promtool check rules", () => {
    it("accepts the rule file of the test fixture", () => {
        const r = run("promtool", ["check", "rules", rulesPath]);
        expect(r.stderr).toBe("");
        expect(r.status).toBe(0);
        expect(r.stdout).toContain(`SUCCESS: ${allRules.length} rules found`);
    });

    const stacks: Record<Environment, Parameters<typeof parseObservabilityConfig>[1]> = {
        dev: {},
        staging: { alerting: { team: { kind: "slack", channel: "#med-agi-alerts" } }, siem: { host: "siem.example.org" } },
        prod: {
            alerting: {
                team: { kind: "email", to: "oncall@example.org", from: "alertmanager@example.org", smarthost: "smtp.example.org:587" },
            },
            siem: { host: "siem.example.org" },
        },
    };
    it.each(Object.keys(stacks) as Environment[])("accepts the rules the %s stack ships", (environment) => {
        const cfg = parseObservabilityConfig(environment, stacks[environment]);
        const shipped = observabilityRuleGroups({
            settings: resolveObservabilitySettings(cfg),
            services: SERVICE_NAMES.map((n) => SERVICES[n]),
        });
        const path = writeYaml(dir, `${environment}-rules.yaml`, ruleFile(Object.values(shipped)));
        const r = run("promtool", ["check", "rules", path]);
        expect(r.status).toBe(0);
        expect(r.stdout).toContain("SUCCESS");
    });
});

describe("MedAgiHighErrorRate (runbook: Error Rate > 1% → page on-call)", () => {
    // Literals from the runbook (alert name, severity) and the chosen for: window; never read from infra/runbook.ts.
    const k = { alert: "MedAgiHighErrorRate", severity: "page" } as const;
    const forMin = 5;
    const traffic = (errorsPerMin: number): Series[] => [
        { series: `http_requests_total{namespace="${NS}",service="imaging",code="500"}`, values: `0+${errorsPerMin}x40` },
        { series: `http_requests_total{namespace="${NS}",service="imaging",code="200"}`, values: `0+${1000 - errorsPerMin}x40` },
        { series: `http_requests_total{namespace="${NS}",service="ekg",code="200"}`, values: "0+1000x40" },
    ];
    const firing = [{ severity: k.severity, labels: { namespace: NS, service: "imaging" } }];

    itPasses("fires with severity=page for imaging at 1.2% 5xx once the for: window has elapsed", "error-rate-1.2", traffic(12), [
        { at: m(RATE_START + forMin - 1), alert: k.alert, fires: [] },
        { at: m(RATE_START + forMin), alert: k.alert, fires: firing },
        { at: m(30), alert: k.alert, fires: firing },
    ]);

    itPasses("does not fire at 0.8% 5xx", "error-rate-0.8", traffic(8), [{ at: m(30), alert: k.alert, fires: [] }]);
});

describe("MedAgiHighLatencyP95 (runbook: P95 Latency > 2s → alert team)", () => {
    // Literals from the runbook (alert name, severity) and the chosen for: window; never read from infra/runbook.ts.
    const k = { alert: "MedAgiHighLatencyP95", severity: "warning" } as const;
    const forMin = 10;
    /** Cumulative bucket increments per minute; 100 requests/min. */
    const histogram = (buckets: Record<string, number>): Series[] =>
        Object.entries(buckets).map(([le, perMin]) => ({
            series: `http_request_duration_seconds_bucket{namespace="${NS}",service="eval",le="${le}"}`,
            values: `0+${perMin}x40`,
        }));
    // p95 = 2 + (95 - 90) / (100 - 90) × (3 - 2) = 2.5 s
    const slow = histogram({ "0.5": 50, "1": 80, "2": 90, "3": 100, "+Inf": 100 });
    // p95 = 1 + (95 - 90) / (100 - 90) × (2 - 1) = 1.5 s
    const fast = histogram({ "0.5": 50, "1": 90, "2": 100, "3": 100, "+Inf": 100 });
    const firing = [{ severity: k.severity, labels: { namespace: NS, service: "eval" } }];

    itPasses("fires with severity=warning for eval at a p95 of 2.5s once the for: window has elapsed", "latency-2.5s", slow, [
        { at: m(RATE_START + forMin - 1), alert: k.alert, fires: [] },
        { at: m(RATE_START + forMin), alert: k.alert, fires: firing },
    ]);

    itPasses("does not fire at a p95 of 1.5s", "latency-1.5s", fast, [{ at: m(30), alert: k.alert, fires: [] }]);
});

describe("MedAgiGpuUtilizationHigh (runbook: GPU Utilization > 90% → scale up)", () => {
    // Literals from the runbook (alert name, severity) and the chosen for: window; never read from infra/runbook.ts.
    const k = { alert: "MedAgiGpuUtilizationHigh", severity: "warning" } as const;
    const forMin = 15;
    const gpu = (percent: number): Series[] => [
        { series: 'DCGM_FI_DEV_GPU_UTIL{gpu="0",Hostname="gpu-node-1",UUID="GPU-1"}', values: `${percent}x40` },
    ];
    const firing = [{ severity: k.severity, labels: { namespace: NS, service: "triton", gpu: "0", Hostname: "gpu-node-1" } }];

    itPasses("fires with severity=warning at 95% utilisation once the for: window has elapsed", "gpu-95", gpu(95), [
        { at: m(forMin - 1), alert: k.alert, fires: [] },
        { at: m(forMin), alert: k.alert, fires: firing },
    ]);

    itPasses("does not fire at 85% utilisation", "gpu-85", gpu(85), [{ at: m(30), alert: k.alert, fires: [] }]);
});

describe("MedAgiMemoryHigh (runbook: Memory Usage > 80% → investigate)", () => {
    // Literals from the runbook (alert name, severity) and the chosen for: window; never read from infra/runbook.ts.
    const k = { alert: "MedAgiMemoryHigh", severity: "warning" } as const;
    const forMin = 15;
    const limit = 1_000_000_000;
    const memory = (ratio: number): Series[] => [
        {
            series: `container_memory_working_set_bytes{namespace="${NS}",pod="imaging-7d9f-abcde",container="imaging",id="/kubepods/x"}`,
            values: `${ratio * limit}x40`,
        },
        {
            series: `container_memory_working_set_bytes{namespace="${NS}",pod="imaging-7d9f-abcde",container=""}`,
            values: `${2 * limit}x40`,
        },
        {
            series: `kube_pod_container_resource_limits{namespace="${NS}",pod="imaging-7d9f-abcde",container="imaging",resource="memory",unit="byte"}`,
            values: `${limit}x40`,
        },
    ];
    const firing = [
        { severity: k.severity, labels: { namespace: NS, pod: "imaging-7d9f-abcde", container: "imaging", service: "imaging" } },
    ];

    itPasses("fires with severity=warning at 85% of the memory limit once the for: window has elapsed", "memory-85", memory(0.85), [
        { at: m(forMin - 1), alert: k.alert, fires: [] },
        { at: m(forMin), alert: k.alert, fires: firing },
    ]);

    itPasses("does not fire at 75% of the memory limit", "memory-75", memory(0.75), [{ at: m(30), alert: k.alert, fires: [] }]);
});

describe("MedAgiTritonUnhealthy (runbook: Triton Health unhealthy → failover to CPU)", () => {
    // Literals from the runbook (alert name, severity) and the chosen for: window; never read from infra/runbook.ts.
    const k = { alert: "MedAgiTritonUnhealthy", severity: "page" } as const;
    const forMin = 2;
    const ready = (n: number): Series[] => [
        { series: `kube_deployment_status_replicas_ready{namespace="${NS}",deployment="triton"}`, values: `${n}x40` },
    ];
    const firing = [{ severity: k.severity, labels: { namespace: NS, service: "triton" } }];

    itPasses("fires with severity=page when no GPU Triton pod is ready, once the for: window has elapsed", "triton-0-ready", ready(0), [
        { at: m(forMin - 1), alert: k.alert, fires: [] },
        { at: m(forMin), alert: k.alert, fires: firing },
    ]);

    itPasses(
        "fires when kube-state-metrics reports no triton Deployment at all",
        "triton-absent",
        [],
        [{ at: m(forMin), alert: k.alert, fires: firing }],
    );

    itPasses("does not fire while one GPU Triton pod is ready", "triton-1-ready", ready(1), [{ at: m(30), alert: k.alert, fires: [] }]);

    describe("on a stack that does not deploy the GPU Triton", () => {
        const noGpuRules = writeYaml(
            dir,
            "rules-no-gpu-triton.yaml",
            ruleFile(Object.values(ruleGroups({ services: SERVICE_NAMES, tritonGpu: false }))),
        );

        itPasses(
            "does not page for a triton Deployment that does not exist",
            "no-gpu-triton-absent",
            [],
            [{ at: m(forMin + 10), alert: k.alert, fires: [] }],
            noGpuRules,
        );

        itPasses(
            "still pages when a triton Deployment exists with no ready pod",
            "no-gpu-triton-0-ready",
            ready(0),
            [
                { at: m(forMin - 1), alert: k.alert, fires: [] },
                { at: m(forMin), alert: k.alert, fires: firing },
            ],
            noGpuRules,
        );
    });
});

describe("MedAgiBackupMissing (runbook: daily “Verify backup completion”)", () => {
    const a = MAINTENANCE_ALERTS.backupMissing;
    const maxAgeMin = 26 * 60; // the 26 h freshness budget, as a literal
    const staleFor = minutes(MAINTENANCE_ALERT_FOR.backupStale);
    const backup = 'kube_cronjob_status_last_successful_time{namespace="med-agi",cronjob="postgres-backup"}';
    const stale = [{ severity: "warning", labels: { namespace: NS, cronjob: "postgres-backup", service: "postgres", reason: "stale" } }];

    // Last success at t=0: the age passes 26h just after 26h; the condition first holds at 26h+1m.
    itPasses(
        "fires when the last successful backup is older than 26h",
        "backup-stale",
        [{ series: backup, values: `0x${maxAgeMin + 60}` }],
        [
            { at: m(maxAgeMin + 1 + staleFor - 1), alert: a, fires: [] },
            { at: m(maxAgeMin + 1 + staleFor), alert: a, fires: stale },
        ],
    );

    itPasses(
        "does not fire when the daily backup succeeded again after 24h",
        "backup-fresh",
        [{ series: backup, values: `0x1439 86400x${maxAgeMin}` }],
        [{ at: m(maxAgeMin + 1 + staleFor + 30), alert: a, fires: [] }],
    );

    const never = [
        { severity: "warning", labels: { namespace: NS, cronjob: "postgres-backup", service: "postgres", reason: "never-succeeded" } },
    ];
    itPasses(
        "fires when no backup has ever succeeded for 26h",
        "backup-never",
        [],
        [
            { at: m(maxAgeMin - 1), alert: a, fires: [] },
            { at: m(maxAgeMin), alert: a, fires: never },
        ],
    );
});

describe("MedAgiVolumeUsageHigh (runbook: daily “Check disk usage”)", () => {
    const a = MAINTENANCE_ALERTS.volumeUsage;
    const warnFor = minutes(MAINTENANCE_ALERT_FOR.volumeUsageWarning);
    const pageFor = minutes(MAINTENANCE_ALERT_FOR.volumeUsagePage);
    const volume = (ratio: number, ns = NS): Series[] => [
        {
            series: `kubelet_volume_stats_used_bytes{namespace="${ns}",persistentvolumeclaim="data-postgres-0",node="n1"}`,
            values: `${ratio * 100}x40`,
        },
        {
            series: `kubelet_volume_stats_capacity_bytes{namespace="${ns}",persistentvolumeclaim="data-postgres-0",node="n1"}`,
            values: "100x40",
        },
    ];
    const labels = { namespace: NS, persistentvolumeclaim: "data-postgres-0" };

    itPasses(
        `warns above ${VOLUME_USAGE.warning * 100}% full and does not page below ${VOLUME_USAGE.page * 100}%`,
        "volume-85",
        volume(0.85),
        [
            { at: m(warnFor - 1), alert: a, fires: [] },
            { at: m(warnFor), alert: a, fires: [{ severity: "warning", labels }] },
        ],
    );

    itPasses(`pages above ${VOLUME_USAGE.page * 100}% full`, "volume-95", volume(0.95), [
        { at: m(pageFor - 1), alert: a, fires: [] },
        { at: m(pageFor), alert: a, fires: [{ severity: "page", labels }] },
    ]);

    itPasses(`does not fire at 75% full`, "volume-75", volume(0.75), [{ at: m(30), alert: a, fires: [] }]);

    itPasses("watches the monitoring stack's volumes too", "volume-monitoring", volume(0.95, "monitoring"), [
        {
            at: m(pageFor),
            alert: a,
            fires: [{ severity: "page", labels: { namespace: "monitoring", persistentvolumeclaim: "data-postgres-0" } }],
        },
    ]);
});

describe("MedAgiPodCrashLooping", () => {
    const a = MAINTENANCE_ALERTS.crashLooping;
    const forMin = minutes(MAINTENANCE_ALERT_FOR.crashLooping);
    const waiting = (v: number): Series[] => [
        {
            series: `kube_pod_container_status_waiting_reason{namespace="${NS}",pod="ekg-5c6-xyz",container="ekg",reason="CrashLoopBackOff"}`,
            values: `${v}x40`,
        },
    ];

    itPasses("fires for a container in CrashLoopBackOff once the for: window has elapsed", "crashloop", waiting(1), [
        { at: m(forMin - 1), alert: a, fires: [] },
        {
            at: m(forMin),
            alert: a,
            fires: [{ severity: "warning", labels: { namespace: NS, pod: "ekg-5c6-xyz", container: "ekg", service: "ekg" } }],
        },
    ]);

    itPasses("does not fire for a container that is not waiting", "no-crashloop", waiting(0), [{ at: m(30), alert: a, fires: [] }]);
});

describe("MedAgiDataStoreDown", () => {
    const a = MAINTENANCE_ALERTS.dataStoreDown;
    const forMin = minutes(MAINTENANCE_ALERT_FOR.dataStoreDown);
    const ready = (n: number): Series[] => [
        { series: `kube_statefulset_status_replicas_ready{namespace="${NS}",statefulset="postgres"}`, values: `${n}x40` },
    ];

    itPasses("pages when a data store StatefulSet has no ready replica", "datastore-down", ready(0), [
        { at: m(forMin - 1), alert: a, fires: [] },
        {
            at: m(forMin),
            alert: a,
            fires: [{ severity: "page", labels: { namespace: NS, statefulset: "postgres", service: "postgres" } }],
        },
    ]);

    itPasses("does not fire while the data store has a ready replica", "datastore-up", ready(1), [{ at: m(30), alert: a, fires: [] }]);
});

describe("MedAgiTritonCpuFailoverActive (runbook: Failover to CPU inference, automatic)", () => {
    const a = MAINTENANCE_ALERTS.cpuFailover;
    const forMin = minutes(MAINTENANCE_ALERT_FOR.cpuFailover);
    const deployments = (gpu: number, cpu: number): Series[] => [
        { series: `kube_deployment_status_replicas_ready{namespace="${NS}",deployment="triton"}`, values: `${gpu}x40` },
        { series: `kube_deployment_status_replicas_ready{namespace="${NS}",deployment="triton-cpu"}`, values: `${cpu}x40` },
    ];

    itPasses("fires while the GPU Triton is down and triton-cpu serves", "failover-active", deployments(0, 1), [
        { at: m(forMin - 1), alert: a, fires: [] },
        { at: m(forMin), alert: a, fires: [{ severity: "warning", labels: { namespace: NS, service: "triton-cpu" } }] },
    ]);

    itPasses("does not fire while the GPU Triton is ready", "failover-idle", deployments(1, 1), [{ at: m(30), alert: a, fires: [] }]);

    itPasses("does not fire when the CPU fallback is not serving either", "failover-none", deployments(0, 0), [
        { at: m(30), alert: a, fires: [] },
    ]);
    const cpuOnly = [{ series: `kube_deployment_status_replicas_ready{namespace="${NS}",deployment="triton-cpu"}`, values: "1x40" }];
    itPasses("fires when deployment/triton is gone altogether while triton-cpu serves", "failover-gpu-missing", cpuOnly, [
        { at: m(forMin - 1), alert: a, fires: [] },
        { at: m(forMin), alert: a, fires: [{ severity: "warning", labels: { namespace: NS, service: "triton-cpu" } }] },
    ]);

    const recovering: Series[] = [
        { series: `kube_deployment_status_replicas_ready{namespace="${NS}",deployment="triton"}`, values: "0x14 1x25" },
        { series: `kube_deployment_status_replicas_ready{namespace="${NS}",deployment="triton-cpu"}`, values: "1x15 0x24" },
    ];
    itPasses("stops once a GPU Triton is ready again and the gate has taken the CPU pods out", "failover-recovers", recovering, [
        { at: m(10), alert: a, fires: [{ severity: "warning", labels: { namespace: NS, service: "triton-cpu" } }] },
        { at: m(15), alert: a, fires: [] },
        { at: m(30), alert: a, fires: [] },
    ]);

    const devRules = ruleGroups({ services: SERVICE_NAMES, tritonGpu: false });
    const devRulesPath = writeYaml(dir, "dev-failover-rules.yaml", ruleFile(Object.values(devRules)));
    // dev: deployment/triton is the CPU Triton, there is no triton-cpu; an hour of it ready or down raises nothing.
    const dev = (ready: number): Series[] => [
        { series: `kube_deployment_status_replicas_ready{namespace="${NS}",deployment="triton"}`, values: `${ready}x70` },
    ];
    promtoolCase("failover-dev-up", dev(1), [{ at: m(60), alert: a, fires: [] }], devRulesPath);
    promtoolCase("failover-dev-down", dev(0), [{ at: m(60), alert: a, fires: [] }], devRulesPath);
    it("is not shipped where there is no GPU Triton (dev), so it cannot stand active there", () => {
        expect(Object.values(devRules).flatMap((g) => g.rules.map((r) => r.alert))).not.toContain(a);
        expectPasses("failover-dev-up");
        expectPasses("failover-dev-down");
    });
});

describe("MedAgiHighAuthFailureRate (runbook: daily “Review security alerts”)", () => {
    const a = MAINTENANCE_ALERTS.authFailures;
    const forMin = minutes(MAINTENANCE_ALERT_FOR.authFailures);
    const traffic = (refusedPerMin: number): Series[] => [
        { series: `http_requests_total{namespace="${NS}",service="anchor",code="401"}`, values: `0+${refusedPerMin}x40` },
        { series: `http_requests_total{namespace="${NS}",service="anchor",code="200"}`, values: `0+${100 - refusedPerMin}x40` },
    ];

    itPasses(`fires with category=security above ${AUTH_FAILURE_RATIO * 100}% refused requests`, "auth-15", traffic(15), [
        { at: m(RATE_START + forMin - 1), alert: a, fires: [] },
        { at: m(RATE_START + forMin), alert: a, fires: [{ severity: "warning", labels: { namespace: NS, service: "anchor" } }] },
    ]);

    itPasses(`does not fire at 5% refused requests`, "auth-5", traffic(5), [{ at: m(30), alert: a, fires: [] }]);
});

describe("MedAgiSiemShippingFailing", () => {
    const a = MAINTENANCE_ALERTS.siemShipping;
    const failed = (values: string): Series[] => [
        { series: 'fluentbit_output_retries_failed_total{namespace="logging",pod="fluent-bit-abc",name="http.0"}', values },
    ];

    itPasses("fires when Fluent Bit drops records after its retries", "siem-dropping", failed("0x5 1+1x30"), [
        { at: m(4), alert: a, fires: [] },
        {
            at: m(10),
            alert: a,
            fires: [{ severity: "warning", labels: { namespace: "logging", pod: "fluent-bit-abc", name: "http.0" } }],
        },
    ]);

    itPasses("does not fire while no record is dropped", "siem-ok", failed("0x40"), [{ at: m(30), alert: a, fires: [] }]);
});

describe("MedAgiPostgresDown (CloudNativePG: no StatefulSet for MedAgiDataStoreDown)", () => {
    const a = "MedAgiPostgresDown";
    const forMin = 2; // chosen for: window, as a literal
    const ready = (instance: number, initdb = 0): Series[] => [
        { series: `kube_pod_status_ready{namespace="${NS}",pod="med-agi-postgres-1",condition="true"}`, values: `${instance}x40` },
        {
            series: `kube_pod_status_ready{namespace="${NS}",pod="med-agi-postgres-1-initdb-x7k2p",condition="true"}`,
            values: `${initdb}x40`,
        },
    ];
    const noReady = [{ severity: "page", labels: { reason: "no-ready-instance" } }];

    itPasses("pages when no instance pod of the cluster is ready, even while its initdb Job's pod is", "pg-no-ready", ready(0, 1), [
        { at: m(forMin - 1), alert: a, fires: [] },
        { at: m(forMin), alert: a, fires: noReady },
    ]);

    itPasses("pages when kube-state-metrics knows no instance pod at all", "pg-absent", [], [{ at: m(forMin), alert: a, fires: noReady }]);

    itPasses("does not fire while an instance is ready", "pg-ready", ready(1), [{ at: m(30), alert: a, fires: [] }]);

    const up = (v: number): Series[] => [
        ...ready(1),
        { series: `cnpg_collector_up{namespace="${NS}",pod="med-agi-postgres-1",cluster="med-agi-postgres"}`, values: `${v}x40` },
    ];
    const notRunning = [{ severity: "page", labels: { namespace: NS, pod: "med-agi-postgres-1", reason: "postgres-not-running" } }];
    itPasses("pages when the instance manager reports PostgreSQL down in a ready pod", "pg-collector-down", up(0), [
        { at: m(forMin - 1), alert: a, fires: [] },
        { at: m(forMin), alert: a, fires: notRunning },
    ]);

    itPasses("does not fire while the instance manager reports PostgreSQL up", "pg-collector-up", up(1), [
        { at: m(30), alert: a, fires: [] },
    ]);
});

describe("MedAgiPostgresReplicationLagHigh", () => {
    const a = "MedAgiPostgresReplicationLagHigh";
    const forMin = 5;
    const lag = (seconds: number): Series[] => [
        { series: `cnpg_pg_replication_lag{namespace="${NS}",pod="med-agi-postgres-2"}`, values: `${seconds}x40` },
    ];

    itPasses("warns when a standby is 31s behind (threshold 30s)", "pg-lag-31", lag(31), [
        { at: m(forMin - 1), alert: a, fires: [] },
        { at: m(forMin), alert: a, fires: [{ severity: "warning", labels: { namespace: NS, pod: "med-agi-postgres-2" } }] },
    ]);

    itPasses("does not fire at 29s", "pg-lag-29", lag(29), [{ at: m(30), alert: a, fires: [] }]);

    it("is not shipped for a single instance (dev), which has no standby", () => {
        const one = ruleGroups({ services: SERVICE_NAMES, dataStoreHealth: { postgres: { cluster: "med-agi-postgres", instances: 1 } } });
        const alerts = Object.values(one).flatMap((g) => g.rules.map((r) => r.alert));
        expect(alerts).toContain("MedAgiPostgresDown");
        expect(alerts).not.toContain(a);
    });
});

describe("MedAgiElasticsearchClusterRed / Yellow / Unreachable (prometheus-elasticsearch-exporter)", () => {
    const status = (color: "green" | "yellow" | "red"): Series[] =>
        (["green", "yellow", "red"] as const).map((c) => ({
            series: `elasticsearch_cluster_health_status{namespace="${NS}",cluster="med-agi-search",color="${c}",pod="elasticsearch-exporter-abc"}`,
            values: `${c === color ? 1 : 0}x40`,
        }));
    const labels = { namespace: NS, cluster: "med-agi-search" };

    itPasses("pages 5m after the cluster turns red", "es-red", status("red"), [
        { at: m(4), alert: "MedAgiElasticsearchClusterRed", fires: [] },
        { at: m(5), alert: "MedAgiElasticsearchClusterRed", fires: [{ severity: "page", labels }] },
    ]);

    itPasses("warns 30m after the cluster turns yellow, and does not page", "es-yellow", status("yellow"), [
        { at: m(29), alert: "MedAgiElasticsearchClusterYellow", fires: [] },
        { at: m(30), alert: "MedAgiElasticsearchClusterYellow", fires: [{ severity: "warning", labels }] },
        { at: m(35), alert: "MedAgiElasticsearchClusterRed", fires: [] },
    ]);

    itPasses("raises nothing while the cluster is green", "es-green", status("green"), [
        { at: m(35), alert: "MedAgiElasticsearchClusterRed", fires: [] },
        { at: m(35), alert: "MedAgiElasticsearchClusterYellow", fires: [] },
    ]);

    it("does not ship the yellow alert for a single node, where replicas can never be assigned", () => {
        const one = ruleGroups({ services: SERVICE_NAMES, dataStoreHealth: { elasticsearch: { cluster: "med-agi-search", nodes: 1 } } });
        const alerts = Object.values(one).flatMap((g) => g.rules.map((r) => r.alert));
        expect(alerts).toEqual(expect.arrayContaining(["MedAgiElasticsearchClusterRed", "MedAgiElasticsearchUnreachable"]));
        expect(alerts).not.toContain("MedAgiElasticsearchClusterYellow");
    });

    const up = (v: number): Series[] => [
        { series: `elasticsearch_cluster_health_up{namespace="${NS}",pod="elasticsearch-exporter-abc"}`, values: `${v}x40` },
    ];
    const unreachable = [{ severity: "warning", labels: { namespace: NS } }];
    promtoolCase("es-unreachable", up(0), [
        { at: m(9), alert: "MedAgiElasticsearchUnreachable", fires: [] },
        { at: m(10), alert: "MedAgiElasticsearchUnreachable", fires: unreachable },
    ]);
    promtoolCase("es-unscraped", [], [{ at: m(10), alert: "MedAgiElasticsearchUnreachable", fires: unreachable }]);
    it("warns when the exporter cannot reach the cluster for 10m, or reports nothing", () => {
        expectPasses("es-unreachable");
        expectPasses("es-unscraped");
    });

    itPasses("does not fire while the exporter reaches the cluster", "es-reachable", up(1), [
        { at: m(30), alert: "MedAgiElasticsearchUnreachable", fires: [] },
    ]);
});

describe("MedAgiDataStoreVolumeFillingUp (full within 24h at the last 6h's rate, once half full)", () => {
    const a = "MedAgiDataStoreVolumeFillingUp";
    const forMin = 60;
    const claim = "elasticsearch-data-med-agi-search-es-default-0";
    /** Capacity 1000; `available` falls by `perMin` each minute. */
    const volume = (available: number, perMin: number, pvc = claim): Series[] => [
        {
            series: `kubelet_volume_stats_available_bytes{namespace="${NS}",persistentvolumeclaim="${pvc}"}`,
            values: `${available}-${perMin}x200`,
        },
        { series: `kubelet_volume_stats_capacity_bytes{namespace="${NS}",persistentvolumeclaim="${pvc}"}`, values: "1000x200" },
    ];
    const fires = [{ severity: "warning", labels: { namespace: NS, persistentvolumeclaim: claim } }];

    // At 61m: 455.6 left at 0.4/min → 1139 min ≈ 19h < 24h.
    itPasses("warns for a volume 52% full that would be full in about 19h", "volume-fill-19h", volume(480, 0.4), [
        { at: m(forMin), alert: a, fires: [] },
        { at: m(forMin + 1), alert: a, fires },
    ]);

    // At 62m: 461.4 left at 0.3/min → 1538 min ≈ 25.6h > 24h.
    itPasses("does not fire when it would take about 25.6h", "volume-fill-26h", volume(480, 0.3), [
        { at: m(forMin + 2), alert: a, fires: [] },
    ]);

    // 40% used at the start, and 42% at 61m: below the 50% floor although 24h would fill it.
    itPasses("does not fire for a volume under half full, however fast it fills", "volume-fill-40pct", volume(600, 0.4), [
        { at: m(forMin + 1), alert: a, fires: [] },
    ]);

    itPasses("watches only the data stores' claims", "volume-fill-other", volume(480, 0.4, "scratch-0"), [
        { at: m(forMin + 1), alert: a, fires: [] },
    ]);
});
