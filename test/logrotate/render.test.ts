/** The logrotate configs rendered from runbook.ts, and the rotator DaemonSet spec. */
import { logrotateConfig, logrotateDaemonSetSpec, postrotateCommand, rotatorCommand } from "../../infra/logrotate";
import { logrotateSchema } from "../../infra/logrotate";
import { LOG_ROTATION } from "../../infra/runbook";

/** The directive lines inside the `{ ... }` block, trimmed. */
function directives(text: string): string[] {
    const body = text.slice(text.indexOf("{") + 1, text.lastIndexOf("}"));
    return body
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l !== "");
}

describe("logrotateConfig", () => {
    it("renders the runbook's host config, with a postrotate that signals med-agi-* containers", () => {
        const text = logrotateConfig("host");
        expect(text).toContain(`${LOG_ROTATION.path} {`);
        expect(directives(text)).toEqual([
            "daily",
            "rotate 30",
            "compress",
            "delaycompress",
            "notifempty",
            "create 0640 medagi medagi",
            "sharedscripts",
            "postrotate",
            "docker ps -q --filter name=^med-agi- | xargs -r docker kill -s USR1",
            "endscript",
        ]);
        expect(text).not.toContain("docker kill -s USR1 med-agi-*\n");
    });

    it("renders the Kubernetes variant with the same retention, copytruncate and no signal", () => {
        const lines = directives(logrotateConfig("kubernetes"));
        expect(lines).toEqual(["daily", "rotate 30", "compress", "delaycompress", "notifempty", "missingok", "copytruncate"]);
        expect(lines.join("\n")).not.toMatch(/postrotate|docker|create /);
    });

    it("takes a custom path and owner (used to run it on a scratch directory)", () => {
        const text = logrotateConfig("host", { path: "/tmp/x/*.log", createOwner: { owner: "ci", group: "ci" } });
        expect(text).toContain("/tmp/x/*.log {");
        expect(directives(text)).toContain("create 0640 ci ci");
    });

    it("refuses a relative path or one with whitespace", () => {
        expect(() => logrotateConfig("host", { path: "logs/*.log" })).toThrow('logrotateConfig: path "logs/*.log" must be absolute');
        expect(() => logrotateConfig("kubernetes", { path: "/var/log/a b/*.log" })).toThrow("contain no whitespace");
    });

    it("builds the postrotate from the runbook's signal and container prefix", () => {
        expect(postrotateCommand()).toBe(
            `docker ps -q --filter name=^${LOG_ROTATION.containerNamePrefix} | xargs -r docker kill -s ${LOG_ROTATION.postrotateSignal}`,
        );
    });
});

describe("logrotateSchema", () => {
    it("defaults to an hourly rotator in med-agi-node", () => {
        expect(logrotateSchema.parse({})).toEqual({
            enabled: true,
            image: "med-agi/logrotate:3.21.0-bookworm",
            intervalSeconds: 3600,
            namespace: "med-agi-node",
        });
    });

    it("accepts a custom interval and image", () => {
        const c = logrotateSchema.parse({ intervalSeconds: 900, image: "registry.example/med-agi/logrotate:3.21.0-bookworm" });
        expect(c.intervalSeconds).toBe(900);
        expect(c.image).toBe("registry.example/med-agi/logrotate:3.21.0-bookworm");
    });

    it("refuses the restricted med-agi namespace, sub-minute intervals and unknown keys", () => {
        const r = logrotateSchema.safeParse({ namespace: "med-agi", intervalSeconds: 5, rotate: 7 });
        expect(r.success).toBe(false);
        expect((r.error?.issues ?? []).map((i) => i.path.join(".")).sort()).toEqual(["", "intervalSeconds", "namespace"]);
    });
});

describe("logrotateDaemonSetSpec", () => {
    const ds: any = JSON.parse(
        JSON.stringify(
            logrotateDaemonSetSpec({
                namespace: "med-agi-node",
                image: "med-agi/logrotate:3.21.0-bookworm",
                intervalSeconds: 3600,
                configMapName: "med-agi-logrotate",
            }),
        ),
    );
    const pod = ds.spec.template.spec;
    const c = pod.containers[0];

    it("mounts /var/log/med-agi from the host and the Kubernetes config from the ConfigMap", () => {
        expect(pod.volumes).toContainEqual({ name: "logs", hostPath: { path: LOG_ROTATION.directory, type: "DirectoryOrCreate" } });
        expect(pod.volumes).toContainEqual({
            name: "config",
            configMap: { name: "med-agi-logrotate", items: [{ key: "med-agi-k8s", path: "med-agi-k8s" }], defaultMode: 0o444 },
        });
        expect(c.volumeMounts).toContainEqual({ name: "logs", mountPath: "/var/log/med-agi" });
    });

    it("runs logrotate on the config with persistent state, every interval", () => {
        expect(c.command[2]).toContain("/usr/sbin/logrotate -s /state/logrotate.status /etc/med-agi-logrotate/med-agi-k8s");
        expect(c.command[2]).toContain("sleep 3600");
    });

    it("keeps only the capabilities logrotate needs, on a read-only root filesystem", () => {
        expect(c.securityContext).toMatchObject({
            privileged: false,
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ["ALL"], add: ["CHOWN", "DAC_OVERRIDE", "FOWNER"] },
            seccompProfile: { type: "RuntimeDefault" },
        });
        expect(pod.automountServiceAccountToken).toBe(false);
        expect(pod.tolerations).toEqual([{ operator: "Exists" }]);
    });

    it("refuses an interval under a minute", () => {
        expect(() => rotatorCommand(10)).toThrow("rotatorCommand: intervalSeconds 10 must be an integer ≥ 60");
    });
});
