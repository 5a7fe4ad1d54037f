/**
 * The runbook's thresholds, procedures and names as policies. Every default
 * is imported from infra/runbook.ts (or the component defaults built on it).
 */
import { CRONJOB_NAMES } from "../infra/backups/defaults";
import { DEFAULT_GPU_POOL, GPU_RESOURCE } from "../infra/inference/defaults";
import {
    ALERT_FOR,
    BACKUP,
    HTTP_PATHS,
    KEY_METRICS,
    LOG_ROTATION,
    NAMESPACE,
    PROD_MIN_REPLICAS,
    RUNBOOK_DOC_PATH,
    SERVICE_NAMES,
    TRITON_DEPLOYMENTS,
} from "../infra/runbook";
import {
    containersOf,
    describe,
    disruptionBudgetFor,
    durationSeconds,
    ENVIRONMENT_DEFAULTS,
    ENVIRONMENT_SCHEMA,
    environmentOf,
    K8S,
    keepsNoPod,
    objectsOf,
    podLabelsOf,
    podSpecOf,
    ref,
} from "./matchers";
import { resourcePolicy, stackPolicy, type MedAgiPolicy, type PolicyResource } from "./policy";

type KeyMetric = keyof typeof KEY_METRICS;

/** One alert rule as a PrometheusRule holds it. */
interface AlertRule {
    readonly alert: string;
    readonly expr: string;
    readonly for?: string;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
}

function alertRules(resources: readonly PolicyResource[]): { rule: AlertRule; urn: string }[] {
    const out: { rule: AlertRule; urn: string }[] = [];
    for (const r of objectsOf(resources, K8S.prometheusRule)) {
        for (const group of r.props.spec?.groups ?? []) {
            for (const rule of group.rules ?? []) if (typeof rule.alert === "string") out.push({ rule, urn: r.urn });
        }
    }
    return out;
}

/** The final comparison of a PromQL alert expression: `… > 0.01` → [">", 0.01]. */
export function finalComparison(expr: string): { op: string; value: number } | undefined {
    const m = /(>=|<=|>|<|==)\s*(-?[0-9.]+(?:e-?[0-9]+)?)\s*\)*\s*$/i.exec(expr.trim());
    return m === null ? undefined : { op: m[1] ?? "", value: Number(m[2]) };
}

const keyAlerts = stackPolicy({
    name: "runbook-key-alerts",
    reads: [K8S.prometheusRule],
    area: "runbook",
    description:
        "The five runbook alerts exist, with thresholds and `for:` windows no looser than the runbook, its severities and a runbook link.",
    rationale:
        'runbook "Monitoring & Alerts → Key Metrics": Error Rate > 1% → Page on-call; P95 Latency > 2s → Alert team; GPU Utilization > 90% → Scale up; Memory Usage > 80% → Investigate; Triton Health Unhealthy → Failover to CPU (DESIGN.md "Metrics and alerts contract").',
    remediationSteps:
        "Restore the rule in infra/observability/rules.ts from KEY_METRICS in infra/runbook.ts: the alert name, `> threshold` (or `< 1` for Triton), labels.severity and annotations.runbook_url; never edit a threshold in the rule itself.",
    enforcementLevel: "mandatory",
    defaults: {
        thresholds: Object.fromEntries(Object.entries(KEY_METRICS).map(([k, m]) => [k, m.threshold])) as Record<KeyMetric, number>,
        severities: Object.fromEntries(Object.entries(KEY_METRICS).map(([k, m]) => [k, m.severity])) as Record<KeyMetric, string>,
        maxFor: { ...ALERT_FOR } as Record<KeyMetric, string>,
        runbookDoc: RUNBOOK_DOC_PATH,
    },
    schema: {
        thresholds: { type: "object", description: "Loosest threshold allowed per key metric (runbook units)." },
        severities: { type: "object", description: "Severity label per key metric." },
        maxFor: { type: "object", description: "Longest `for:` window per key metric." },
        runbookDoc: { type: "string", description: "Document the runbook_url annotation must point into." },
    },
    validate: (args, report, config) => {
        const rules = alertRules(args.resources);
        for (const [key, metric] of Object.entries(KEY_METRICS) as [KeyMetric, (typeof KEY_METRICS)[KeyMetric]][]) {
            const found = rules.filter(({ rule }) => rule.alert === metric.alert);
            if (found.length === 0) {
                report(`alert ${metric.alert} is missing: no PrometheusRule declares it (runbook: ${metric.action}).`);
                continue;
            }
            for (const { rule, urn } of found) {
                const cmp = finalComparison(rule.expr);
                const limit = config.thresholds[key];
                // Triton fires when fewer than `limit` GPU pods are ready; the others above their threshold.
                const below = key === "tritonHealth";
                if (cmp === undefined) {
                    report(
                        `${metric.alert}: expression does not end in a comparison with a number, so its threshold cannot be checked.`,
                        urn,
                    );
                } else if (below ? !(cmp.op === "<" && cmp.value >= limit) : !((cmp.op === ">" || cmp.op === ">=") && cmp.value <= limit)) {
                    report(
                        `${metric.alert} fires at \`${cmp.op} ${cmp.value}\`, looser than the runbook's ${below ? `< ${limit}` : `> ${limit}`} (${metric.unit}).`,
                        urn,
                    );
                }
                const severity = rule.labels?.severity;
                if (severity !== config.severities[key]) {
                    report(
                        `${metric.alert} has severity "${severity}", the runbook's action "${metric.action}" needs "${config.severities[key]}".`,
                        urn,
                    );
                }
                const maxFor = durationSeconds(config.maxFor[key]);
                const window = rule.for === undefined ? 0 : durationSeconds(rule.for);
                if (!(window <= maxFor)) report(`${metric.alert} waits for: ${rule.for}, longer than ${config.maxFor[key]}.`, urn);
                const link = rule.annotations?.runbook_url ?? "";
                if (!link.includes(config.runbookDoc) || !link.includes("#")) {
                    report(`${metric.alert} has no runbook_url into ${config.runbookDoc}#<section> (found "${link}").`, urn);
                }
            }
        }
    },
});

const healthProbes = resourcePolicy({
    name: "runbook-health-probes",
    area: "runbook",
    description:
        "Every runbook service's Deployment probes GET /health (liveness and readiness) on its first container, named as the Deployment.",
    rationale:
        'runbook "Health Check Endpoints": `curl -s http://localhost:$port/health` for every service; "Deploy with rolling update": `kubectl set image deployment/imaging imaging=…` (first container named as the service).',
    remediationSteps:
        "Give the container livenessProbe and readinessProbe with httpGet.path /health (infra/services/spec.ts builds them from HTTP_PATHS.health), and keep the first container named as the Deployment.",
    enforcementLevel: "mandatory",
    defaults: { services: [...SERVICE_NAMES] as string[], namespace: NAMESPACE, healthPath: HTTP_PATHS.health },
    schema: {
        services: { type: "array", items: { type: "string" }, description: "Deployments that are runbook services." },
        namespace: { type: "string" },
        healthPath: { type: "string" },
    },
    types: [K8S.deployment],
    validate: (props, args, report, config) => {
        const { name, namespace } = ref(props);
        if (namespace !== config.namespace || name === undefined || !config.services.includes(name)) {
            return args.notApplicable("not a runbook service");
        }
        const [first] = props.spec?.template?.spec?.containers ?? [];
        if (first === undefined) return report(`${describe(props)} has no container.`);
        if (first.name !== name)
            report(`${describe(props)}: first container is "${first.name}", the runbook's \`kubectl set image\` needs "${name}".`);
        for (const probe of ["livenessProbe", "readinessProbe"] as const) {
            const path = first[probe]?.httpGet?.path;
            if (path !== config.healthPath) {
                report(
                    `${describe(props)}: ${probe} ${path === undefined ? "is missing or not HTTP" : `checks ${path}`}; it must GET ${config.healthPath}.`,
                );
            }
        }
    },
});

/** Deployments of the runbook services in the stack. */
function serviceDeployments(resources: readonly PolicyResource[], services: readonly string[], namespace: string): PolicyResource[] {
    return objectsOf(resources, K8S.deployment).filter((d) => {
        const r = ref(d.props);
        return r.namespace === namespace && r.name !== undefined && services.includes(r.name);
    });
}

function hpaFor(
    resources: readonly PolicyResource[],
    kind: string,
    name: string,
    namespace: string | undefined,
): PolicyResource | undefined {
    return objectsOf(resources, K8S.hpa).find((h) => {
        const target = h.props.spec?.scaleTargetRef ?? {};
        return target.kind === kind && target.name === name && ref(h.props).namespace === namespace;
    });
}

const prodReplicas = stackPolicy({
    name: "runbook-prod-replicas",
    reads: [K8S.deployment, K8S.hpa],
    area: "runbook",
    description: `In prod every runbook service runs at least ${PROD_MIN_REPLICAS} pods (its HPA's minReplicas, or spec.replicas without an HPA).`,
    rationale:
        'DESIGN.md "prod: sized and protected for production (multi-AZ, …, ≥2 replicas, PDBs)"; runbook "Alert Response → Scale horizontally if load-related" and P1 "complete service outage".',
    remediationSteps: `Set services.<name>.replicas ≥ ${PROD_MIN_REPLICAS} in Pulumi.prod.yaml (it is the HPA's minReplicas); the config check refuses less.`,
    enforcementLevel: "mandatory",
    defaults: { ...ENVIRONMENT_DEFAULTS, minReplicas: PROD_MIN_REPLICAS, services: [...SERVICE_NAMES] as string[], namespace: NAMESPACE },
    schema: {
        ...ENVIRONMENT_SCHEMA,
        minReplicas: { type: "integer", minimum: 1 },
        services: { type: "array", items: { type: "string" } },
        namespace: { type: "string" },
    },
    validate: (args, report, config) => {
        const deployments = serviceDeployments(args.resources, config.services, config.namespace);
        const [first] = deployments;
        if (first === undefined || environmentOf(first.urn, config) !== "prod") return args.notApplicable("not a prod stack");
        for (const d of deployments) {
            const { name, namespace } = ref(d.props);
            const hpa = hpaFor(args.resources, "Deployment", name ?? "", namespace);
            const min = hpa === undefined ? (d.props.spec?.replicas ?? 1) : (hpa.props.spec?.minReplicas ?? 1);
            if (min < config.minReplicas) {
                report(
                    `${describe(d.props)} can run ${min} pod(s) (${hpa === undefined ? "spec.replicas" : `HPA ${hpa.props.metadata?.name} minReplicas`}); prod needs ≥ ${config.minReplicas}.`,
                    hpa?.urn ?? d.urn,
                );
            }
        }
    },
});

const prodPdb = stackPolicy({
    name: "runbook-prod-pdb",
    reads: [K8S.deployment, K8S.pdb],
    area: "runbook",
    description: "In prod every runbook service has a PodDisruptionBudget that selects its pods and keeps at least one of them.",
    rationale: 'DESIGN.md "prod: … ≥2 replicas, PDBs"; a node drain must not take a service down (runbook P1 "Complete service outage").',
    remediationSteps:
        "Keep the PodDisruptionBudget of each service (infra/services builds it when replicas ≥ 2) with the Deployment's selector and maxUnavailable 1 (or minAvailable ≥ 1).",
    enforcementLevel: "mandatory",
    defaults: { ...ENVIRONMENT_DEFAULTS, services: [...SERVICE_NAMES] as string[], namespace: NAMESPACE },
    schema: { ...ENVIRONMENT_SCHEMA, services: { type: "array", items: { type: "string" } }, namespace: { type: "string" } },
    validate: (args, report, config) => {
        const deployments = serviceDeployments(args.resources, config.services, config.namespace);
        const [first] = deployments;
        if (first === undefined || environmentOf(first.urn, config) !== "prod") return args.notApplicable("not a prod stack");
        for (const d of deployments) {
            const pdb = disruptionBudgetFor(args.resources, config.namespace, podLabelsOf(d.props));
            if (pdb === undefined) {
                report(`${describe(d.props)} has no PodDisruptionBudget selecting its pods.`, d.urn);
                continue;
            }
            if (keepsNoPod(pdb.props.spec ?? {}))
                report(`${describe(pdb.props)} allows every pod of ${describe(d.props)} to be evicted at once.`, pdb.urn);
        }
    },
});

const hpaBounds = stackPolicy({
    name: "runbook-hpa-bounds",
    reads: [K8S.hpa, K8S.deployment],
    area: "runbook",
    description:
        "Every HorizontalPodAutoscaler targets a Deployment of the stack, with 1 ≤ minReplicas ≤ maxReplicas ≤ the cap, and prod minimums of at least 2.",
    rationale:
        'runbook "Alert Response → Scale horizontally if load-related" and `kubectl scale deployment/imaging --replicas=3`: autoscaling must stay within bounds a human chose.',
    remediationSteps:
        "Fix services.<name>.replicas / autoscaling.maxReplicas in the stack file (maxReplicas ≥ replicas; prod replicas ≥ 2).",
    enforcementLevel: "mandatory",
    defaults: { ...ENVIRONMENT_DEFAULTS, maxReplicasCap: 100, prodMinReplicas: PROD_MIN_REPLICAS },
    schema: { ...ENVIRONMENT_SCHEMA, maxReplicasCap: { type: "integer", minimum: 1 }, prodMinReplicas: { type: "integer", minimum: 1 } },
    validate: (args, report, config) => {
        const hpas = objectsOf(args.resources, K8S.hpa);
        if (hpas.length === 0) return args.notApplicable("no HorizontalPodAutoscaler");
        const deployments = objectsOf(args.resources, K8S.deployment).map((d) => ref(d.props));
        for (const h of hpas) {
            const spec = h.props.spec ?? {};
            const target = spec.scaleTargetRef ?? {};
            const { namespace } = ref(h.props);
            if (!(target.kind === "Deployment" && deployments.some((d) => d.name === target.name && d.namespace === namespace))) {
                report(`${describe(h.props)} scales ${target.kind}/${target.name}, which the stack does not declare.`, h.urn);
            }
            const min = spec.minReplicas ?? 1;
            const max = spec.maxReplicas;
            const floor = environmentOf(h.urn, config) === "prod" ? config.prodMinReplicas : 1;
            if (!(typeof max === "number" && min >= floor && min <= max && max <= config.maxReplicasCap)) {
                report(
                    `${describe(h.props)} has minReplicas ${min}, maxReplicas ${max}; needs ${floor} ≤ min ≤ max ≤ ${config.maxReplicasCap}.`,
                    h.urn,
                );
            }
        }
    },
});

/** Whether a container's limits ask for at least one GPU. */
function requestsGpu(container: Record<string, any>, resource: string): boolean {
    return Number(container.resources?.limits?.[resource] ?? 0) >= 1;
}

const tritonGpu = resourcePolicy({
    name: "runbook-triton-gpu",
    area: "runbook",
    description: "Outside dev, deployment/triton's pods request a GPU and tolerate the GPU nodes' taint.",
    rationale:
        'runbook "System Overview": "Triton GPU cluster", "NVIDIA Triton Server for GPU inference"; "Triton Failure → 1. Check GPU status: nvidia-smi".',
    remediationSteps: `Set resources.limits["${GPU_RESOURCE}"] ≥ 1 on the Triton container and a toleration {key: "${DEFAULT_GPU_POOL.taint.key}", operator: Exists, effect: ${DEFAULT_GPU_POOL.taint.effect}} (infra/inference, inference.gpu in the stack file).`,
    enforcementLevel: "mandatory",
    defaults: {
        ...ENVIRONMENT_DEFAULTS,
        deployment: TRITON_DEPLOYMENTS.gpu as string,
        namespace: NAMESPACE,
        resource: GPU_RESOURCE,
        taintKey: DEFAULT_GPU_POOL.taint.key as string,
        taintEffect: DEFAULT_GPU_POOL.taint.effect as string,
    },
    schema: {
        ...ENVIRONMENT_SCHEMA,
        deployment: { type: "string" },
        namespace: { type: "string" },
        resource: { type: "string" },
        taintKey: { type: "string" },
        taintEffect: { type: "string" },
    },
    types: [K8S.deployment],
    validate: (props, args, report, config) => {
        const { name, namespace } = ref(props);
        if (name !== config.deployment || namespace !== config.namespace) return args.notApplicable("not the GPU Triton");
        if (environmentOf(args.urn, config) === "dev") return args.notApplicable("dev runs Triton on CPU (DESIGN.md)");
        const pod = podSpecOf(props) ?? {};
        const [first] = pod.containers ?? [];
        if (first === undefined || !requestsGpu(first, config.resource)) {
            report(`${describe(props)} does not request ${config.resource} in its container's limits.`);
        }
        const tolerations: Record<string, any>[] = pod.tolerations ?? [];
        const tolerates = tolerations.some(
            (t) =>
                (t.key === config.taintKey || (t.key === undefined && t.operator === "Exists")) &&
                (t.effect === undefined || t.effect === config.taintEffect),
        );
        if (!tolerates) report(`${describe(props)} does not tolerate the taint ${config.taintKey}:${config.taintEffect} of the GPU nodes.`);
    },
});

const tritonFallback = stackPolicy({
    name: "runbook-triton-cpu-fallback",
    reads: [K8S.deployment, K8S.hpa],
    area: "runbook",
    description: "Outside dev, a CPU Triton (deployment/triton-cpu, no GPU request, ≥ 1 replica) exists beside the GPU one.",
    rationale:
        'runbook "Triton Failure → 3. Failover to CPU inference (automatic)"; "Key Metrics: Triton Health | Unhealthy | Failover to CPU".',
    remediationSteps: "Keep the CPU fallback Deployment triton-cpu of infra/inference enabled in staging and prod, without GPU limits.",
    enforcementLevel: "mandatory",
    defaults: {
        ...ENVIRONMENT_DEFAULTS,
        gpu: TRITON_DEPLOYMENTS.gpu,
        cpu: TRITON_DEPLOYMENTS.cpu,
        namespace: NAMESPACE,
        resource: GPU_RESOURCE,
    },
    schema: {
        ...ENVIRONMENT_SCHEMA,
        gpu: { type: "string" },
        cpu: { type: "string" },
        namespace: { type: "string" },
        resource: { type: "string" },
    },
    validate: (args, report, config) => {
        const deployments = objectsOf(args.resources, K8S.deployment).filter((d) => ref(d.props).namespace === config.namespace);
        const gpu = deployments.find((d) => ref(d.props).name === config.gpu);
        if (gpu === undefined) return args.notApplicable(`no deployment/${config.gpu}`);
        if (environmentOf(gpu.urn, config) === "dev") return args.notApplicable("dev runs Triton on CPU only");
        const cpu = deployments.find((d) => ref(d.props).name === config.cpu);
        if (cpu === undefined) return report(`deployment/${config.gpu} has no CPU fallback: deployment/${config.cpu} is missing.`, gpu.urn);
        const pod = podSpecOf(cpu.props) ?? {};
        if (containersOf(pod).some(({ container }) => requestsGpu(container, config.resource))) {
            report(`${describe(cpu.props)} requests a GPU: it cannot take over when the GPUs fail.`, cpu.urn);
        }
        const hpa = hpaFor(args.resources, "Deployment", config.cpu, config.namespace);
        const replicas = hpa === undefined ? (cpu.props.spec?.replicas ?? 1) : (hpa.props.spec?.minReplicas ?? 1);
        if (replicas < 1) report(`${describe(cpu.props)} runs ${replicas} replicas: a failover has nothing to fail over to.`, cpu.urn);
    },
});

/** `m h dom mon dow`: daily when minute and hour are fixed and the rest is `*`. */
export function isDaily(schedule: string): boolean {
    const [minute = "", hour = "", dom, month, dow, ...rest] = schedule.trim().split(/\s+/);
    return rest.length === 0 && /^\d+$/.test(minute) && /^\d+$/.test(hour) && dom === "*" && month === "*" && dow === "*";
}

/** At least monthly: fixed minute and hour, and every month. */
export function isAtLeastMonthly(schedule: string): boolean {
    const [minute = "", hour = "", dom, month, dow, ...rest] = schedule.trim().split(/\s+/);
    return rest.length === 0 && dow !== undefined && dom !== undefined && /^\d+$/.test(minute) && /^\d+$/.test(hour) && month === "*";
}

const backupJobs = stackPolicy({
    name: "runbook-backup-jobs",
    reads: [K8S.cronJob, K8S.namespace],
    area: "runbook",
    description:
        "Where a stack backs up anything, it runs the Postgres, model and config backups daily and the restore drill at least monthly, each with concurrencyPolicy Forbid and not suspended.",
    rationale:
        'runbook "Maintenance Tasks → Daily: Verify backup completion", "Backup Procedures" (pg_dump, `aws s3 sync models/`, `kubectl get all -o yaml`) and "Monthly: Disaster recovery drill".',
    remediationSteps:
        "Keep backups.enabled and backups.suspend false in the stack file; schedules come from SCHEDULES in infra/runbook.ts (infra/backups), concurrencyPolicy Forbid.",
    enforcementLevel: "mandatory",
    defaults: {
        ...ENVIRONMENT_DEFAULTS,
        namespace: NAMESPACE,
        daily: [CRONJOB_NAMES.postgresBackup, CRONJOB_NAMES.modelBackup, CRONJOB_NAMES.configBackup] as string[],
        drill: CRONJOB_NAMES.restoreDrill as string,
    },
    schema: {
        ...ENVIRONMENT_SCHEMA,
        namespace: { type: "string" },
        daily: { type: "array", items: { type: "string" }, description: "CronJobs that must run daily." },
        drill: { type: "string", description: "The restore drill CronJob (at least monthly)." },
    },
    validate: (args, report, config) => {
        const cronJobs = objectsOf(args.resources, K8S.cronJob).filter((c) => ref(c.props).namespace === config.namespace);
        const names = [...config.daily, config.drill];
        const present = cronJobs.filter((c) => names.includes(ref(c.props).name ?? ""));
        // Any resource names the stack (the namespace at least, which runbook-names requires).
        const [any] = args.resources;
        // staging and prod hold real data: backups are required there; dev only when it declares them.
        const required = any !== undefined && environmentOf(any.urn, config) !== "dev";
        if (present.length === 0 && !required) return args.notApplicable("a dev stack that backs up nothing");
        for (const name of names) {
            const job = cronJobs.find((c) => ref(c.props).name === name);
            if (job === undefined) {
                report(
                    `CronJob ${config.namespace}/${name} is missing${name === config.drill ? ": the restore drill proves the backups restore" : ""}.`,
                );
                continue;
            }
            const spec = job.props.spec ?? {};
            const schedule = String(spec.schedule ?? "");
            const ok = name === config.drill ? isAtLeastMonthly(schedule) : isDaily(schedule);
            if (!ok)
                report(
                    `${describe(job.props)} runs on "${schedule}", not ${name === config.drill ? "at least monthly" : "daily"}.`,
                    job.urn,
                );
            if (spec.concurrencyPolicy !== "Forbid") {
                report(
                    `${describe(job.props)} has concurrencyPolicy ${spec.concurrencyPolicy ?? "Allow (default)"}: two runs could overlap.`,
                    job.urn,
                );
            }
            if (spec.suspend === true) report(`${describe(job.props)} is suspended.`, job.urn);
        }
    },
});

const backupRetention = resourcePolicy({
    name: "runbook-backup-retention",
    area: "runbook",
    description: `Backup jobs keep at least ${BACKUP.retentionDays} days of dated backups (their RETENTION_DAYS).`,
    rationale:
        'runbook "Backup Procedures": dated `backup_$(date +%Y%m%d)` dumps; BACKUP.retentionDays in infra/runbook.ts (30 days, matching the logs).',
    remediationSteps: "Set RETENTION_DAYS from BACKUP.retentionDays (infra/backups builds it); never lower it in a stack.",
    enforcementLevel: "mandatory",
    defaults: { minDays: BACKUP.retentionDays, variable: "RETENTION_DAYS" },
    schema: { minDays: { type: "integer", minimum: 1 }, variable: { type: "string" } },
    types: [K8S.cronJob],
    validate: (props, args, report, config) => {
        const pod = podSpecOf(props) ?? {};
        const settings = containersOf(pod).flatMap(({ container, where }) =>
            ((container.env ?? []) as Record<string, any>[])
                .filter((e) => e.name === config.variable)
                .map((e) => ({ where, value: e.value })),
        );
        if (settings.length === 0) return args.notApplicable(`no ${config.variable}`);
        for (const { where, value } of settings) {
            if (!(Number(value) >= config.minDays)) {
                report(`${describe(props)} ${where}: ${config.variable}=${value}, fewer than the runbook's ${config.minDays} days.`);
            }
        }
    },
});

/** The `path { … }` stanzas of a logrotate file. */
export function logrotateStanzas(text: string): { paths: string[]; directives: string[] }[] {
    const out: { paths: string[]; directives: string[] }[] = [];
    const body = text.replace(/#.*$/gm, "");
    const re = /([^{}]+)\{([^}]*)\}/g;
    for (const m of body.matchAll(re)) {
        const paths = (m[1] ?? "").trim().split(/\s+/).filter(Boolean);
        const block = (m[2] ?? "").replace(/postrotate[\s\S]*?endscript/g, "");
        out.push({
            paths,
            directives: block
                .split("\n")
                .map((l) => l.trim())
                .filter(Boolean),
        });
    }
    return out;
}

const logRotation = stackPolicy({
    name: "runbook-log-rotation",
    reads: [K8S.configMap],
    area: "runbook",
    description: `The logrotate configuration for ${LOG_ROTATION.path} is deployed and keeps at least ${LOG_ROTATION.rotate} daily, compressed rotations.`,
    rationale: 'runbook "Maintenance Tasks → Log Rotation" (`/etc/logrotate.d/med-agi`): `daily`, `rotate 30`, `compress`.',
    remediationSteps:
        "Render the file from LOG_ROTATION in infra/runbook.ts (infra/logrotate/render.ts) and keep logrotate.enabled in the stack file.",
    enforcementLevel: "mandatory",
    defaults: { path: LOG_ROTATION.path, minRotate: LOG_ROTATION.rotate, frequency: LOG_ROTATION.frequency },
    schema: { path: { type: "string" }, minRotate: { type: "integer", minimum: 1 }, frequency: { type: "string" } },
    validate: (args, report, config) => {
        let found = 0;
        for (const cm of objectsOf(args.resources, K8S.configMap)) {
            const data: Record<string, unknown> = cm.props.data ?? {};
            for (const [key, text] of Object.entries(data)) {
                if (typeof text !== "string" || !text.includes(config.path)) continue;
                for (const stanza of logrotateStanzas(text).filter((s) => s.paths.includes(config.path))) {
                    found++;
                    const d = stanza.directives;
                    const rotate = Number(d.find((x) => x.startsWith("rotate "))?.split(/\s+/)[1] ?? 0);
                    const problems = [
                        ...(d.includes(config.frequency) ? [] : [`not ${config.frequency}`]),
                        ...(rotate >= config.minRotate ? [] : [`rotate ${rotate} < ${config.minRotate}`]),
                        ...(d.includes("compress") ? [] : ["not compressed"]),
                    ];
                    if (problems.length > 0) report(`${describe(cm.props)} key ${key}: ${config.path} is ${problems.join(", ")}.`, cm.urn);
                }
            }
        }
        if (found === 0) report(`no ConfigMap holds a logrotate configuration for ${config.path}.`);
    },
});

const runbookNames = stackPolicy({
    name: "runbook-names",
    reads: [K8S.namespace, K8S.deployment],
    area: "runbook",
    description: `The names the runbook's commands use exist: namespace ${NAMESPACE}, deployment/<service> for the six services and deployment/${TRITON_DEPLOYMENTS.gpu}.`,
    rationale:
        'runbook "Useful Commands" and "Alert Response": `kubectl get pods -n med-agi`, `kubectl logs -f deployment/imaging -n med-agi`, `kubectl rollout restart deployment/triton`.',
    remediationSteps: "Give these objects explicit metadata.name (Pulumi auto-naming adds suffixes) in namespace med-agi.",
    enforcementLevel: "mandatory",
    defaults: { namespace: NAMESPACE, deployments: [...SERVICE_NAMES, TRITON_DEPLOYMENTS.gpu] as string[] },
    schema: { namespace: { type: "string" }, deployments: { type: "array", items: { type: "string" } } },
    validate: (args, report, config) => {
        if (!objectsOf(args.resources, K8S.namespace).some((n) => ref(n.props).name === config.namespace)) {
            report(`namespace ${config.namespace} is not declared.`);
        }
        const names = objectsOf(args.resources, K8S.deployment)
            .filter((d) => ref(d.props).namespace === config.namespace)
            .map((d) => ref(d.props).name);
        for (const name of config.deployments) {
            if (!names.includes(name)) report(`deployment/${name} is missing from namespace ${config.namespace}.`);
        }
    },
});

export const RUNBOOK_POLICIES: readonly MedAgiPolicy[] = [
    keyAlerts,
    healthProbes,
    prodReplicas,
    prodPdb,
    hpaBounds,
    tritonGpu,
    tritonFallback,
    backupJobs,
    backupRetention,
    logRotation,
    runbookNames,
];
