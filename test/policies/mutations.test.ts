/**
 * The mutation catalogue: named, realistic mistakes applied to copies of the
 * real renders of dev, staging and prod (the AWS cloud layer included).
 * Each must be caught by the policy it targets; the score is printed and must
 * be 100 %. Every policy is the target of at least one mutation (its
 * failing case) and raises nothing on the unmutated renders (its passing case).
 * A policy that requires a field has two cases: one sets the field wrong, one
 * deletes it (the provider's or Kubernetes' default is the unsafe value), so a
 * check loosened from "must be true" to "must not be false" is caught.
 */
import type { Plan, PlannedResource } from "../../tools/lib/plan";
import { POLICIES } from "../../policies/all";
import { findings, named, obj, pod, remove, renderedPlans, type Stack } from "./harness";

type Base = Stack;

interface Mutation {
    readonly name: string;
    readonly base: Base;
    readonly policy: string;
    readonly mutate: (plan: Plan) => void;
}

const rule = (plan: Plan, alert: string): any =>
    obj(plan, "PrometheusRule", "med-agi-key-metrics")
        .inputs.spec.groups.flatMap((g: any) => g.rules)
        .find((r: any) => r.alert === alert);
const container = (plan: Plan, kind: string, name: string, namespace = "med-agi"): any =>
    pod(obj(plan, kind, name, namespace).inputs).containers[0];
const logrotateText = (plan: Plan, edit: (t: string) => string) => {
    const cm = obj(plan, "ConfigMap", "med-agi-logrotate", "med-agi-node");
    for (const k of Object.keys(cm.inputs.data)) cm.inputs.data[k] = edit(cm.inputs.data[k]);
};
/** Matches the search-lifecycle object of `type` (named `search-lifecycle-<content hash>`). */
const searchLifecycle =
    (type: string) =>
    (r: PlannedResource): boolean =>
        r.type === type && String((r.inputs as any).metadata?.name).startsWith("search-lifecycle-");
/** Rewrites the JSON document held as a string at `holder[key]`. */
const editJson = (holder: Record<string, any>, key: string, edit: (doc: any) => void): void => {
    const doc = JSON.parse(holder[key]);
    edit(doc);
    holder[key] = JSON.stringify(doc);
};
/** The AWS resource of `type` (token without `aws:`) named `med-agi-<stack>-<role>`, as infra/aws names them. */
const aws = (plan: Plan, type: string, role: string): any => {
    const name = `med-agi-${plan.stack}-${role}`;
    const found = plan.resources.filter((r) => r.type === `aws:${type}` && r.name === name);
    if (found.length !== 1) throw new Error(`expected one aws:${type} ${name}, found ${found.length}`);
    return found[0] as PlannedResource & { inputs: any };
};

const MUTATIONS: Mutation[] = [
    // runbook-key-alerts
    {
        name: "loosen the error-rate threshold to 5 %",
        base: "prod",
        policy: "runbook-key-alerts",
        mutate: (p) => void (rule(p, "MedAgiHighErrorRate").expr = rule(p, "MedAgiHighErrorRate").expr.replace(/> 0\.01$/, "> 0.05")),
    },
    {
        name: "loosen p95 latency to 5 s",
        base: "staging",
        policy: "runbook-key-alerts",
        mutate: (p) => void (rule(p, "MedAgiHighLatencyP95").expr = rule(p, "MedAgiHighLatencyP95").expr.replace(/> 2$/, "> 5")),
    },
    {
        name: "loosen GPU utilisation to 95 %",
        base: "prod",
        policy: "runbook-key-alerts",
        mutate: (p) => void (rule(p, "MedAgiGpuUtilizationHigh").expr = rule(p, "MedAgiGpuUtilizationHigh").expr.replace(/> 90$/, "> 95")),
    },
    {
        name: "loosen memory to 95 % of the limit",
        base: "dev",
        policy: "runbook-key-alerts",
        mutate: (p) => void (rule(p, "MedAgiMemoryHigh").expr = rule(p, "MedAgiMemoryHigh").expr.replace(/> 0\.8$/, "> 0.95")),
    },
    {
        name: "Triton alert never fires (< 0 ready)",
        base: "prod",
        policy: "runbook-key-alerts",
        mutate: (p) => void (rule(p, "MedAgiTritonUnhealthy").expr = rule(p, "MedAgiTritonUnhealthy").expr.replace(/< 1$/, "< 0")),
    },
    {
        name: "error-rate alert demoted to warning",
        base: "prod",
        policy: "runbook-key-alerts",
        mutate: (p) => void (rule(p, "MedAgiHighErrorRate").labels.severity = "warning"),
    },
    {
        name: "error-rate alert loses its runbook link",
        base: "staging",
        policy: "runbook-key-alerts",
        mutate: (p) => void delete rule(p, "MedAgiHighErrorRate").annotations.runbook_url,
    },
    {
        name: "error-rate alert waits an hour",
        base: "prod",
        policy: "runbook-key-alerts",
        mutate: (p) => void (rule(p, "MedAgiHighErrorRate").for = "1h"),
    },
    {
        name: "delete the latency alert",
        base: "dev",
        policy: "runbook-key-alerts",
        mutate: (p) => {
            for (const g of obj(p, "PrometheusRule", "med-agi-key-metrics").inputs.spec.groups)
                g.rules = g.rules.filter((r: any) => r.alert !== "MedAgiHighLatencyP95");
        },
    },
    // runbook-health-probes
    {
        name: "drop imaging's readiness probe",
        base: "prod",
        policy: "runbook-health-probes",
        mutate: (p) => void delete container(p, "Deployment", "imaging").readinessProbe,
    },
    {
        name: "ekg's liveness probe checks /",
        base: "staging",
        policy: "runbook-health-probes",
        mutate: (p) => void (container(p, "Deployment", "ekg").livenessProbe.httpGet.path = "/"),
    },
    {
        name: "rename imaging's container (breaks kubectl set image)",
        base: "dev",
        policy: "runbook-health-probes",
        mutate: (p) => void (container(p, "Deployment", "imaging").name = "app"),
    },
    // runbook-prod-replicas / pdb / hpa
    {
        name: "prod imaging autoscaler may go down to 1 pod",
        base: "prod",
        policy: "runbook-prod-replicas",
        mutate: (p) => void (obj(p, "HorizontalPodAutoscaler", "imaging").inputs.spec.minReplicas = 1),
    },
    {
        name: "prod imaging autoscaler loses minReplicas (Kubernetes defaults it to 1)",
        base: "prod",
        policy: "runbook-prod-replicas",
        mutate: (p) => void delete obj(p, "HorizontalPodAutoscaler", "imaging").inputs.spec.minReplicas,
    },
    {
        name: "delete the PDB of ekg",
        base: "prod",
        policy: "runbook-prod-pdb",
        mutate: (p) => remove(p, (r) => r.inputs.kind === "PodDisruptionBudget" && r.inputs.metadata.name === "ekg"),
    },
    {
        name: "imaging's PDB keeps no pod (minAvailable 0)",
        base: "prod",
        policy: "runbook-prod-pdb",
        mutate: (p) => {
            const spec = obj(p, "PodDisruptionBudget", "imaging").inputs.spec;
            delete spec.maxUnavailable;
            spec.minAvailable = 0;
        },
    },
    {
        name: "HPA maxReplicas below minReplicas",
        base: "staging",
        policy: "runbook-hpa-bounds",
        mutate: (p) => void (obj(p, "HorizontalPodAutoscaler", "eval").inputs.spec.maxReplicas = 0),
    },
    {
        name: "HPA scales a Deployment that does not exist",
        base: "dev",
        policy: "runbook-hpa-bounds",
        mutate: (p) => void (obj(p, "HorizontalPodAutoscaler", "ops").inputs.spec.scaleTargetRef.name = "opps"),
    },
    // Triton
    {
        name: "remove the GPU toleration",
        base: "prod",
        policy: "runbook-triton-gpu",
        mutate: (p) => void (pod(obj(p, "Deployment", "triton").inputs).tolerations = []),
    },
    {
        name: "Triton stops requesting a GPU",
        base: "staging",
        policy: "runbook-triton-gpu",
        mutate: (p) => {
            const r = container(p, "Deployment", "triton").resources;
            delete r.limits["nvidia.com/gpu"];
            delete r.requests["nvidia.com/gpu"];
        },
    },
    {
        name: "delete the CPU fallback",
        base: "prod",
        policy: "runbook-triton-cpu-fallback",
        mutate: (p) => remove(p, (r) => r.inputs.kind === "Deployment" && r.inputs.metadata.name === "triton-cpu"),
    },
    {
        name: "the CPU fallback requests a GPU",
        base: "staging",
        policy: "runbook-triton-cpu-fallback",
        mutate: (p) => void (container(p, "Deployment", "triton-cpu").resources.limits["nvidia.com/gpu"] = "1"),
    },
    // Backups
    {
        name: "delete the restore drill",
        base: "prod",
        policy: "runbook-backup-jobs",
        mutate: (p) => remove(p, (r) => r.inputs.kind === "CronJob" && r.inputs.metadata.name === "restore-drill"),
    },
    {
        name: "Postgres backup runs weekly",
        base: "staging",
        policy: "runbook-backup-jobs",
        mutate: (p) => void (obj(p, "CronJob", "postgres-backup").inputs.spec.schedule = "0 2 * * 0"),
    },
    {
        name: "model backups may overlap (Allow)",
        base: "prod",
        policy: "runbook-backup-jobs",
        mutate: (p) => void (obj(p, "CronJob", "model-backup").inputs.spec.concurrencyPolicy = "Allow"),
    },
    {
        name: "model backup's concurrencyPolicy deleted (Kubernetes defaults it to Allow)",
        base: "prod",
        policy: "runbook-backup-jobs",
        mutate: (p) => void delete obj(p, "CronJob", "model-backup").inputs.spec.concurrencyPolicy,
    },
    {
        name: "config backup suspended",
        base: "prod",
        policy: "runbook-backup-jobs",
        mutate: (p) => void (obj(p, "CronJob", "config-backup").inputs.spec.suspend = true),
    },
    {
        name: "delete every backup CronJob in staging",
        base: "staging",
        policy: "runbook-backup-jobs",
        mutate: (p) => remove(p, (r) => r.inputs.kind === "CronJob"),
    },
    {
        // The jobs prune (RETENTION_DAYS) only in dev; in staging and prod the bucket's
        // lifecycle rule and Object Lock hold the 30 days ("expire backups after 7 days" below).
        name: "backups kept 7 days",
        base: "dev",
        policy: "runbook-backup-retention",
        mutate: (p) => {
            const env = pod(obj(p, "CronJob", "postgres-backup").inputs).containers.flatMap((c: any) => c.env ?? []);
            env.find((e: any) => e.name === "RETENTION_DAYS").value = "7";
        },
    },
    // Log rotation
    {
        name: "rotate 7",
        base: "dev",
        policy: "runbook-log-rotation",
        mutate: (p) => logrotateText(p, (t) => t.replace(/rotate 30/g, "rotate 7")),
    },
    {
        name: "rotate weekly",
        base: "staging",
        policy: "runbook-log-rotation",
        mutate: (p) => logrotateText(p, (t) => t.replace(/\bdaily\b/g, "weekly")),
    },
    {
        name: "stop compressing rotated logs",
        base: "prod",
        policy: "runbook-log-rotation",
        mutate: (p) => logrotateText(p, (t) => t.replace(/^\s*compress\n/gm, "")),
    },
    {
        name: "delete the logrotate ConfigMap",
        base: "prod",
        policy: "runbook-log-rotation",
        mutate: (p) => remove(p, (r) => r.inputs.kind === "ConfigMap" && r.inputs.metadata.name === "med-agi-logrotate"),
    },
    // Names
    {
        name: "rename deployment/triton",
        base: "staging",
        policy: "runbook-names",
        mutate: (p) => void (obj(p, "Deployment", "triton").inputs.metadata.name = "triton-gpu"),
    },
    {
        name: "rename namespace med-agi",
        base: "dev",
        policy: "runbook-names",
        mutate: (p) => void (obj(p, "Namespace", "med-agi", null).inputs.metadata.name = "medagi"),
    },
    // Kubernetes security
    {
        name: "imaging runs as root",
        base: "prod",
        policy: "k8s-run-as-non-root",
        mutate: (p) => {
            const d = obj(p, "Deployment", "imaging").inputs;
            container(p, "Deployment", "imaging").securityContext.runAsNonRoot = false;
            pod(d).securityContext.runAsNonRoot = false;
        },
    },
    {
        name: "runAsNonRoot deleted from imaging's pod and container",
        base: "prod",
        policy: "k8s-run-as-non-root",
        mutate: (p) => {
            delete container(p, "Deployment", "imaging").securityContext.runAsNonRoot;
            delete pod(obj(p, "Deployment", "imaging").inputs).securityContext.runAsNonRoot;
        },
    },
    {
        name: "runAsNonRoot deleted from ekg's container while its pod says false",
        base: "staging",
        policy: "k8s-run-as-non-root",
        mutate: (p) => {
            delete container(p, "Deployment", "ekg").securityContext.runAsNonRoot;
            pod(obj(p, "Deployment", "ekg").inputs).securityContext.runAsNonRoot = false;
        },
    },
    {
        name: "ops runs as UID 0",
        base: "dev",
        policy: "k8s-run-as-non-root",
        mutate: (p) => void (container(p, "Deployment", "ops").securityContext.runAsUser = 0),
    },
    {
        name: "eval may escalate privileges",
        base: "staging",
        policy: "k8s-no-privilege-escalation",
        mutate: (p) => void (container(p, "Deployment", "eval").securityContext.allowPrivilegeEscalation = true),
    },
    {
        name: "eval's allowPrivilegeEscalation deleted (Kubernetes defaults it to true)",
        base: "prod",
        policy: "k8s-no-privilege-escalation",
        mutate: (p) => void delete container(p, "Deployment", "eval").securityContext.allowPrivilegeEscalation,
    },
    {
        name: "anchor adds SYS_ADMIN",
        base: "prod",
        policy: "k8s-drop-all-capabilities",
        mutate: (p) => void (container(p, "Deployment", "anchor").securityContext.capabilities.add = ["SYS_ADMIN"]),
    },
    {
        name: "the log rotator adds NET_ADMIN beyond its exemption",
        base: "prod",
        policy: "k8s-drop-all-capabilities",
        mutate: (p) =>
            void container(p, "DaemonSet", "med-agi-logrotate", "med-agi-node").securityContext.capabilities.add.push("NET_ADMIN"),
    },
    {
        name: "anchor's capabilities.drop deleted",
        base: "staging",
        policy: "k8s-drop-all-capabilities",
        mutate: (p) => void delete container(p, "Deployment", "anchor").securityContext.capabilities.drop,
    },
    {
        name: "modelcards runs unconfined (no seccomp)",
        base: "dev",
        policy: "k8s-seccomp-runtime-default",
        mutate: (p) => {
            delete container(p, "Deployment", "modelcards").securityContext.seccompProfile;
            pod(obj(p, "Deployment", "modelcards").inputs).securityContext.seccompProfile = { type: "Unconfined" };
        },
    },
    {
        name: "seccompProfile deleted from modelcards' pod and container",
        base: "prod",
        policy: "k8s-seccomp-runtime-default",
        mutate: (p) => {
            delete container(p, "Deployment", "modelcards").securityContext.seccompProfile;
            delete pod(obj(p, "Deployment", "modelcards").inputs).securityContext.seccompProfile;
        },
    },
    {
        name: "Triton gets a writable root filesystem",
        base: "prod",
        policy: "k8s-read-only-root-filesystem",
        mutate: (p) => void (container(p, "Deployment", "triton").securityContext.readOnlyRootFilesystem = false),
    },
    {
        name: "Triton's readOnlyRootFilesystem deleted",
        base: "staging",
        policy: "k8s-read-only-root-filesystem",
        mutate: (p) => void delete container(p, "Deployment", "triton").securityContext.readOnlyRootFilesystem,
    },
    {
        name: "a privileged backup container",
        base: "staging",
        policy: "k8s-no-privileged",
        mutate: (p) => void (container(p, "CronJob", "config-backup").securityContext.privileged = true),
    },
    {
        name: "eval on the host network",
        base: "prod",
        policy: "k8s-no-host-namespaces",
        mutate: (p) => void (pod(obj(p, "Deployment", "eval").inputs).hostNetwork = true),
    },
    {
        name: "ekg binds a host port",
        base: "dev",
        policy: "k8s-no-host-namespaces",
        mutate: (p) => void (container(p, "Deployment", "ekg").ports[0].hostPort = 8016),
    },
    {
        name: "imaging mounts a hostPath",
        base: "prod",
        policy: "k8s-no-host-path",
        mutate: (p) => void pod(obj(p, "Deployment", "imaging").inputs).volumes.push({ name: "host", hostPath: { path: "/var/run" } }),
    },
    {
        name: "the log rotator mounts the host's root",
        base: "prod",
        policy: "k8s-no-host-path",
        mutate: (p) =>
            void pod(obj(p, "DaemonSet", "med-agi-logrotate", "med-agi-node").inputs).volumes.push({
                name: "root",
                hostPath: { path: "/" },
            }),
    },
    {
        name: "drop imaging's memory limit",
        base: "prod",
        policy: "k8s-container-resources",
        mutate: (p) => void delete container(p, "Deployment", "imaging").resources.limits.memory,
    },
    {
        name: "drop the drill's requests",
        base: "staging",
        policy: "k8s-container-resources",
        mutate: (p) => void delete container(p, "CronJob", "restore-drill").resources.requests,
    },
    {
        name: "set imaging's image to latest",
        base: "prod",
        policy: "k8s-pinned-images",
        mutate: (p) =>
            void (container(p, "Deployment", "imaging").image = container(p, "Deployment", "imaging").image.replace(/:[^:/]+$/, ":latest")),
    },
    {
        name: "untagged Triton image",
        base: "dev",
        policy: "k8s-pinned-images",
        mutate: (p) => void (container(p, "Deployment", "triton").image = "nvcr.io/nvidia/tritonserver"),
    },
    {
        name: "imaging Service as NodePort",
        base: "staging",
        policy: "k8s-no-nodeport",
        mutate: (p) => void (obj(p, "Service", "imaging").inputs.spec.type = "NodePort"),
    },
    {
        name: "Triton exposed by a public LoadBalancer",
        base: "prod",
        policy: "k8s-no-public-loadbalancer",
        mutate: (p) => void (obj(p, "Service", "triton").inputs.spec.type = "LoadBalancer"),
    },
    {
        name: "namespace med-agi only enforces baseline",
        base: "prod",
        policy: "k8s-namespace-pod-security",
        mutate: (p) =>
            void (obj(p, "Namespace", "med-agi", null).inputs.metadata.labels["pod-security.kubernetes.io/enforce"] = "baseline"),
    },
    {
        name: "namespace med-agi's enforce label deleted",
        base: "staging",
        policy: "k8s-namespace-pod-security",
        mutate: (p) => void delete obj(p, "Namespace", "med-agi", null).inputs.metadata.labels["pod-security.kubernetes.io/enforce"],
    },
    {
        name: "the default-deny policy of med-agi allows all ingress",
        base: "dev",
        policy: "k8s-default-deny-network-policy",
        mutate: (p) => void (obj(p, "NetworkPolicy", "default-deny", "med-agi").inputs.spec.ingress = [{}]),
    },
    {
        name: "the default-deny policy of med-agi allows all egress",
        base: "prod",
        policy: "k8s-default-deny-network-policy",
        mutate: (p) => void (obj(p, "NetworkPolicy", "default-deny", "med-agi").inputs.spec.egress = [{}]),
    },
    {
        name: "the node namespace's default-deny covers ingress only",
        base: "staging",
        policy: "k8s-default-deny-network-policy",
        mutate: (p) => void (obj(p, "NetworkPolicy", "default-deny", "med-agi-node").inputs.spec.policyTypes = ["Ingress"]),
    },
    {
        name: "the default-deny policy of med-agi selects only the services",
        base: "dev",
        policy: "k8s-default-deny-network-policy",
        mutate: (p) =>
            void (obj(p, "NetworkPolicy", "default-deny", "med-agi").inputs.spec.podSelector = {
                matchLabels: { "app.kubernetes.io/component": "api" },
            }),
    },
    // Data safety
    {
        name: "prod namespace not protected",
        base: "prod",
        policy: "data-prod-protect",
        mutate: (p) => void ((named(p, "platform-namespace") as { protect: boolean }).protect = false),
    },
    {
        name: "prod RDS not protected",
        base: "prod",
        policy: "data-prod-protect",
        mutate: (p) => void (aws(p, "rds/instance:Instance", "db").protect = false),
    },
    {
        name: "prod RDS's protect flag deleted",
        base: "prod",
        policy: "data-prod-protect",
        mutate: (p) => void delete (aws(p, "rds/instance:Instance", "db") as { protect?: boolean }).protect,
    },
    {
        name: "prod backups bucket not protected",
        base: "prod",
        policy: "data-prod-protect",
        mutate: (p) => void (aws(p, "s3/bucket:Bucket", "backups").protect = false),
    },
    {
        name: "prod S3 KMS key not protected",
        base: "prod",
        policy: "data-prod-protect",
        mutate: (p) => void (aws(p, "kms/key:Key", "s3").protect = false),
    },
    {
        name: "prod Elasticsearch (ECK) not protected",
        base: "prod",
        policy: "data-prod-protect",
        mutate: (p) => void ((named(p, "datastores-elasticsearch") as { protect: boolean }).protect = false),
    },
    {
        name: "prod medagi database not protected",
        base: "prod",
        policy: "data-prod-protect",
        mutate: (p) => void ((named(p, "datastores-postgres-database-medagi") as { protect: boolean }).protect = false),
    },
    // data-search-least-privilege
    {
        name: "imaging loads the elastic superuser's Secret",
        base: "dev",
        policy: "data-search-least-privilege",
        mutate: (p) => void container(p, "Deployment", "imaging").envFrom.push({ secretRef: { name: "med-agi-search-es-elastic-user" } }),
    },
    {
        name: "the search-lifecycle Job authenticates as elastic",
        base: "prod",
        policy: "data-search-least-privilege",
        mutate: (p) => {
            const job = p.resources.find(searchLifecycle("kubernetes:batch/v1:Job"))!;
            (job.inputs as any).spec.template.spec.containers[0].env[2].valueFrom.secretKeyRef.name = "med-agi-search-es-elastic-user";
        },
    },
    {
        name: "the generated roles give imaging every privilege (as the CLI would read them)",
        base: "prod",
        policy: "data-search-least-privilege",
        mutate: (p) =>
            void (obj(p, "Secret", "elasticsearch-roles").inputs.stringData["roles.yml"] =
                "medagi-imaging:\n  cluster: [all]\n  indices: []\n"),
    },
    {
        name: "a file-realm user made superuser (as the CLI would read it)",
        base: "staging",
        policy: "data-search-least-privilege",
        mutate: (p) => void (obj(p, "Secret", "elasticsearch-user-medagi-ops").inputs.stringData.roles = "superuser"),
    },
    // data-search-retention
    {
        name: "prod keeps the audit trail 90 days",
        base: "prod",
        policy: "data-search-retention",
        mutate: (p) => {
            const cm = p.resources.find(searchLifecycle("kubernetes:core/v1:ConfigMap"))!;
            editJson((cm.inputs as any).data, "ilm-audit.json", (ilm) => void (ilm.policy.phases.delete.min_age = "90d"));
        },
    },
    {
        name: "staging drops the index lifecycle",
        base: "staging",
        policy: "data-search-retention",
        mutate: (p) => remove(p, searchLifecycle("kubernetes:core/v1:ConfigMap")),
    },
    // AWS
    {
        name: "open the models bucket (public policy allowed)",
        base: "prod",
        policy: "aws-s3-public-access-block",
        mutate: (p) => void (aws(p, "s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "models").inputs.blockPublicPolicy = false),
    },
    {
        name: "blockPublicPolicy deleted from the models bucket's public-access block",
        base: "staging",
        policy: "aws-s3-public-access-block",
        mutate: (p) => void delete aws(p, "s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "models").inputs.blockPublicPolicy,
    },
    {
        name: "delete the backups bucket's public-access block",
        base: "staging",
        policy: "aws-s3-public-access-block",
        mutate: (p) =>
            remove(p, (r) => r.type === "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock" && r.name === "med-agi-staging-backups"),
    },
    {
        name: "models bucket encrypted with S3-managed keys, not KMS",
        base: "prod",
        policy: "aws-s3-sse-kms",
        mutate: (p) =>
            void (aws(p, "s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "models").inputs.rules = [
                { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
            ]),
    },
    {
        name: "access-log bucket left unencrypted",
        base: "staging",
        policy: "aws-s3-sse-kms",
        mutate: (p) =>
            remove(
                p,
                (r) =>
                    r.type === "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration" &&
                    r.name === "med-agi-staging-logs",
            ),
    },
    {
        name: "suspend versioning of the models bucket",
        base: "prod",
        policy: "aws-s3-versioning",
        mutate: (p) => void (aws(p, "s3/bucketVersioning:BucketVersioning", "models").inputs.versioningConfiguration.status = "Suspended"),
    },
    {
        name: "versioning status of the backups bucket deleted",
        base: "staging",
        policy: "aws-s3-versioning",
        mutate: (p) => void delete aws(p, "s3/bucketVersioning:BucketVersioning", "backups").inputs.versioningConfiguration.status,
    },
    {
        name: "drop the TLS-only statement of the backups bucket",
        base: "prod",
        policy: "aws-s3-tls-only",
        mutate: (p) =>
            editJson(aws(p, "s3/bucketPolicy:BucketPolicy", "backups").inputs, "policy", (doc) => {
                doc.Statement = doc.Statement.filter((st: any) => st.Sid !== "DenyInsecureTransport");
            }),
    },
    {
        name: "delete the models bucket's lifecycle",
        base: "staging",
        policy: "aws-s3-lifecycle",
        mutate: (p) =>
            remove(
                p,
                (r) => r.type === "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration" && r.name === "med-agi-staging-models",
            ),
    },
    {
        name: "expire backups after 7 days",
        base: "prod",
        policy: "aws-s3-lifecycle",
        mutate: (p) =>
            void (aws(p, "s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "backups").inputs.rules[0].expiration.days = 7),
    },
    {
        name: "make RDS public",
        base: "prod",
        policy: "aws-rds-not-public",
        mutate: (p) => void (aws(p, "rds/instance:Instance", "db").inputs.publiclyAccessible = true),
    },
    {
        name: "unencrypted RDS storage",
        base: "staging",
        policy: "aws-rds-encrypted",
        mutate: (p) => void (aws(p, "rds/instance:Instance", "db").inputs.storageEncrypted = false),
    },
    {
        name: "RDS storageEncrypted deleted (AWS defaults it to false)",
        base: "prod",
        policy: "aws-rds-encrypted",
        mutate: (p) => void delete aws(p, "rds/instance:Instance", "db").inputs.storageEncrypted,
    },
    {
        name: "RDS keeps 1 day of backups",
        base: "prod",
        policy: "aws-rds-backup-retention",
        mutate: (p) => void (aws(p, "rds/instance:Instance", "db").inputs.backupRetentionPeriod = 1),
    },
    {
        name: "RDS backupRetentionPeriod deleted",
        base: "staging",
        policy: "aws-rds-backup-retention",
        mutate: (p) => void delete aws(p, "rds/instance:Instance", "db").inputs.backupRetentionPeriod,
    },
    {
        name: "prod RDS in one AZ",
        base: "prod",
        policy: "aws-rds-prod-resilience",
        mutate: (p) => void (aws(p, "rds/instance:Instance", "db").inputs.multiAz = false),
    },
    {
        name: "prod RDS multiAz deleted (AWS defaults it to false)",
        base: "prod",
        policy: "aws-rds-prod-resilience",
        mutate: (p) => void delete aws(p, "rds/instance:Instance", "db").inputs.multiAz,
    },
    {
        name: "prod RDS deletable",
        base: "prod",
        policy: "aws-rds-prod-resilience",
        mutate: (p) => void (aws(p, "rds/instance:Instance", "db").inputs.deletionProtection = false),
    },
    {
        name: "prod RDS deletionProtection deleted (AWS defaults it to false)",
        base: "prod",
        policy: "aws-rds-prod-resilience",
        mutate: (p) => void delete aws(p, "rds/instance:Instance", "db").inputs.deletionProtection,
    },
    {
        name: "RDS skips its final snapshot",
        base: "staging",
        policy: "aws-rds-final-snapshot",
        mutate: (p) => void (aws(p, "rds/instance:Instance", "db").inputs.skipFinalSnapshot = true),
    },
    {
        name: "RDS finalSnapshotIdentifier deleted",
        base: "prod",
        policy: "aws-rds-final-snapshot",
        mutate: (p) => void delete aws(p, "rds/instance:Instance", "db").inputs.finalSnapshotIdentifier,
    },
    {
        name: "RDS master password in config",
        base: "prod",
        policy: "aws-rds-managed-password",
        mutate: (p) => {
            const i = aws(p, "rds/instance:Instance", "db").inputs;
            delete i.manageMasterUserPassword;
            i.password = "[secret]";
        },
    },
    {
        name: "RDS manageMasterUserPassword deleted",
        base: "staging",
        policy: "aws-rds-managed-password",
        mutate: (p) => void delete aws(p, "rds/instance:Instance", "db").inputs.manageMasterUserPassword,
    },
    {
        name: "EKS endpoint open to 0.0.0.0/0",
        base: "prod",
        policy: "aws-eks-endpoint-not-open",
        mutate: (p) => void (aws(p, "eks/cluster:Cluster", "eks").inputs.vpcConfig.publicAccessCidrs = ["0.0.0.0/0"]),
    },
    {
        name: "EKS Secrets not encrypted",
        base: "staging",
        policy: "aws-eks-secrets-encryption",
        mutate: (p) => void delete aws(p, "eks/cluster:Cluster", "eks").inputs.encryptionConfig,
    },
    {
        name: "EKS audit logs off",
        base: "prod",
        policy: "aws-eks-audit-logs",
        mutate: (p) => void (aws(p, "eks/cluster:Cluster", "eks").inputs.enabledClusterLogTypes = ["api"]),
    },
    {
        name: "EKS enabledClusterLogTypes deleted",
        base: "staging",
        policy: "aws-eks-audit-logs",
        mutate: (p) => void delete aws(p, "eks/cluster:Cluster", "eks").inputs.enabledClusterLogTypes,
    },
    {
        name: "prod's EKS cluster on 1.34, out of standard support since 2026-12-02",
        base: "prod",
        policy: "aws-eks-standard-support",
        mutate: (p) => void (aws(p, "eks/cluster:Cluster", "eks").inputs.version = "1.34"),
    },
    {
        name: "untaint the GPU node group",
        base: "prod",
        policy: "aws-eks-gpu-taint",
        mutate: (p) => void delete aws(p, "eks/nodeGroup:NodeGroup", "gpu").inputs.taints,
    },
    {
        name: "Triton's role may do anything",
        base: "prod",
        policy: "aws-iam-no-admin",
        mutate: (p) =>
            void (aws(p, "iam/rolePolicy:RolePolicy", "triton").inputs.policy = JSON.stringify({
                Version: "2012-10-17",
                Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
            })),
    },
    {
        name: "the node role gets AdministratorAccess",
        base: "staging",
        policy: "aws-iam-no-admin",
        mutate: (p) =>
            void (aws(p, "iam/rolePolicyAttachment:RolePolicyAttachment", "node-AmazonEKSWorkerNodePolicy").inputs.policyArn =
                "arn:aws:iam::aws:policy/AdministratorAccess"),
    },
    {
        name: "a ClusterRoleBinding of the config backup to cluster-admin",
        base: "prod",
        policy: "k8s-no-cluster-admin-binding",
        mutate: (p) => {
            const rb = obj(p, "RoleBinding", "med-agi-config-reader");
            rb.inputs.roleRef = { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" };
        },
    },
    {
        name: "a workload ServiceAccount bound cluster-wide",
        base: "staging",
        policy: "k8s-workload-namespaced-rbac",
        mutate: (p) => {
            const rb = obj(p, "RoleBinding", "med-agi-config-reader");
            (rb as { type: string }).type = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding";
            rb.inputs.kind = "ClusterRoleBinding";
            delete rb.inputs.metadata.namespace;
        },
    },
    {
        name: "imaging runs as the default ServiceAccount",
        base: "dev",
        policy: "k8s-workload-service-account",
        mutate: (p) => void delete pod(obj(p, "Deployment", "imaging").inputs).serviceAccountName,
    },
    {
        name: "Triton mounts its ServiceAccount token",
        base: "prod",
        policy: "k8s-workload-service-account",
        mutate: (p) => void (pod(obj(p, "Deployment", "triton").inputs).automountServiceAccountToken = true),
    },
    {
        name: "Triton's automountServiceAccountToken deleted (Kubernetes defaults it to true)",
        base: "staging",
        policy: "k8s-workload-service-account",
        mutate: (p) => void delete pod(obj(p, "Deployment", "triton").inputs).automountServiceAccountToken,
    },
    {
        name: "an Ingress without the HTTPS redirect",
        base: "prod",
        policy: "k8s-ingress-https-hsts",
        mutate: (p) => void delete obj(p, "Ingress", "ekg").inputs.metadata.annotations["nginx.ingress.kubernetes.io/force-ssl-redirect"],
    },
    {
        name: "the oauth2-proxy Ingress without HSTS",
        base: "staging",
        policy: "k8s-ingress-https-hsts",
        mutate: (p) =>
            void delete obj(p, "Ingress", "oauth2-proxy").inputs.metadata.annotations["nginx.ingress.kubernetes.io/custom-headers"],
    },
    {
        name: "a database password as a literal env value",
        base: "dev",
        policy: "k8s-no-plaintext-secret-env",
        mutate: (p) => void container(p, "Deployment", "eval").env.push({ name: "DB_PASSWORD", value: "hunter2" }),
    },
    {
        name: "KMS key rotation off",
        base: "prod",
        policy: "aws-kms-key-rotation",
        mutate: (p) => void (aws(p, "kms/key:Key", "rds").inputs.enableKeyRotation = false),
    },
    {
        name: "KMS key enableKeyRotation deleted (AWS defaults it to false)",
        base: "staging",
        policy: "aws-kms-key-rotation",
        mutate: (p) => void delete aws(p, "kms/key:Key", "s3").inputs.enableKeyRotation,
    },
    // aws-kms-key-policy
    {
        name: "the data buckets' key policy deleted (AWS applies the default: the account's IAM policies decide)",
        base: "prod",
        policy: "aws-kms-key-policy",
        mutate: (p) => void delete aws(p, "kms/key:Key", "s3").inputs.policy,
    },
    {
        name: "the RDS key policy replaced by the wide default (the account root may do kms:*)",
        base: "staging",
        policy: "aws-kms-key-policy",
        mutate: (p) =>
            void (aws(p, "kms/key:Key", "rds").inputs.policy = JSON.stringify({
                Version: "2012-10-17",
                Statement: [{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "kms:*", Resource: "*" }],
            })),
    },
    {
        name: 'the EKS key\'s use statement opened to every principal (Principal "*")',
        base: "prod",
        policy: "aws-kms-key-policy",
        mutate: (p) =>
            editJson(aws(p, "kms/key:Key", "eks-secrets").inputs, "policy", (doc) => {
                doc.Statement.push({ Effect: "Allow", Principal: "*", Action: ["kms:Decrypt"], Resource: "*" });
            }),
    },
    // k8s-slow-start-startup-probe
    {
        name: "drop Triton's startup probe (its liveness probe kills it while it loads the models)",
        base: "prod",
        policy: "k8s-slow-start-startup-probe",
        mutate: (p) => void delete container(p, "Deployment", "triton").startupProbe,
    },
    {
        name: "the CPU Triton's startup probe gives it 30 s",
        base: "staging",
        policy: "k8s-slow-start-startup-probe",
        mutate: (p) => Object.assign(container(p, "Deployment", "triton-cpu").startupProbe, { failureThreshold: 3, periodSeconds: 10 }),
    },
    {
        name: "Elasticsearch gets a liveness probe and no startup probe",
        base: "dev",
        policy: "k8s-slow-start-startup-probe",
        mutate: (p) => {
            const es = obj(p, "Elasticsearch", "med-agi-search").inputs;
            es.spec.nodeSets[0].podTemplate.spec.containers[0].livenessProbe = { tcpSocket: { port: 9200 }, periodSeconds: 10 };
        },
    },
    // runbook-opa-policy
    {
        name: "drop OPA's policy ConfigMap",
        base: "dev",
        policy: "runbook-opa-policy",
        mutate: (p) => remove(p, (r) => r.inputs.kind === "ConfigMap" && r.inputs.metadata?.name === "opa-policy"),
    },
    {
        name: "OPA no longer mounts its policy",
        base: "staging",
        policy: "runbook-opa-policy",
        mutate: (p) => void (pod(obj(p, "Deployment", "opa").inputs).volumes = []),
    },
    {
        name: "grant the auditor every action on ops in prod",
        base: "prod",
        policy: "runbook-opa-policy",
        mutate: (p) =>
            editJson(
                obj(p, "ConfigMap", "opa-policy").inputs.data,
                "data.json",
                (data) => void (data.medagi.acl.grants.auditor.ops = ["*"]),
            ),
    },
    // runbook-opa-prod-ha
    {
        name: "scale prod OPA down to 2",
        base: "prod",
        policy: "runbook-opa-prod-ha",
        mutate: (p) => void (obj(p, "Deployment", "opa").inputs.spec.replicas = 2),
    },
    {
        name: "drop prod OPA's disruption budget",
        base: "prod",
        policy: "runbook-opa-prod-ha",
        mutate: (p) => remove(p, (r) => r.inputs.kind === "PodDisruptionBudget" && r.inputs.metadata?.name === "opa"),
    },
    // runbook-opa-clients
    {
        name: "imaging loses OPA_URL",
        base: "dev",
        policy: "runbook-opa-clients",
        mutate: (p) => {
            const c = container(p, "Deployment", "imaging");
            c.env = c.env.filter((e: any) => e.name !== "OPA_URL");
        },
    },
    {
        name: "eval asks a different decision",
        base: "prod",
        policy: "runbook-opa-clients",
        mutate: (p) => {
            const c = container(p, "Deployment", "eval");
            c.env = c.env.map((e: any) => (e.name === "OPA_DECISION_PATH" ? { ...e, value: "medagi/authz" } : e));
        },
    },
];

const bases: Record<Base, Plan> = renderedPlans();

describe("the mutation catalogue", () => {
    it("has at least 40 named mutations, each targeting a policy of the pack", () => {
        expect(MUTATIONS.length).toBeGreaterThanOrEqual(40);
        expect(new Set(MUTATIONS.map((m) => m.name)).size).toBe(MUTATIONS.length);
        const names = POLICIES.map((p) => p.name);
        for (const m of MUTATIONS) expect(names).toContain(m.policy);
    });

    it("targets every policy: each has a failing case built from a real render", () => {
        const targeted = new Set(MUTATIONS.map((m) => m.policy));
        expect(POLICIES.map((p) => p.name).filter((n) => !targeted.has(n))).toEqual([]);
    });

    it("starts from bases on which every policy passes (each policy's passing case)", async () => {
        for (const [base, plan] of Object.entries(bases)) {
            const found = await findings(plan);
            expect({ base, found: found.map((f) => `${f.policy}: ${f.message}`) }).toEqual({ base, found: [] });
        }
    });

    it("catches every mutation with the policy it targets: mutation score 100 %", async () => {
        const missed: string[] = [];
        // Each mutation is analysed by the policy it targets alone (the other policies cannot
        // change whether that one catches it), through the same engine handlers as the pack.
        const alone = new Map(POLICIES.map((p) => [p.name, [p]]));
        // A fresh copy of its base per mutation, parsed from the base's JSON (a plan is JSON, as
        // plan.json): serialized once, each copy costs a third of a structuredClone of the base.
        const json = new Map(Object.entries(bases).map(([base, plan]) => [base, JSON.stringify(plan)]));
        for (const m of MUTATIONS) {
            const plan = JSON.parse(json.get(m.base)!) as Plan;
            m.mutate(plan);
            const level = POLICIES.find((p) => p.name === m.policy)!.enforcementLevel;
            const caught = (await findings(plan, alone.get(m.policy))).some((f) => f.policy === m.policy && f.level === level);
            if (!caught) missed.push(`${m.name} (${m.base}, ${m.policy})`);
        }
        const caught = MUTATIONS.length - missed.length;
        console.log(
            `mutation score: ${caught}/${MUTATIONS.length} (${((100 * caught) / MUTATIONS.length).toFixed(1)} %)${missed.length > 0 ? `; missed: ${missed.join("; ")}` : ""}`,
        );
        expect(missed).toEqual([]);
    });
});
