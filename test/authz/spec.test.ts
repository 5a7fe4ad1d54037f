/** The pure builders of OPA's objects (infra/authz/spec.ts). */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";

import {
    DEFAULT_GRANTS,
    filesChecksum,
    imageVersion,
    opaArgs,
    opaClientEnv,
    opaConfigYaml,
    opaDeploymentSpec,
    opaPdbSpec,
    opaServiceMonitorSpec,
    opaServiceSpec,
    policyFiles,
    REGO_DIR,
    resolveAuthz,
    type AuthzSettings,
} from "../../infra/authz";

const prod: AuthzSettings = resolveAuthz("prod", {});
const dev: AuthzSettings = resolveAuthz("dev", {});
const spread = { zone: "DoNotSchedule", node: "ScheduleAnyway" } as const;
const deployment = (settings: AuthzSettings, checksum = "c0ffee") =>
    opaDeploymentSpec({ settings, checksum, imagePullPolicy: "IfNotPresent", imagePullSecrets: [], topologySpread: spread }) as any;
const container = (settings: AuthzSettings) => deployment(settings).template.spec.containers[0];

describe("the services' view of OPA", () => {
    it("tells every service OPA_URL=http://opa.med-agi.svc:8181 and OPA_DECISION_PATH=medagi/authz/allow", () => {
        expect(opaClientEnv()).toEqual([
            { name: "OPA_URL", value: "http://opa.med-agi.svc:8181" },
            { name: "OPA_DECISION_PATH", value: "medagi/authz/allow" },
        ]);
    });

    it("serves that decision path: package medagi.authz defines allow, false by default", () => {
        const rego = policyFiles(prod)["authz.rego"]!;
        expect(rego).toMatch(/^package medagi\.authz$/m);
        expect(rego).toMatch(/^default allow := false$/m);
        expect(rego).toMatch(/^allow if \{$/m);
    });
});

describe("policyFiles", () => {
    const files = policyFiles(prod);

    it("ships the three Rego modules and data.json, and keeps the Rego unit tests out", () => {
        expect(Object.keys(files).sort()).toEqual(["authz.rego", "data.json", "system-authz.rego", "system-log.rego"]);
        expect(fs.existsSync(path.join(REGO_DIR, "authz_test.rego"))).toBe(true);
    });

    it("puts the grant table at data.medagi.acl with the six services, the roles and the actions", () => {
        const data = JSON.parse(files["data.json"]!);
        expect(Object.keys(data)).toEqual(["medagi"]);
        expect(data.medagi.acl.services).toEqual(["imaging", "ekg", "eval", "anchor", "modelcards", "ops"]);
        expect(data.medagi.acl.grants).toEqual({
            clinician: { imaging: ["read", "infer"], ekg: ["read", "infer"], modelcards: ["read"] },
            "ml-engineer": {
                eval: ["read", "write", "evaluate"],
                modelcards: ["read", "write"],
                anchor: ["read", "write"],
                imaging: ["read"],
                ekg: ["read"],
            },
            auditor: { imaging: ["read"], ekg: ["read"], eval: ["read"], anchor: ["read"], modelcards: ["read"], ops: ["read"] },
            operator: { ops: ["read", "write", "admin"], modelcards: ["read"] },
        });
        expect(JSON.stringify(data)).not.toContain('"*"');
    });

    it("ships dev's wildcard grant in dev only", () => {
        expect(JSON.parse(policyFiles(dev)["data.json"]!).medagi.acl.grants["platform-admin"]).toEqual({ "*": ["*"] });
    });

    // What these modules decide is asked of the real OPA in test/authz/engine.test.ts.
    it("ships the API lock (decisions, probes and metrics only) and the decision-log mask", () => {
        expect(files["system-authz.rego"]).toMatch(/^package system\.authz$/m);
        expect(files["system-authz.rego"]).toMatch(/^default allow := false$/m);
        expect(files["system-authz.rego"]).toContain('decision_rules := {"allow", "reasons"}');
        expect(files["system-authz.rego"]).toContain('input.path == ["v1", "data", "medagi", "authz", rule]');
        expect(files["system-log.rego"]).toMatch(/^package system\.log$/m);
        expect(files["system-log.rego"]).toContain('mask contains "/input/token"');
    });
});

describe("OPA's configuration and command line", () => {
    it("logs every decision to the console, labelled with the environment, masked by system.log", () => {
        expect(parse(opaConfigYaml("prod"))).toEqual({
            labels: { app: "med-agi", environment: "prod" },
            decision_logs: { console: true, mask_decision: "/system/log/mask" },
        });
    });

    it("runs the server on 0.0.0.0:8181 without a version check, with its API authorised and the ConfigMap's hidden entries ignored", () => {
        expect(opaArgs()).toEqual([
            "run",
            "--server",
            "--addr=0.0.0.0:8181",
            "--skip-version-check",
            "--config-file=/config/config.yaml",
            "--authorization=basic",
            "--ignore=.*",
            "/policy",
        ]);
    });
});

describe("opaDeploymentSpec", () => {
    it("runs the configured replicas: 3 in prod, 1 in dev", () => {
        expect(deployment(prod).replicas).toBe(3);
        expect(deployment(dev).replicas).toBe(1);
    });

    it("labels the pods app.kubernetes.io/name=opa, part-of med-agi, and selects on those two only", () => {
        const d = deployment(prod);
        expect(d.selector.matchLabels).toEqual({ "app.kubernetes.io/name": "opa", "app.kubernetes.io/part-of": "med-agi" });
        expect(d.template.metadata.labels).toMatchObject({
            "app.kubernetes.io/name": "opa",
            "app.kubernetes.io/part-of": "med-agi",
            "app.kubernetes.io/version": "1.21.1-static",
        });
    });

    it("runs the pinned image with port 8181 named http", () => {
        const c = container(prod);
        expect(c.name).toBe("opa");
        expect(c.image).toMatch(/^openpolicyagent\/opa:1\.21\.1-static@sha256:[a-f0-9]{64}$/);
        expect(c.ports).toEqual([{ name: "http", containerPort: 8181, protocol: "TCP" }]);
    });

    it("is ready on /health?plugins and alive on /health", () => {
        const c = container(prod);
        expect(c.readinessProbe.httpGet).toEqual({ path: "/health?plugins", port: "http" });
        expect(c.livenessProbe.httpGet).toEqual({ path: "/health", port: "http" });
    });

    it("runs non-root on a read-only root filesystem with every capability dropped and no service-account token", () => {
        const d = deployment(prod);
        expect(d.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
        expect(container(prod).securityContext).toMatchObject({
            runAsNonRoot: true,
            readOnlyRootFilesystem: true,
            allowPrivilegeEscalation: false,
            capabilities: { drop: ["ALL"] },
        });
        expect(d.template.spec.automountServiceAccountToken).toBe(false);
    });

    it("sets requests and limits, node disk for its logs included", () => {
        expect(container(prod).resources).toEqual({
            requests: { cpu: "100m", memory: "128Mi", "ephemeral-storage": "16Mi" },
            limits: { cpu: "500m", memory: "256Mi", "ephemeral-storage": "64Mi" },
        });
    });

    it("mounts the policy at /policy and the config at /config, read-only, from the two ConfigMaps", () => {
        const d = deployment(prod);
        expect(container(prod).volumeMounts).toEqual([
            { name: "policy", mountPath: "/policy", readOnly: true },
            { name: "config", mountPath: "/config", readOnly: true },
        ]);
        expect(d.template.spec.volumes).toEqual([
            { name: "policy", configMap: { name: "opa-policy" } },
            { name: "config", configMap: { name: "opa-config" } },
        ]);
    });

    it("spreads pods over zones and nodes as the stack asks", () => {
        expect(deployment(prod).template.spec.topologySpreadConstraints.map((c: any) => [c.topologyKey, c.whenUnsatisfiable])).toEqual([
            ["topology.kubernetes.io/zone", "DoNotSchedule"],
            ["kubernetes.io/hostname", "ScheduleAnyway"],
        ]);
    });

    it("rolls out one new pod before an old one goes", () => {
        expect(deployment(prod).strategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
    });

    it("carries the files' checksum on the pod template", () => {
        expect(deployment(prod, "abc").template.metadata.annotations).toEqual({ "checksum/opa": "abc" });
    });
});

describe("filesChecksum (the annotation that rolls the pods)", () => {
    const config = (env: "dev" | "prod") => ({ "config.yaml": opaConfigYaml(env) });
    const sum = (settings: AuthzSettings, env: "dev" | "prod" = "prod") => filesChecksum(policyFiles(settings), config(env));

    it("is a sha256, the same for the same files", () => {
        expect(sum(prod)).toMatch(/^[a-f0-9]{64}$/);
        expect(sum(prod)).toBe(sum(resolveAuthz("prod", {})));
    });

    it("changes when a grant changes", () => {
        const revoked: AuthzSettings = { ...prod, grants: { ...DEFAULT_GRANTS.prod, clinician: { imaging: ["read"] } } };
        expect(sum(revoked)).not.toBe(sum(prod));
    });

    it("changes when OPA's config changes", () => {
        expect(sum(prod, "dev")).not.toBe(sum(prod, "prod"));
    });

    it("changes when a Rego module changes", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rego-"));
        for (const f of fs.readdirSync(REGO_DIR)) fs.copyFileSync(path.join(REGO_DIR, f), path.join(dir, f));
        fs.appendFileSync(path.join(dir, "authz.rego"), "\n# changed\n");
        expect(filesChecksum(policyFiles(prod, dir), config("prod"))).not.toBe(sum(prod));
        fs.rmSync(dir, { recursive: true, force: true });
    });
});

describe("Service, PodDisruptionBudget and ServiceMonitor", () => {
    it("exposes port 8181 named http on a ClusterIP Service selecting the OPA pods", () => {
        expect(opaServiceSpec()).toEqual({
            type: "ClusterIP",
            selector: { "app.kubernetes.io/name": "opa", "app.kubernetes.io/part-of": "med-agi" },
            ports: [{ name: "http", port: 8181, targetPort: "http", protocol: "TCP" }],
        });
    });

    it("keeps all but one pod through a drain with 2 or more replicas, and has no budget with 1", () => {
        expect(opaPdbSpec({ replicas: 1 })).toBeUndefined();
        expect(opaPdbSpec({ replicas: 2 })).toEqual({
            maxUnavailable: 1,
            unhealthyPodEvictionPolicy: "AlwaysAllow",
            selector: { matchLabels: { "app.kubernetes.io/name": "opa", "app.kubernetes.io/part-of": "med-agi" } },
        });
    });

    it("scrapes /metrics on the http port", () => {
        expect(opaServiceMonitorSpec("med-agi")).toEqual({
            selector: { matchLabels: { "app.kubernetes.io/name": "opa", "app.kubernetes.io/part-of": "med-agi" } },
            namespaceSelector: { matchNames: ["med-agi"] },
            endpoints: [{ port: "http", path: "/metrics", interval: "30s", scrapeTimeout: "10s" }],
        });
    });

    it("takes the version label from the image tag", () => {
        expect(imageVersion("openpolicyagent/opa:1.21.1-static@sha256:" + "a".repeat(64))).toBe("1.21.1-static");
        expect(imageVersion("registry.example.org:5000/opa:1.21.1")).toBe("1.21.1");
    });
});
