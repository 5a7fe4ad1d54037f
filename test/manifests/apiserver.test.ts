/**
 * Every stack's kubernetes.yaml judged by a real Kubernetes API server of the
 * version the cloud stacks target: `kube-apiserver` and `kubectl` built from
 * k8s.io/kubernetes at the pin of tools/go/kube-apiserver (tools/go-tools.sh),
 * on a real etcd (Debian's `etcd-server`), both on loopback.
 *
 * - One server for the file, configured as a cluster would be where it
 *   matters: RBAC, the PodSecurity admission (defaults `restricted`; each
 *   rendered Namespace's `pod-security.kubernetes.io/*` labels decide for
 *   itself, med-agi's say `restricted`), service-account token signing, an
 *   admin bearer token (system:masters) for kubectl.
 * - The CRDs the project vendors for its schema test
 *   (test/fixtures/schemas/crd-*.yaml) are created for real, and established.
 * - Per stack: its Namespaces are applied for real (plus the namespaces its
 *   Helm releases create with `createNamespace`), then every other object is
 *   `kubectl apply --server-side --dry-run=server --validate=strict`, the way
 *   the Pulumi Kubernetes provider applies (server-side apply; the program's
 *   providers set `enableServerSideApply`). Every object must be accepted, and
 *   the server must not warn (PodSecurity's "would violate" warnings on pod
 *   templates, deprecations, unknown fields) except the reviewed entries of
 *   ACCEPTED_WARNINGS below.
 * - Planted defects show that each judgement is live: a privileged Pod in
 *   med-agi is refused, a privileged Deployment warned about, a misspelt
 *   field refused in a core object and in a custom resource.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as https from "node:https";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

import { dump } from "js-yaml";

import { kubernetesYaml, stringify } from "../../tools/lib/artifacts";
import type { Plan } from "../../tools/lib/plan";
import { STACKS, type Stack } from "../policies/harness";
import { goTool } from "../support/go-tools";
import { parseManifest } from "../support/manifest-yaml";
import { ROOT, runStack } from "../support/harness";

type K8sObject = Record<string, any>;

/** The Kubernetes release the API server is built from (tools/go/kube-apiserver/go.mod). */
const SERVER_VERSION = "v1.35.5";
/** How long the servers may take to come up on a loaded 2-core machine. */
const START_BOUND_MS = 90_000;
const FIELD_MANAGER = "med-agi-apiserver-test";

/**
 * Server warnings reviewed and accepted: [stack, the warning's text] and why.
 * Every other warning fails the test.
 */
const ACCEPTED_WARNINGS: readonly { stack: Stack; warning: string; reason: string }[] = [];

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "med-agi-apiserver-test-"));

/** A port nothing listens on now (the kernel's pick, released at once). */
function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
    });
}

/** A child process whose output is kept (its last 256 kB) for error messages. */
class Server {
    log = "";
    readonly exited: Promise<number | null>;
    private lineWaiters: { re: RegExp; resolve: () => void }[] = [];
    constructor(
        readonly name: string,
        readonly proc: ChildProcess,
    ) {
        const take = (b: Buffer) => {
            this.log = (this.log + b.toString()).slice(-256 * 1024);
            this.lineWaiters = this.lineWaiters.filter((w) => {
                if (!w.re.test(this.log)) return true;
                w.resolve();
                return false;
            });
        };
        proc.stdout!.on("data", take);
        proc.stderr!.on("data", take);
        this.exited = new Promise((resolve) => proc.on("exit", (code) => resolve(code)));
    }

    /** Resolves when the output shows `re`; rejects when the process exits first or `boundMs` passes. */
    async waitFor(re: RegExp, what: string, boundMs: number): Promise<void> {
        let timer: NodeJS.Timeout | undefined;
        const seen = new Promise<void>((resolve) => {
            if (re.test(this.log)) resolve();
            else this.lineWaiters.push({ re, resolve });
        });
        const exited = this.exited.then((code) => {
            throw new Error(`${this.name} exited (${code}) before ${what}:\n${this.log.slice(-8000)}`);
        });
        const timeout = new Promise<never>((_resolve, reject) => {
            timer = setTimeout(
                () => reject(new Error(`${this.name}: no ${what} within ${boundMs / 1000} s:\n${this.log.slice(-8000)}`)),
                boundMs,
            );
        });
        try {
            await Promise.race([seen, exited, timeout]);
        } finally {
            clearTimeout(timer);
        }
    }

    /** SIGTERM, then SIGKILL after 15 s; resolves when the process is gone. */
    async stop(): Promise<void> {
        if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
        this.proc.kill("SIGTERM");
        const timer = setTimeout(() => this.proc.kill("SIGKILL"), 15_000);
        await this.exited;
        clearTimeout(timer);
    }
}

/**
 * The Go runtime's collector target for the API server and kubectl: their heaps
 * may grow to 4 × the live data between collections instead of 2 ×. Their
 * work here is short (a server's start, a few applies) and memory is not
 * scarce, so about a fifth of their CPU (2.3 of 11.5 CPU-s for the server)
 * went to collections that free nothing the test needs. Only the runtime's
 * pacing changes; the code and its answers are the same.
 */
const GO_ENV = { ...process.env, GOGC: "400" };

function startProcess(name: string, command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Server {
    return new Server(name, spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], env }));
}

interface Run {
    code: number;
    stdout: string;
    stderr: string;
}

let kubeconfig: string;

/** kubectl against the test's API server (its own kubeconfig and cache dir). */
function kubectl(args: string[], input?: string): Promise<Run> {
    return new Promise((resolve, reject) => {
        const child = execFile(
            goTool("kubectl"),
            ["--kubeconfig", kubeconfig, "--cache-dir", path.join(tmp, "kube-cache"), ...args],
            { maxBuffer: 64 * 1024 * 1024, env: { ...GO_ENV, KUBECONFIG: kubeconfig } },
            (error, stdout, stderr) => {
                if (error !== null && typeof error.code !== "number") reject(error);
                else resolve({ code: error === null ? 0 : (error.code as number), stdout, stderr });
            },
        );
        if (input !== undefined) child.stdin!.end(input);
        else child.stdin!.end();
    });
}

/** GET `urlPath` of the API server with the admin token; the status and body. */
function apiGet(port: number, ca: Buffer, token: string, urlPath: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
        const req = https.get(
            { host: "127.0.0.1", port, path: urlPath, ca, headers: { Authorization: `Bearer ${token}` }, agent: false },
            (res) => {
                let body = "";
                res.on("data", (c: Buffer) => (body += c.toString()));
                res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
            },
        );
        req.on("error", reject);
        req.setTimeout(5_000, () => req.destroy(new Error(`GET ${urlPath}: no answer within 5 s`)));
    });
}

let etcd: Server | undefined;
let apiserver: Server | undefined;
/** A document of kubernetes.yaml: its text as rendered (what kubectl reads) and the object. */
interface Rendered {
    text: string;
    object: K8sObject;
}
const rendered = {} as Record<Stack, Rendered[]>;
const plans = {} as Record<Stack, Plan>;

/**
 * A YAML stream for kubectl: rendered documents as the render wrote them, and
 * objects the test builds written by the render's own writer (js-yaml, YAML 1.1
 * safe: kubectl reads `on` unquoted as a boolean).
 */
const yamlStream = (docs: (Rendered | K8sObject)[]): string => docs.map((d) => (isRendered(d) ? d.text : stringify(d))).join("---\n");
const isRendered = (d: Rendered | K8sObject): d is Rendered => typeof d.text === "string" && typeof d.object === "object";

beforeAll(async () => {
    for (const stack of STACKS) {
        plans[stack] = await runStack(stack);
        // The render joins its documents with `---` lines; each is kept as written.
        rendered[stack] = kubernetesYaml(plans[stack])
            .split(/^---\n/m)
            .map((text) => {
                // A syntax error throws here.
                return { text, object: parseManifest(text) };
            });
    }

    // etcd: a fresh single member on loopback (plain HTTP: loopback only, and the data dies with the test).
    const [client, peer, secure] = await Promise.all([freePort(), freePort(), freePort()]);
    etcd = startProcess("etcd", "etcd", [
        "--name=test",
        `--data-dir=${path.join(tmp, "etcd")}`,
        `--listen-client-urls=http://127.0.0.1:${client}`,
        `--advertise-client-urls=http://127.0.0.1:${client}`,
        `--listen-peer-urls=http://127.0.0.1:${peer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${peer}`,
        `--initial-cluster=test=http://127.0.0.1:${peer}`,
        "--logger=zap",
    ]);
    // Logged once the client listener serves (etcd 3.4 and later).
    await etcd.waitFor(/serving client traffic insecurely/, "readiness", START_BOUND_MS);

    // The API server's credentials: a service-account signing key, an admin token.
    const { privateKey, publicKey } = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" });
    fs.writeFileSync(path.join(tmp, "sa.key"), privateKey.export({ type: "pkcs8", format: "pem" }));
    fs.writeFileSync(path.join(tmp, "sa.pub"), publicKey.export({ type: "spki", format: "pem" }));
    const token = crypto.randomBytes(24).toString("hex");
    fs.writeFileSync(path.join(tmp, "tokens.csv"), `${token},admin,admin-uid,system:masters\n`);
    // PodSecurity: what a namespace's labels do not set is `restricted` (latest).
    fs.writeFileSync(
        path.join(tmp, "admission.yaml"),
        dump({
            apiVersion: "apiserver.config.k8s.io/v1",
            kind: "AdmissionConfiguration",
            plugins: [
                {
                    name: "PodSecurity",
                    configuration: {
                        apiVersion: "pod-security.admission.config.k8s.io/v1",
                        kind: "PodSecurityConfiguration",
                        defaults: {
                            enforce: "restricted",
                            "enforce-version": "latest",
                            audit: "restricted",
                            "audit-version": "latest",
                            warn: "restricted",
                            "warn-version": "latest",
                        },
                        exemptions: { usernames: [], runtimeClasses: [], namespaces: [] },
                    },
                },
            ],
        }),
    );
    const certDir = path.join(tmp, "certs");
    apiserver = startProcess(
        "kube-apiserver",
        goTool("kube-apiserver"),
        [
            `--etcd-servers=http://127.0.0.1:${client}`,
            "--bind-address=127.0.0.1",
            "--advertise-address=127.0.0.1",
            `--secure-port=${secure}`,
            // Self-signed serving certificate (and its CA) written here by the server itself.
            `--cert-dir=${certDir}`,
            `--token-auth-file=${path.join(tmp, "tokens.csv")}`,
            "--anonymous-auth=false",
            "--authorization-mode=RBAC",
            "--enable-admission-plugins=NamespaceLifecycle,LimitRanger,ServiceAccount,PodSecurity,DefaultStorageClass,DefaultIngressClass,ResourceQuota",
            `--admission-control-config-file=${path.join(tmp, "admission.yaml")}`,
            `--service-account-issuer=https://kubernetes.default.svc`,
            `--service-account-key-file=${path.join(tmp, "sa.pub")}`,
            `--service-account-signing-key-file=${path.join(tmp, "sa.key")}`,
            "--service-cluster-ip-range=10.96.0.0/16",
            // As on EKS: privileged containers are allowed by the cluster (the node agents need
            // them); Pod Security decides per namespace.
            "--allow-privileged=true",
            "--profiling=false",
        ],
        GO_ENV,
    );
    await apiserver.waitFor(new RegExp(`Serving securely on 127\\.0\\.0\\.1:${secure}`), "secure listener", START_BOUND_MS);
    const caFile = path.join(certDir, "apiserver.crt");
    const ca = fs.readFileSync(caFile);
    // Post-start hooks (RBAC bootstrap roles, priority levels, CRD informers) finish after
    // the listener opens: /readyz, asked every 250 ms within the same overall bound.
    const deadline = Date.now() + START_BOUND_MS;
    for (;;) {
        const r = await apiGet(secure, ca, token, "/readyz").catch((e: Error) => ({ status: 0, body: e.message }));
        if (r.status === 200) break;
        if (apiserver.proc.exitCode !== null)
            throw new Error(`kube-apiserver exited (${apiserver.proc.exitCode}):\n${apiserver.log.slice(-8000)}`);
        if (Date.now() > deadline) throw new Error(`kube-apiserver not ready within ${START_BOUND_MS / 1000} s: ${r.status} ${r.body}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
    }
    kubeconfig = path.join(tmp, "kubeconfig");
    fs.writeFileSync(
        kubeconfig,
        dump({
            apiVersion: "v1",
            kind: "Config",
            clusters: [{ name: "test", cluster: { server: `https://127.0.0.1:${secure}`, "certificate-authority": caFile } }],
            users: [{ name: "admin", user: { token } }],
            contexts: [{ name: "test", context: { cluster: "test", user: "admin" } }],
            "current-context": "test",
        }),
    );

    // The CRDs the project vendors, created for real (server-side: the ECK and
    // CloudNativePG CRDs are larger than client-side apply's annotation allows).
    const crds = fs
        .readdirSync(path.join(ROOT, "test/fixtures/schemas"))
        .filter((f) => /^crd-.*\.yaml$/.test(f))
        .map((f) => path.join(ROOT, "test/fixtures/schemas", f));
    const created = await kubectl(["apply", "--server-side", `--field-manager=${FIELD_MANAGER}`, ...crds.flatMap((f) => ["-f", f])]);
    expect({ code: created.code, stderr: created.stderr }).toEqual({ code: 0, stderr: "" });
    const established = await kubectl(["wait", "--for=condition=Established", "--timeout=60s", "crd", "--all"]);
    expect({ code: established.code, stderr: established.stderr }).toEqual({ code: 0, stderr: "" });
}, 4 * START_BOUND_MS);

afterAll(async () => {
    await apiserver?.stop();
    await etcd?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
}, 60_000);

describe("the API server", () => {
    it(`is kube-apiserver and kubectl of k8s.io/kubernetes ${SERVER_VERSION}, built from the pin`, async () => {
        const pin = fs.readFileSync(path.join(ROOT, "tools/go/kube-apiserver/go.mod"), "utf8");
        expect(pin).toMatch(new RegExp(`^\\s*k8s\\.io/kubernetes ${SERVER_VERSION.replace(/\./g, "\\.")}\\b`, "m"));
        // `go install` does not stamp the release into /version (the Makefile's ldflags do),
        // so the module version comes from the binaries' build info.
        for (const command of ["kube-apiserver", "kubectl"]) {
            const info = await new Promise<string>((resolve, reject) =>
                execFile("go", ["version", "-m", goTool(command)], (error, stdout) => (error === null ? resolve(stdout) : reject(error))),
            );
            expect(info).toMatch(new RegExp(`^\\s*mod\\s+k8s\\.io/kubernetes\\s+${SERVER_VERSION.replace(/\./g, "\\.")}\\s`, "m"));
            expect(info).toMatch(/^\s*=>\s+k8s\.io\/client-go\s+v0\.35\.5\s/m);
        }
        // The API server speaks as 1.35 (its emulation version: the release its APIs and features are of).
        const r = await kubectl(["get", "--raw", "/version"]);
        expect(r.code).toBe(0);
        const v = JSON.parse(r.stdout) as { emulationMajor?: string; emulationMinor?: string };
        expect([v.emulationMajor, v.emulationMinor]).toEqual(["1", "35"]);
    });

    it("serves every CRD the project vendors, established", async () => {
        const vendored = fs
            .readdirSync(path.join(ROOT, "test/fixtures/schemas"))
            .filter((f) => /^crd-.*\.yaml$/.test(f))
            .map((f) => parseManifest(fs.readFileSync(path.join(ROOT, "test/fixtures/schemas", f), "utf8")).metadata.name);
        expect(vendored.length).toBeGreaterThanOrEqual(8);
        const r = await kubectl([
            "get",
            "crd",
            "-o",
            "jsonpath={range .items[*]}{.metadata.name} {.status.conditions[?(@.type=='Established')].status}{'\\n'}{end}",
        ]);
        expect(r.code).toBe(0);
        expect(r.stdout.trim().split("\n").sort()).toEqual(vendored.map((name) => `${name} True`).sort());
    });
});

/** The namespaces a stack's Helm releases create (`createNamespace: true`), which kubernetes.yaml does not hold. */
function releaseNamespaces(plan: Plan): string[] {
    return plan.resources
        .filter((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.createNamespace === true)
        .map((r) => String(r.inputs.namespace));
}

describe.each(STACKS)("%s's kubernetes.yaml", (stack) => {
    let namespaces: Rendered[];
    let rest: Rendered[];
    let run: Run;

    beforeAll(async () => {
        namespaces = rendered[stack].filter((d) => d.object.kind === "Namespace");
        rest = rendered[stack].filter((d) => d.object.kind !== "Namespace");
        const made = [
            ...namespaces,
            ...releaseNamespaces(plans[stack]).map((name) => ({ apiVersion: "v1", kind: "Namespace", metadata: { name } })),
        ];
        const applied = await kubectl(
            ["apply", "--server-side", "--force-conflicts", `--field-manager=${FIELD_MANAGER}`, "-f", "-"],
            yamlStream(made),
        );
        expect({ code: applied.code, stderr: applied.stderr }).toEqual({ code: 0, stderr: "" });
        run = await kubectl(
            ["apply", "--server-side", "--dry-run=server", "--validate=strict", `--field-manager=${FIELD_MANAGER}`, "-f", "-"],
            yamlStream(rest),
        );
    }, 120_000);

    it("has its Namespaces on the server with the Pod Security levels it declares (med-agi: restricted)", async () => {
        const r = await kubectl(["get", "namespace", "-o", "json", ...namespaces.map((n) => n.object.metadata.name)]);
        expect(r.code).toBe(0);
        const served = (JSON.parse(r.stdout) as { items: K8sObject[] }).items;
        const level = (n: K8sObject) => n.metadata.labels?.["pod-security.kubernetes.io/enforce"] ?? "(default: restricted)";
        expect(Object.fromEntries(served.map((n) => [n.metadata.name, level(n)]))).toEqual(
            Object.fromEntries(namespaces.map((n) => [n.object.metadata.name, level(n.object)])),
        );
        expect(served.find((n) => n.metadata.name === "med-agi")?.metadata.labels?.["pod-security.kubernetes.io/enforce"]).toBe(
            "restricted",
        );
    });

    it("is accepted object by object by kubectl apply --server-side --dry-run=server --validate=strict", () => {
        const errors = run.stderr.split("\n").filter((l) => l.trim() !== "" && !l.startsWith("Warning: "));
        expect(errors).toEqual([]);
        expect(run.code).toBe(0);
        const accepted = run.stdout.split("\n").filter((l) => l.endsWith(" serverside-applied (server dry run)"));
        expect(accepted.length).toBe(rest.length);
    });

    it("draws no warning from the server (PodSecurity restricted, deprecations, unknown fields) beyond the reviewed ones", () => {
        const warnings = run.stderr
            .split("\n")
            .filter((l) => l.startsWith("Warning: "))
            .map((l) => l.slice("Warning: ".length));
        const accepted = ACCEPTED_WARNINGS.filter((w) => w.stack === stack).map((w) => w.warning);
        expect(warnings.filter((w) => !accepted.includes(w))).toEqual([]);
    });
});

describe("planted defects, judged by the same server", () => {
    let run: Run;
    let planted: K8sObject[];

    beforeAll(async () => {
        const objects = rendered.prod.map((d) => d.object);
        const find = (kind: string, name: string) => {
            const o = objects.find((x) => x.kind === kind && x.metadata?.name === name);
            if (o === undefined) throw new Error(`prod renders no ${kind} ${name}`);
            return structuredClone(o);
        };
        // The Pod's namespace and ServiceAccount for real: the ServiceAccount admission
        // refuses a Pod whose account does not exist before Pod Security judges it.
        const made = objects.filter(
            (o) =>
                (o.kind === "Namespace" && o.metadata.name === "med-agi") || (o.kind === "ServiceAccount" && o.metadata.name === "imaging"),
        );
        expect(made.length).toBe(2);
        const applied = await kubectl(
            ["apply", "--server-side", "--force-conflicts", `--field-manager=${FIELD_MANAGER}`, "-f", "-"],
            yamlStream(made),
        );
        expect({ code: applied.code, stderr: applied.stderr }).toEqual({ code: 0, stderr: "" });

        const privilegedDeployment = find("Deployment", "imaging");
        privilegedDeployment.metadata.name = "planted-privileged";
        privilegedDeployment.spec.template.spec.containers[0].securityContext = { privileged: true };
        const privilegedPod = {
            apiVersion: "v1",
            kind: "Pod",
            metadata: { name: "planted-privileged", namespace: "med-agi" },
            spec: privilegedDeployment.spec.template.spec,
        };
        const misspelt = find("Deployment", "ekg");
        misspelt.metadata.name = "planted-misspelt";
        misspelt.spec.template.spec.containers[0].imagePullPolicyy = "Always";
        const monitor = objects.find((o) => o.kind === "ServiceMonitor")!;
        const misspeltMonitor = structuredClone(monitor);
        misspeltMonitor.metadata.name = "planted-misspelt";
        misspeltMonitor.spec.endpointz = [];
        planted = [privilegedDeployment, privilegedPod, misspelt, misspeltMonitor];
        run = await kubectl(
            ["apply", "--server-side", "--dry-run=server", "--validate=strict", `--field-manager=${FIELD_MANAGER}`, "-f", "-"],
            yamlStream(planted),
        );
    }, 60_000);

    it("refuses a privileged Pod in med-agi (PodSecurity restricted, enforced)", () => {
        expect(run.code).not.toBe(0);
        expect(run.stderr).toMatch(
            /pods "planted-privileged" is forbidden: violates PodSecurity "restricted:latest":[^\n]*privileged \(container "imaging" must not set securityContext\.privileged=true\)/,
        );
    });

    it("warns about a privileged Deployment in med-agi", () => {
        expect(run.stderr).toMatch(
            /Warning: would violate PodSecurity "restricted:latest":[^\n]*privileged \(container "imaging" must not set securityContext\.privileged=true\)/,
        );
        expect(run.stdout).toContain("deployment.apps/planted-privileged serverside-applied (server dry run)");
    });

    it("refuses a misspelt field of a core object and of a custom resource (strict field validation)", () => {
        expect(run.stderr).toMatch(
            /\(med-agi\/planted-misspelt; apps\/v1, Kind=Deployment\): \.spec\.template\.spec\.containers\[name="ekg"\]\.imagePullPolicyy: field not declared in schema/,
        );
        expect(run.stderr).toMatch(
            /\(med-agi\/planted-misspelt; monitoring\.coreos\.com\/v1, Kind=ServiceMonitor\): \.spec\.endpointz: field not declared in schema/,
        );
        expect(run.stdout).not.toMatch(/planted-misspelt/);
    });
});
