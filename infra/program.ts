/**
 * The Med-AGI platform: composes the layers of DESIGN.md for one stack.
 * Only composition lives here; every component and builder is tested on its own.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import * as pulumi from "@pulumi/pulumi";

import { declareAuthz } from "./authz/platform";
import { cloudStackOutputs, declareCloud, type CloudStackOutputs } from "./aws/platform";
import { declareBackups } from "./backups/platform";
import { CONFIG_NAMESPACE, loadConfig, SECRET_CONFIG_KEYS, type PlatformConfig, type SecretInputs } from "./config";
import { caBundleProblem } from "./datastores";
import { RDS_GLOBAL_BUNDLE_URL } from "./datastores/config";
import { declareDataStoreMonitoring, declareDataStores } from "./datastores/platform";
import { declareIdentity } from "./identity/platform";
import { deploysGpuTriton, type TritonEndpoints } from "./inference";
import { declareTriton, resolvePlatformInference } from "./inference/platform";
import { declareIngressPath } from "./ingress/platform";
import { declareCluster } from "./k8s/cluster";
import { declareLogRotation } from "./logrotate/platform";
import { declareNetwork } from "./network/platform";
import { declareObservability } from "./observability/platform";
import { declareServices, type ServiceOutput } from "./services/platform";
import { declareSmoke } from "./smoke/platform";
import { ConfigValidationError, problem } from "./validation";

/** Stack outputs (`pulumi stack output`). */
export interface PlatformOutputs {
    readonly environment: string;
    readonly release: string;
    readonly namespace: pulumi.Output<string>;
    readonly services: Record<string, ServiceOutput>;
    readonly monitoring: { namespace: pulumi.Output<string>; alertRules: pulumi.Output<string[]> };
    readonly inference: { tritonGpu: boolean; modelsVersion: string; endpoints: TritonEndpoints };
    /** staging/prod: what the cloud layer created. */
    readonly cloud?: CloudStackOutputs;
    /** staging/prod: the EKS kubeconfig (a secret output of its own, so the rest of `cloud` stays readable). */
    readonly kubeconfig?: pulumi.Output<string>;
}

/**
 * What the program reads from outside at the edge. `pulumi up` passes
 * nothing (the defaults fetch for real); the offline render stands in for the
 * network (tools/lib/render-stack.ts).
 */
export interface PlatformEdge {
    /** Fetches an https URL's text (default: Node's fetch, TLS-verified). */
    readonly fetchText?: (url: string) => Promise<string>;
    /** Offline render: the text the RDS CA ConfigMap holds instead of the fetched bundle. */
    readonly rdsCaBundleStandIn?: string;
}

/** Declares every resource of the stack; config is validated before the first one. */
export async function main(edge: PlatformEdge = {}): Promise<PlatformOutputs> {
    const config = loadConfig(projectRoot());
    return declarePlatform(config, { caBundle: await loadCaBundle(config, edge) });
}

/**
 * The directory of Pulumi.yaml and the stack files: the CLI's project root,
 * else (the offline render, run from the project) the working directory.
 */
export function projectRoot(): string {
    const root = pulumi.runtime.getRootDirectory();
    return root !== "" && fs.existsSync(path.join(root, "Pulumi.yaml")) ? root : process.cwd();
}

async function fetchText(url: string): Promise<string> {
    const res = await fetch(url, { redirect: "error", signal: AbortSignal.timeout(30_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return res.text();
}

/** The command that puts the bundle on the deploying machine, for an air-gapped `pulumi up`. */
export const RDS_CA_FILE_COMMAND = `curl -fsSLo rds-global-bundle.pem ${RDS_GLOBAL_BUNDLE_URL} && pulumi config set --path med-agi:dataStores.postgres.caFile "$PWD/rds-global-bundle.pem"`;

/**
 * staging/prod with `dataStores.postgres.manageCaConfigMap` (the default): the
 * RDS CA bundle the stack's ConfigMap holds. From `caFile` when set; otherwise
 * fetched from AWS over HTTPS at `pulumi up`, checked before any resource is
 * registered, and the error names the command that makes `caFile` instead.
 */
export async function loadCaBundle(config: PlatformConfig, edge: PlatformEdge = {}): Promise<string | undefined> {
    const pgc = config.dataStores.postgres;
    if (config.environment === "dev" || !pgc.manageCaConfigMap) return undefined;
    if (pgc.caFile !== undefined) return readCaBundle(config);
    if (edge.rdsCaBundleStandIn !== undefined) return edge.rdsCaBundleStandIn;
    const fail = (why: string) =>
        new ConfigValidationError(config.stack, [
            problem(
                "dataStores.postgres.caFile",
                "(unset)",
                `a PEM bundle: unset, the RDS CA bundle is fetched from ${RDS_GLOBAL_BUNDLE_URL}, which failed (${why}); where pulumi up has no internet access, run: ${RDS_CA_FILE_COMMAND}`,
            ),
        ]);
    let pem: string;
    try {
        pem = await (edge.fetchText ?? fetchText)(RDS_GLOBAL_BUNDLE_URL);
    } catch (err) {
        throw fail((err as Error).message);
    }
    const why = caBundleProblem(pem);
    if (why !== undefined) throw fail(why);
    return pem;
}

/**
 * staging/prod with `dataStores.postgres.manageCaConfigMap` and `caFile`: the
 * PEM at `caFile`, read and checked before any resource is registered.
 */
export function readCaBundle(config: PlatformConfig): string | undefined {
    const pgc = config.dataStores.postgres;
    if (config.environment === "dev" || !pgc.manageCaConfigMap || pgc.caFile === undefined) return undefined;
    let pem: string;
    try {
        pem = fs.readFileSync(pgc.caFile, "utf8");
    } catch (err) {
        throw new ConfigValidationError(config.stack, [
            problem(
                "dataStores.postgres.caFile",
                pgc.caFile,
                `a readable PEM file on the machine running pulumi up (${(err as Error).message})`,
            ),
        ]);
    }
    const why = caBundleProblem(pem);
    if (why !== undefined)
        throw new ConfigValidationError(config.stack, [problem("dataStores.postgres.caFile", pgc.caFile, `a CA bundle: ${why}`)]);
    return pem;
}

/** Files read at the edge (`main`), so that declaring stays free of I/O. */
export interface PlatformFiles {
    /** The server CA bundle PEM that becomes `dataStores.postgres.caConfigMap` (staging/prod, manageCaConfigMap). */
    readonly caBundle?: string;
}

/**
 * Declares the platform, one step per layer, in the order its resources are
 * registered. Each step lives in the module that owns its layer.
 */
export function declarePlatform(config: PlatformConfig, files: PlatformFiles = {}): PlatformOutputs {
    const secrets = secretInputs(config);
    const cloud = declareCloud(config, secrets);
    const { provider, registry, namespace } = declareCluster(config, cloud);
    const dataStores = declareDataStores(config, provider, namespace, cloud, files.caBundle);
    const ingressPath = declareIngressPath(config, provider);
    const identity = declareIdentity(config, secrets, provider, [namespace, ...ingressPath]);
    const backups = declareBackups(config, secrets, dataStores, cloud, { provider, dependsOn: [namespace] });
    const logRotation = declareLogRotation(config, registry, provider);
    const inference = resolvePlatformInference(config, cloud, dataStores);
    const tritonGpu = deploysGpuTriton(inference);
    const observability = declareObservability(
        config,
        secrets,
        { dataStores, identity, backups: backups !== undefined, tritonGpu },
        { provider, dependsOn: [namespace, ...ingressPath] },
    );
    const monitoringStack = observability.stack;
    declareDataStoreMonitoring(dataStores, monitoringStack, provider, namespace);
    const triton = declareTriton(config, inference, cloud, monitoringStack, { provider, dependsOn: [namespace] });
    declareAuthz(config, monitoringStack, { provider, dependsOn: [namespace] });
    const services = declareServices(
        config,
        { registry, namespace: namespace.name, dataStores, identity, triton, monitoringStack },
        provider,
    );
    declareSmoke(config, registry, { provider, dependsOn: [namespace, triton, ...services.resources] });
    declareNetwork(
        config,
        { cloud, ingressPath: ingressPath.length > 0, tritonGpu, backups: backups !== undefined, logRotation: logRotation !== undefined },
        { provider, dependsOn: [namespace, dataStores, observability, ...(logRotation === undefined ? [] : [logRotation])] },
    );
    return {
        environment: config.environment,
        release: config.release,
        namespace: namespace.name,
        services: services.outputs,
        monitoring: { namespace: observability.monitoringNamespace, alertRules: observability.prometheusRuleNames },
        inference: { tritonGpu: triton.tritonGpu, modelsVersion: inference.models.version, endpoints: triton.endpoints },
        ...cloudStackOutputs(cloud),
    };
}

/** The credentials that are set, read as Pulumi secrets (never as plain values). */
function secretInputs(config: PlatformConfig): SecretInputs {
    const stackConfig = new pulumi.Config(CONFIG_NAMESPACE);
    return Object.fromEntries(
        SECRET_CONFIG_KEYS.filter((key) => config.secretsSet.has(key)).map((key) => [key, stackConfig.requireSecret(key)]),
    );
}
