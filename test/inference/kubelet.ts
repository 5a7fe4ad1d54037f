/**
 * A faithful stand-in for the parts of Kubernetes the failover depends on,
 * driving the real gate script and real HTTP servers on loopback:
 *
 * - {@link ReadinessTracker}: the kubelet's probe worker (pkg/kubelet/prober/worker.go):
 *   a result changes the container's readiness only after `successThreshold`
 *   (or `failureThreshold`) identical results in a row; it starts not ready.
 * - {@link httpProbe} / {@link execProbe}: the kubelet's HTTP (200–399 within
 *   timeoutSeconds) and exec (exit 0 within timeoutSeconds) probes.
 * - {@link HealthServer}: a Triton that answers `/v2/health/ready` with 200,
 *   503, or never (hang).
 * - {@link ServiceVip}: a ClusterIP Service: connections are refused while it
 *   has no ready endpoint (kube-proxy's REJECT) and forwarded to the pod otherwise.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, symlinkSync } from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface ProbeThresholds {
    readonly periodSeconds: number;
    readonly timeoutSeconds: number;
    readonly failureThreshold: number;
    readonly successThreshold: number;
}

/** The kubelet's readiness bookkeeping for one container. */
export class ReadinessTracker {
    private lastResult: boolean | undefined = undefined;
    private resultRun = 0;
    public ready = false;

    constructor(private readonly thresholds: ProbeThresholds) {}

    record(success: boolean): void {
        if (this.lastResult === success) {
            this.resultRun++;
        } else {
            this.lastResult = success;
            this.resultRun = 1;
        }
        const threshold = success ? this.thresholds.successThreshold : this.thresholds.failureThreshold;
        if (this.resultRun >= threshold) this.ready = success;
    }
}

export type Health = "ready" | "unready" | "hang";

/** A Triton health endpoint on loopback. */
export class HealthServer {
    public health: Health = "ready";
    private readonly server: http.Server;
    private readonly hung = new Set<http.ServerResponse>();

    constructor() {
        this.server = http.createServer((req, res) => {
            if (req.url !== "/v2/health/ready") {
                res.writeHead(404).end();
            } else if (this.health === "hang") {
                this.hung.add(res); // never answered
            } else {
                res.writeHead(this.health === "ready" ? 200 : 503).end();
            }
        });
    }

    async start(): Promise<number> {
        await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
        return (this.server.address() as net.AddressInfo).port;
    }

    async stop(): Promise<void> {
        for (const res of this.hung) res.destroy();
        this.server.closeAllConnections();
        await new Promise<void>((resolve) => this.server.close(() => resolve()));
    }
}

/** A ClusterIP Service in front of one pod: refuses connections unless the pod is ready. */
export class ServiceVip {
    private server: net.Server | undefined;
    private readonly sockets = new Set<net.Socket>();
    public port = 0;

    constructor(private readonly targetPort: number) {}

    /** Reserves a port (the Service's stable VIP:port). */
    async init(): Promise<number> {
        const probe = net.createServer();
        await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
        this.port = (probe.address() as net.AddressInfo).port;
        await new Promise<void>((resolve) => probe.close(() => resolve()));
        return this.port;
    }

    /** Endpoints follow readiness: listening (forwarding) iff `ready`. */
    async setEndpointReady(ready: boolean): Promise<void> {
        if (ready && this.server === undefined) {
            const server = net.createServer((client) => {
                const upstream = net.connect(this.targetPort, "127.0.0.1");
                for (const s of [client, upstream]) {
                    this.sockets.add(s);
                    s.on("close", () => this.sockets.delete(s));
                    s.on("error", () => s.destroy());
                }
                client.pipe(upstream).pipe(client);
            });
            await new Promise<void>((resolve) => server.listen(this.port, "127.0.0.1", resolve));
            this.server = server;
        } else if (!ready && this.server !== undefined) {
            const server = this.server;
            this.server = undefined;
            for (const s of this.sockets) s.destroy();
            await new Promise<void>((resolve) => server.close(() => resolve()));
        }
    }
}

/** The kubelet's HTTP probe: success on 200–399 within the timeout. */
export function httpProbe(port: number, path: string, timeoutSeconds: number): Promise<boolean> {
    return new Promise((resolve) => {
        const req = http.get({ host: "127.0.0.1", port, path, timeout: timeoutSeconds * 1000 }, (res) => {
            res.resume();
            resolve((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 400);
        });
        req.on("timeout", () => {
            req.destroy();
            resolve(false);
        });
        req.on("error", () => resolve(false));
    });
}

/** A PATH holding only BusyBox applets, as in the gate's image (`sh`, `wget`, `timeout`, `sleep`). */
export function busyboxPath(): string {
    const dir = mkdtempSync(join(tmpdir(), "med-agi-busybox-"));
    for (const applet of ["sh", "wget", "timeout", "sleep"]) symlinkSync("/bin/busybox", join(dir, applet));
    return dir;
}

export interface ExecResult {
    readonly success: boolean;
    readonly output: string;
    readonly seconds: number;
}

/** The kubelet's exec probe: success on exit 0 within the timeout (a timed-out probe fails). */
export function execProbe(command: readonly string[], env: Record<string, string>, timeoutSeconds: number): Promise<ExecResult> {
    const started = process.hrtime.bigint();
    return new Promise((resolve) => {
        const child = spawn(command[0]!, command.slice(1), { env, stdio: ["ignore", "pipe", "pipe"] });
        let output = "";
        child.stdout.on("data", (d: Buffer) => (output += d.toString()));
        child.stderr.on("data", (d: Buffer) => (output += d.toString()));
        const timer = setTimeout(() => child.kill("SIGKILL"), timeoutSeconds * 1000);
        child.on("close", (code) => {
            clearTimeout(timer);
            resolve({ success: code === 0, output: output.trim(), seconds: Number(process.hrtime.bigint() - started) / 1e9 });
        });
    });
}
