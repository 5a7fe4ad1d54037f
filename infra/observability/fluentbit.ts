/**
 * Fluent Bit shipping container logs and the Kubernetes API audit log to the
 * SIEM: the pipeline text (classic config format) and the fluent-bit chart
 * values. Pure builders.
 *
 * - Inputs: every container log on every node (`/var/log/containers`), and
 *   the API server audit log where it is a node file (kind/k3d/kubeadm
 *   control planes). On EKS the audit log is a CloudWatch Logs stream, not a
 *   node file; see docs/observability.md. With `decisionLogs`, the
 *   authorisation decision log (OPA's container log) has an input of its own,
 *   tagged `authz.*` and marked `log_stream authz-decisions`, and the general
 *   input skips those files, so each decision reaches the SIEM once.
 * - Filters: Kubernetes metadata (pods cannot opt out of shipping:
 *   `K8S-Logging.Exclude Off`), plus `cluster=<environment>` on every record.
 * - Output: HTTPS with certificate verification and a bearer token read from
 *   the environment (`${SIEM_TOKEN}` from a Secret), or stdout in dev.
 * - Filesystem buffering on the node so a SIEM outage does not lose records.
 */
import type { Environment } from "../environment";
import type { SiemConfig } from "./config";

/** Secret holding the SIEM bearer token for Fluent Bit. */
export const FLUENT_BIT_TOKEN_SECRET = { name: "fluent-bit-siem", key: "token", env: "SIEM_TOKEN" } as const;

/** Port of Fluent Bit's HTTP server (health and Prometheus metrics). */
export const FLUENT_BIT_METRICS_PORT = 2020;

/** Retries before a chunk is dropped (and `fluentbit_output_retries_failed_total` counts it). */
export const OUTPUT_RETRY_LIMIT = 20;

/**
 * Read buffer of the audit-log tail input (Fluent Bit unit sizes). The tail
 * plugin's default is 32k for both, and one audit event is one line: at
 * `RequestResponse` level an event carries the request and response bodies,
 * so a single write of an object near etcd's 1.5 MiB request limit makes a
 * line of about 3 MiB. The buffer starts at `chunk` and grows by `chunk` up
 * to `max` per file; only the one audit file is tailed, so this costs at
 * most 4 MiB of memory. A line longer than `max` is skipped (`Skip_Long_Lines
 * On`), and Fluent Bit logs "requires a larger buffer size": with the option
 * Off it would stop tailing the whole file at that line, and ship no later
 * audit event. See docs/observability.md ("Audit log buffer").
 */
export const AUDIT_BUFFER = { chunk: "1M", max: "4M" } as const;

/** The four sections of the chart's `config` value. */
export interface FluentBitPipeline {
    readonly service: string;
    readonly inputs: string;
    readonly filters: string;
    readonly outputs: string;
}

/** One `[SECTION]` with its key/value lines, in classic format. */
export function section(name: "SERVICE" | "INPUT" | "FILTER" | "OUTPUT", entries: readonly (readonly [string, string | number])[]): string {
    const width = Math.max(...entries.map(([k]) => k.length));
    return [`[${name}]`, ...entries.map(([k, v]) => `    ${k.padEnd(width)} ${v}`)].join("\n") + "\n";
}

/** A workload whose container log is a decision log (OPA, `infra/authz`). */
export interface DecisionLogSource {
    /** Namespace of its pods. */
    readonly namespace: string;
    /** Deployment name: its pods are `<pod>-<hash>-<id>`. */
    readonly pod: string;
    /** Container name. */
    readonly container: string;
}

/** Tag prefix of decision-log records: the tail input's tag is `authz.*`. */
export const DECISION_LOG_TAG = "authz";

/** The value of `log_stream` on every decision-log record, for SIEM searches. */
export const DECISION_LOG_STREAM = "authz-decisions";

/** The node path glob of a workload's container logs (`<pod>_<namespace>_<container>-<id>.log`, the kubelet's layout). */
export function containerLogGlob(source: DecisionLogSource): string {
    return `/var/log/containers/${source.pod}-*_${source.namespace}_${source.container}-*.log`;
}

/** A tail input of container log files (CRI/docker lines), buffered on the node's disk. */
function containerLogInput(tag: string, path: string, db: string, excludePath?: string): string {
    return section("INPUT", [
        ["Name", "tail"],
        ["Tag", tag],
        ["Path", path],
        ...(excludePath === undefined ? [] : [["Exclude_Path", excludePath] as const]),
        ["multiline.parser", "docker, cri"],
        ["DB", db],
        ["Mem_Buf_Limit", "50MB"],
        ["Skip_Long_Lines", "On"],
        ["storage.type", "filesystem"],
    ]);
}

/** Kubernetes metadata on the records `match` selects; pods cannot opt out of shipping. */
function kubernetesFilter(match: string, kubeTagPrefix?: string): string {
    return section("FILTER", [
        ["Name", "kubernetes"],
        ["Match", match],
        ...(kubeTagPrefix === undefined ? [] : [["Kube_Tag_Prefix", kubeTagPrefix] as const]),
        ["Merge_Log", "On"],
        ["Keep_Log", "Off"],
        ["K8S-Logging.Parser", "On"],
        ["K8S-Logging.Exclude", "Off"],
    ]);
}

/** What the pipeline depends on. */
export interface PipelineArgs {
    readonly environment: Environment;
    readonly siem: SiemConfig & { readonly output: "http" | "stdout" };
    /** Decision logs shipped through an input of their own. @default none */
    readonly decisionLogs?: DecisionLogSource;
}

/** The Fluent Bit pipeline for this SIEM configuration. Pure. */
export function fluentBitPipeline(args: PipelineArgs): FluentBitPipeline {
    const { siem } = args;
    if (siem.output === "http" && siem.host === undefined) throw new Error('siem.host: is required when siem.output is "http"');
    const service = section("SERVICE", [
        ["Daemon", "Off"],
        ["Flush", 1],
        ["Log_Level", "info"],
        ["Parsers_File", "/fluent-bit/etc/parsers.conf"],
        ["HTTP_Server", "On"],
        ["HTTP_Listen", "0.0.0.0"],
        ["HTTP_Port", FLUENT_BIT_METRICS_PORT],
        ["Health_Check", "On"],
        ["storage.path", "/var/log/flb-storage/"],
        ["storage.sync", "normal"],
        ["storage.backlog.mem_limit", "16M"],
    ]);
    const decisions = args.decisionLogs;
    const inputs = [
        containerLogInput(
            "kube.*",
            "/var/log/containers/*.log",
            "/var/log/flb_kube.db",
            decisions === undefined ? undefined : containerLogGlob(decisions),
        ),
        section("INPUT", [
            ["Name", "tail"],
            ["Tag", "audit.k8s"],
            ["Path", siem.auditLogPath],
            ["Parser", "json"],
            ["DB", "/var/log/flb_audit.db"],
            ["Buffer_Chunk_Size", AUDIT_BUFFER.chunk],
            ["Buffer_Max_Size", AUDIT_BUFFER.max],
            ["Mem_Buf_Limit", "50MB"],
            ["Skip_Long_Lines", "On"],
            ["storage.type", "filesystem"],
        ]),
        ...(decisions === undefined
            ? []
            : [containerLogInput(`${DECISION_LOG_TAG}.*`, containerLogGlob(decisions), "/var/log/flb_authz.db")]),
    ].join("\n");
    const filters = [
        kubernetesFilter("kube.*"),
        ...(decisions === undefined
            ? []
            : [
                  // The tail tag is the prefix plus the file path with "/" as ".": the filter strips it to find the pod.
                  kubernetesFilter(`${DECISION_LOG_TAG}.*`, `${DECISION_LOG_TAG}.var.log.containers.`),
                  section("FILTER", [
                      ["Name", "modify"],
                      ["Match", `${DECISION_LOG_TAG}.*`],
                      ["Add", `log_stream ${DECISION_LOG_STREAM}`],
                  ]),
              ]),
        section("FILTER", [
            ["Name", "modify"],
            ["Match", "*"],
            ["Add", `cluster ${args.environment}`],
        ]),
    ].join("\n");
    const outputs =
        siem.output === "http"
            ? section("OUTPUT", [
                  ["Name", "http"],
                  ["Match", "*"],
                  ["Host", String(siem.host)],
                  ["Port", siem.port],
                  ["URI", siem.uri],
                  ["Format", "json_lines"],
                  ["json_date_key", "timestamp"],
                  ["json_date_format", "iso8601"],
                  ["tls", siem.tls ? "On" : "Off"],
                  ["tls.verify", siem.tlsVerify ? "On" : "Off"],
                  ["Header", `Authorization Bearer \${${FLUENT_BIT_TOKEN_SECRET.env}}`],
                  ["Retry_Limit", OUTPUT_RETRY_LIMIT],
                  ["storage.total_limit_size", "5G"],
              ])
            : section("OUTPUT", [
                  ["Name", "stdout"],
                  ["Match", "*"],
                  ["Format", "json_lines"],
              ]);
    return { service, inputs, filters, outputs };
}

/** Fluent Bit's requests and limits on every node (`resources` of the chart); capacity validation reads the same (infra/aws/workloads.ts). */
export const FLUENT_BIT_RESOURCES = { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "256Mi" } } as const;

/** fluent-bit chart values. Pure. */
export function fluentBitValues(args: PipelineArgs): Record<string, unknown> {
    const http = args.siem.output === "http";
    return {
        kind: "DaemonSet",
        image: { pullPolicy: "IfNotPresent" },
        testFramework: { enabled: false },
        // Every node, including tainted GPU nodes and the control plane (audit log).
        tolerations: [{ operator: "Exists" }],
        // Reads host logs (root-owned) but changes nothing else on the node.
        securityContext: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ["ALL"] },
        },
        resources: { requests: { ...FLUENT_BIT_RESOURCES.requests }, limits: { ...FLUENT_BIT_RESOURCES.limits } },
        serviceMonitor: { enabled: true },
        metricsPort: FLUENT_BIT_METRICS_PORT,
        config: { ...fluentBitPipeline(args), customParsers: "" },
        env: http
            ? [
                  {
                      name: FLUENT_BIT_TOKEN_SECRET.env,
                      valueFrom: { secretKeyRef: { name: FLUENT_BIT_TOKEN_SECRET.name, key: FLUENT_BIT_TOKEN_SECRET.key } },
                  },
              ]
            : [],
    };
}
