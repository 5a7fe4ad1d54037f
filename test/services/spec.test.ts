import type { ServiceSettings } from "../../infra/services";
import { SERVICES } from "../../infra/runbook";
import {
    deploymentSpec,
    hpaSpec,
    imageRef,
    ingressAnnotations,
    ingressSpec,
    needsDisruptionBudget,
    pdbSpec,
    serviceMonitorSpec,
    serviceSpec,
    type DeploymentSpecArgs,
} from "../../infra/services/spec";

const SETTINGS: ServiceSettings = {
    replicas: 1,
    autoscaling: { enabled: true, maxReplicas: 3, targetCpuUtilization: 70 },
    resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } },
    tag: "v1.0.0",
    env: {},
};

function deployment(overrides: Partial<DeploymentSpecArgs> = {}): any {
    return deploymentSpec({
        service: SERVICES.imaging,
        image: "med-agi/imaging:v1.0.0",
        settings: SETTINGS,
        imagePullPolicy: "IfNotPresent",
        imagePullSecrets: [],
        topologySpread: { zone: "ScheduleAnyway", node: "ScheduleAnyway" },
        serviceAccountName: "imaging",
        ...overrides,
    });
}

describe("image references", () => {
    it("is med-agi/<service>:<tag> without a registry, as the runbook's kubectl set image writes it", () => {
        expect(imageRef(undefined, "imaging", "v1.0.0")).toBe("med-agi/imaging:v1.0.0");
    });
    it("prefixes the registry when one is configured", () => {
        expect(imageRef("123456789012.dkr.ecr.eu-west-1.amazonaws.com", "ekg", "v2.0.0")).toBe(
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/med-agi/ekg:v2.0.0",
        );
    });
});

describe("deployment spec", () => {
    const spec = deployment();
    const pod = spec.template.spec;
    const container = pod.containers[0];

    it("names the first container after the service on the runbook port, with metrics on a port of their own", () => {
        expect(container.name).toBe("imaging");
        expect(container.ports).toEqual([
            { name: "http", containerPort: 8006, protocol: "TCP" },
            { name: "metrics", containerPort: 9464, protocol: "TCP" },
        ]);
    });

    it("tells the app its metrics port in METRICS_PORT", () => {
        expect(container.env).toContainEqual({ name: "METRICS_PORT", value: "9464" });
    });

    it("probes /health for startup, readiness and liveness", () => {
        for (const probe of [container.startupProbe, container.readinessProbe, container.livenessProbe]) {
            expect(probe.httpGet).toEqual({ path: "/health", port: "http" });
        }
        expect(container.startupProbe.periodSeconds * container.startupProbe.failureThreshold).toBe(120);
    });

    it("runs non-root with a read-only root filesystem, no privilege escalation and no capabilities", () => {
        expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: "RuntimeDefault" } });
        expect(container.securityContext).toMatchObject({
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ["ALL"] },
        });
    });

    it("mounts a size-limited writable emptyDir at /tmp", () => {
        expect(container.volumeMounts).toEqual([{ name: "tmp", mountPath: "/tmp" }]);
        expect(pod.volumes).toEqual([{ name: "tmp", emptyDir: { sizeLimit: "256Mi" } }]);
    });

    it("mounts no service-account token", () => {
        expect(pod.automountServiceAccountToken).toBe(false);
        expect(pod.serviceAccountName).toBe("imaging");
    });

    it("rolls out without ever dropping below the desired count and keeps history for rollout undo", () => {
        expect(spec.strategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
        expect(spec.revisionHistoryLimit).toBeGreaterThanOrEqual(2);
    });

    it("spreads pods over zones and nodes", () => {
        expect(pod.topologySpreadConstraints.map((c: any) => c.topologyKey)).toEqual([
            "topology.kubernetes.io/zone",
            "kubernetes.io/hostname",
        ]);
        const strict = deployment({ topologySpread: { zone: "DoNotSchedule", node: "ScheduleAnyway" } });
        expect(strict.template.spec.topologySpreadConstraints[0].whenUnsatisfiable).toBe("DoNotSchedule");
    });

    it("leaves the replica count to the autoscaler when autoscaling is on", () => {
        expect(spec.replicas).toBeUndefined();
        const fixed = deployment({ settings: { ...SETTINGS, replicas: 2, autoscaling: { ...SETTINGS.autoscaling, enabled: false } } });
        expect(fixed.replicas).toBe(2);
    });

    it("selects on name and part-of only, never on the version", () => {
        expect(spec.selector.matchLabels).toEqual({ "app.kubernetes.io/name": "imaging", "app.kubernetes.io/part-of": "med-agi" });
        expect(spec.template.metadata.labels["app.kubernetes.io/version"]).toBe("v1.0.0");
    });

    it("passes config env and extra env after the service's own variables", () => {
        const custom = deployment({
            settings: { ...SETTINGS, env: { LOG_LEVEL: "debug" } },
            env: [{ name: "TRITON_URL", value: "http://triton:8000" }],
        });
        expect(custom.template.spec.containers[0].env).toEqual([
            { name: "SERVICE_NAME", value: "imaging" },
            { name: "PORT", value: "8006" },
            { name: "METRICS_PORT", value: "9464" },
            { name: "TMPDIR", value: "/tmp" },
            { name: "LOG_LEVEL", value: "debug" },
            { name: "TRITON_URL", value: "http://triton:8000" },
        ]);
    });

    it("adds image pull secrets only when configured", () => {
        expect(pod.imagePullSecrets).toBeUndefined();
        expect(deployment({ imagePullSecrets: ["ecr"] }).template.spec.imagePullSecrets).toEqual([{ name: "ecr" }]);
    });
});

describe("service, autoscaler, disruption budget, ingress, monitor", () => {
    it("exposes the runbook port and the metrics port on a ClusterIP Service", () => {
        expect(serviceSpec(SERVICES.ekg)).toMatchObject({
            type: "ClusterIP",
            ports: [
                { name: "http", port: 8016, targetPort: "http" },
                { name: "metrics", port: 9464, targetPort: "metrics" },
            ],
        });
    });

    it("scales between replicas and maxReplicas on CPU", () => {
        const hpa: any = hpaSpec(SERVICES.eval, {
            ...SETTINGS,
            replicas: 2,
            autoscaling: { enabled: true, maxReplicas: 6, targetCpuUtilization: 65 },
        });
        expect(hpa.minReplicas).toBe(2);
        expect(hpa.maxReplicas).toBe(6);
        expect(hpa.scaleTargetRef).toEqual({ apiVersion: "apps/v1", kind: "Deployment", name: "eval" });
        expect(hpa.metrics[0].resource.target).toEqual({ type: "Utilization", averageUtilization: 65 });
    });

    it("creates a disruption budget only with more than one replica", () => {
        expect(needsDisruptionBudget({ ...SETTINGS, replicas: 1 })).toBe(false);
        expect(needsDisruptionBudget({ ...SETTINGS, replicas: 2 })).toBe(true);
        expect(pdbSpec(SERVICES.anchor)).toEqual({
            maxUnavailable: 1,
            unhealthyPodEvictionPolicy: "AlwaysAllow",
            selector: { matchLabels: { "app.kubernetes.io/name": "anchor", "app.kubernetes.io/part-of": "med-agi" } },
        });
    });

    it("serves the whole API, /docs included, on one TLS host per service", () => {
        const ing: any = ingressSpec({ service: SERVICES.modelcards, host: "modelcards.med-agi.example.org", className: "nginx" });
        expect(ing.ingressClassName).toBe("nginx");
        expect(ing.tls).toEqual([{ hosts: ["modelcards.med-agi.example.org"], secretName: "modelcards-tls" }]);
        expect(ing.rules[0].http.paths[0]).toMatchObject({
            path: "/",
            pathType: "Prefix",
            backend: { service: { name: "modelcards", port: { name: "http" } } },
        });
    });

    it("asks cert-manager for the certificate only when an issuer is configured", () => {
        expect(ingressAnnotations(undefined, {})).toEqual({});
        expect(ingressAnnotations("letsencrypt-prod", { a: "b" })).toEqual({
            "cert-manager.io/cluster-issuer": "letsencrypt-prod",
            a: "b",
        });
    });

    it("scrapes /metrics on the metrics port, not on the port the Ingress routes to", () => {
        expect(serviceMonitorSpec(SERVICES.ops, "med-agi")).toMatchObject({
            namespaceSelector: { matchNames: ["med-agi"] },
            endpoints: [{ port: "metrics", path: "/metrics" }],
        });
        const ing: any = ingressSpec({ service: SERVICES.ops, host: "ops.example.org", className: "nginx" });
        expect(ing.rules[0].http.paths.map((p: any) => p.backend.service.port)).toEqual([{ name: "http" }]);
    });
});
