/** Chart values: kube-prometheus-stack and Fluent Bit. */
import {
    CHARTS,
    CONFIG_SECRET_NAME,
    FLUENT_BIT_TOKEN_SECRET,
    RECEIVER_SECRET,
    fluentBitPipeline,
    fluentBitValues,
    kubePrometheusStackValues,
    parseObservabilityConfig,
    resolveObservabilitySettings,
    section,
    volumeClaim,
} from "../../infra/observability";

const settings = (environment: "dev" | "staging" | "prod", raw: Parameters<typeof parseObservabilityConfig>[1] = {}) =>
    resolveObservabilitySettings(parseObservabilityConfig(environment, raw));

describe("pinned charts", () => {
    it("pins exact versions from the upstream repositories", () => {
        expect(CHARTS.kubePrometheusStack).toEqual({
            chart: "kube-prometheus-stack",
            version: "81.4.3",
            repo: "https://prometheus-community.github.io/helm-charts",
        });
        expect(CHARTS.fluentBit).toEqual({ chart: "fluent-bit", version: "0.47.0", repo: "https://fluent.github.io/helm-charts" });
    });
});

describe("kubePrometheusStackValues", () => {
    const dev = kubePrometheusStackValues({ settings: settings("dev"), grafanaAdminSecret: false });
    const prod = kubePrometheusStackValues({
        settings: settings("prod", { monitoring: { prometheus: { storageClass: "gp3" } } }),
        grafanaAdminSecret: true,
    });

    it("selects PrometheusRules and ServiceMonitors from every namespace, not only the chart's release", () => {
        expect(dev.prometheus.prometheusSpec).toMatchObject({
            ruleSelectorNilUsesHelmValues: false,
            ruleSelector: {},
            ruleNamespaceSelector: {},
            serviceMonitorSelectorNilUsesHelmValues: false,
            serviceMonitorSelector: {},
            serviceMonitorNamespaceSelector: {},
        });
    });

    it("feeds Alertmanager our generated configuration and mounts the receiver credentials", () => {
        expect(dev.alertmanager.alertmanagerSpec).toMatchObject({
            useExistingSecret: true,
            configSecret: CONFIG_SECRET_NAME,
            secrets: [RECEIVER_SECRET.name],
        });
    });

    it("requests room for the pods the chart leaves without: the operator, Prometheus, kube-state-metrics, Grafana and its sidecars", () => {
        for (const v of [dev, prod]) {
            expect(v.prometheusOperator.resources).toEqual({ requests: { cpu: "100m", memory: "100Mi" } });
            expect(v.prometheus.prometheusSpec.resources).toEqual({ requests: { cpu: "200m", memory: "1Gi" } });
            expect(v["kube-state-metrics"].resources).toEqual({ requests: { cpu: "10m", memory: "190Mi" } });
            expect(v.grafana).toMatchObject({
                resources: { requests: { cpu: "100m", memory: "128Mi" } },
                sidecar: { resources: { requests: { cpu: "50m", memory: "50Mi" } } },
            });
        }
    });

    it("enables Grafana's dashboard sidecar on the grafana_dashboard label in all namespaces", () => {
        expect(dev.grafana).toMatchObject({
            sidecar: { dashboards: { enabled: true, label: "grafana_dashboard", labelValue: "1", searchNamespace: "ALL" } },
        });
    });

    it("never keeps the chart's well-known Grafana password", () => {
        expect(dev.grafana.adminPassword).toBe("");
        expect(prod.grafana).toMatchObject({ admin: { existingSecret: "grafana-admin", passwordKey: "admin-password" } });
        expect(prod.grafana.adminPassword).toBeUndefined();
    });

    it("keeps dev's metrics for 2 days without a volume", () => {
        expect(dev.prometheus.prometheusSpec.retention).toBe("2d");
        expect(dev.prometheus.prometheusSpec.storageSpec).toBeUndefined();
        expect(dev.alertmanager.alertmanagerSpec.storage).toBeUndefined();
    });

    it("keeps prod's metrics for 30 days on a persistent volume of the configured class, with two replicas", () => {
        expect(prod.prometheus.prometheusSpec).toMatchObject({
            retention: "30d",
            replicas: 2,
            storageSpec: {
                volumeClaimTemplate: {
                    spec: { storageClassName: "gp3", accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "100Gi" } } },
                },
            },
        });
        expect(prod.alertmanager.alertmanagerSpec).toMatchObject({
            replicas: 2,
            storage: { volumeClaimTemplate: { spec: { resources: { requests: { storage: "2Gi" } } } } },
        });
    });

    it("turns off control-plane scrapers that EKS and kind do not expose", () => {
        expect([dev.kubeEtcd.enabled, dev.kubeControllerManager.enabled, dev.kubeScheduler.enabled, dev.kubeProxy.enabled]).toEqual([
            false,
            false,
            false,
            false,
        ]);
    });
});

describe("volumeClaim", () => {
    it("leaves storageClassName out to use the cluster default", () => {
        expect(volumeClaim("10Gi", undefined)?.volumeClaimTemplate.spec).toEqual({
            accessModes: ["ReadWriteOnce"],
            resources: { requests: { storage: "10Gi" } },
        });
    });
});

describe("fluentBitPipeline", () => {
    const http = {
        ...parseObservabilityConfig("prod", { siem: { host: "siem.example.org", uri: "/collector/raw" } }).siem,
        output: "http" as const,
    };

    it("ships every record to the SIEM over verified TLS with the bearer token from the environment", () => {
        const p = fluentBitPipeline({ environment: "prod", siem: http });
        expect(p.outputs).toMatch(/Name\s+http\n/);
        expect(p.outputs).toMatch(/Host\s+siem\.example\.org\n/);
        expect(p.outputs).toMatch(/Port\s+443\n/);
        expect(p.outputs).toMatch(/URI\s+\/collector\/raw\n/);
        expect(p.outputs).toMatch(/tls\s+On\n/);
        expect(p.outputs).toMatch(/tls\.verify\s+On\n/);
        expect(p.outputs).toContain("Authorization Bearer ${SIEM_TOKEN}");
    });

    it("tails container logs and the API server audit log, buffered on disk", () => {
        const p = fluentBitPipeline({ environment: "prod", siem: http });
        expect(p.inputs).toMatch(/Path\s+\/var\/log\/containers\/\*\.log\n/);
        expect(p.inputs).toMatch(/Path\s+\/var\/log\/kubernetes\/audit\/audit\.log\n/);
        expect(p.inputs.match(/storage\.type\s+filesystem/g)).toHaveLength(2);
        expect(p.service).toMatch(/storage\.path\s+\/var\/log\/flb-storage\/\n/);
    });

    describe("audit log input", () => {
        /** The `[INPUT]` sections as key → value maps (keys lower-cased: Fluent Bit reads them case-insensitively). */
        const inputs = (text: string): Map<string, string>[] =>
            text
                .split("[INPUT]")
                .slice(1)
                .map(
                    (body) =>
                        new Map(
                            body
                                .trim()
                                .split("\n")
                                .map(
                                    (line) =>
                                        line
                                            .trim()
                                            .split(/\s+(.*)/)
                                            .slice(0, 2) as [string, string],
                                )
                                .map(([k, v]) => [k.toLowerCase(), v]),
                        ),
                );
        /** Fluent Bit's unit sizes (docs: "Unit sizes"); K/M/G read as powers of 1000, the smaller reading. */
        const bytes = (size: string): number => {
            const m = /^([0-9]+)([KMG]?)B?$/i.exec(size);
            if (!m) throw new Error(`not a Fluent Bit size: ${size}`);
            return Number(m[1]) * ({ "": 1, K: 1e3, M: 1e6, G: 1e9 } as const)[m[2]!.toUpperCase() as "" | "K" | "M" | "G"];
        };
        const audit = () =>
            inputs(fluentBitPipeline({ environment: "prod", siem: http }).inputs).find((i) => i.get("tag") === "audit.k8s")!;
        /** One audit event at RequestResponse level for an update of a ConfigMap near etcd's 1.5 MiB limit: one line. */
        const bigEvent = JSON.stringify({
            kind: "Event",
            apiVersion: "audit.k8s.io/v1",
            level: "RequestResponse",
            verb: "update",
            requestURI: "/api/v1/namespaces/med-agi/configmaps/big",
            requestObject: { kind: "ConfigMap", data: { blob: "x".repeat(1.5 * 2 ** 20) } },
            responseObject: { kind: "ConfigMap", data: { blob: "x".repeat(1.5 * 2 ** 20) } },
        });

        it("sets only tail options the Fluent Bit docs list", () => {
            // docs.fluentbit.io/manual/pipeline/inputs/tail (3.x, 4.x): the keys used here, as documented.
            const documented = [
                "name",
                "tag",
                "path",
                "parser",
                "multiline.parser",
                "db",
                "buffer_chunk_size",
                "buffer_max_size",
                "mem_buf_limit",
                "skip_long_lines",
                "storage.type",
                "exclude_path",
            ];
            const decisionLogs = { namespace: "med-agi", pod: "opa", container: "opa" };
            for (const args of [
                { environment: "prod" as const, siem: http },
                { environment: "prod" as const, siem: http, decisionLogs },
            ]) {
                for (const input of inputs(fluentBitPipeline(args).inputs)) {
                    for (const key of input.keys()) expect(documented).toContain(key);
                }
            }
        });

        it("reads audit events of 1 MB and more: buffer from 1M up to 4M, not the 32k default", () => {
            const input = audit();
            expect(input.get("buffer_chunk_size")).toBe("1M");
            expect(input.get("buffer_max_size")).toBe("4M");
            expect(bytes(input.get("buffer_chunk_size")!)).toBeGreaterThanOrEqual(1e6);
            expect(bytes(input.get("buffer_max_size")!)).toBeGreaterThanOrEqual(bytes(input.get("buffer_chunk_size")!));
            expect(bytes(input.get("mem_buf_limit")!)).toBeGreaterThanOrEqual(bytes(input.get("buffer_max_size")!));
        });

        it("fits a RequestResponse event of a 1.5 MiB object in the buffer, which the 32k default would not", () => {
            const line = Buffer.byteLength(bigEvent) + 1;
            expect(line).toBeGreaterThan(bytes("32k"));
            expect(line).toBeLessThanOrEqual(bytes(audit().get("buffer_max_size")!));
        });

        it("skips only an event longer than the buffer, never the rest of the file", () => {
            expect(audit().get("skip_long_lines")).toBe("On");
            for (const input of inputs(fluentBitPipeline({ environment: "prod", siem: http }).inputs)) {
                expect(input.get("skip_long_lines")).toBe("On");
            }
        });
    });

    it("does not let a pod annotation exclude its logs from the SIEM", () => {
        expect(fluentBitPipeline({ environment: "prod", siem: http }).filters).toMatch(/K8S-Logging\.Exclude\s+Off\n/);
    });

    it("tags every record with the environment", () => {
        expect(fluentBitPipeline({ environment: "staging", siem: http }).filters).toMatch(/Add\s+cluster staging\n/);
    });

    it("prints records to stdout in dev", () => {
        const dev = { ...parseObservabilityConfig("dev", {}).siem, output: "stdout" as const };
        const p = fluentBitPipeline({ environment: "dev", siem: dev });
        expect(p.outputs).toMatch(/Name\s+stdout\n/);
        expect(p.outputs).not.toContain("Bearer");
    });

    it("refuses http output without a host", () => {
        const noHost = { ...parseObservabilityConfig("prod", {}).siem, output: "http" as const };
        expect(() => fluentBitPipeline({ environment: "prod", siem: noHost })).toThrow("siem.host");
    });
});

describe("fluentBitValues", () => {
    const http = { ...parseObservabilityConfig("prod", { siem: { host: "siem.example.org" } }).siem, output: "http" as const };

    it("reads the token from its Secret and runs on every node", () => {
        const v = fluentBitValues({ environment: "prod", siem: http });
        expect(v.env).toEqual([{ name: "SIEM_TOKEN", valueFrom: { secretKeyRef: { name: FLUENT_BIT_TOKEN_SECRET.name, key: "token" } } }]);
        expect(v.tolerations).toEqual([{ operator: "Exists" }]);
        expect(v.serviceMonitor).toEqual({ enabled: true });
    });

    it("drops every capability and keeps the root filesystem read-only", () => {
        expect(fluentBitValues({ environment: "prod", siem: http }).securityContext).toEqual({
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ["ALL"] },
        });
    });
});

describe("section", () => {
    it("aligns keys in the classic format", () => {
        expect(
            section("OUTPUT", [
                ["Name", "stdout"],
                ["Match", "*"],
            ]),
        ).toBe("[OUTPUT]\n    Name  stdout\n    Match *\n");
    });
});
