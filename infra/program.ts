/**
 * The Med-AGI platform: composes the layers of DESIGN.md for one stack.
 * Only composition lives here; every component and builder is tested on its own.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import * as pulumi from "@pulumi/pulumi";

import * as secretsmanager from "@pulumi/aws/secretsmanager";
import * as random from "@pulumi/random";

import { OPA_LOG_SOURCE, OpaAuthz, opaClientEnv } from "./authz";
import { CloudLayer, type CloudOutputs } from "./aws";
import { POSTGRES_PORT, RDS_MASTER_USER } from "./aws/database";
import { Backups, CRONJOB_NAMES } from "./backups";
import {
    backupsArgsFor,
    CONFIG_NAMESPACE,
    type BackupSigningKeys,
    loadConfig,
    SECRET_CONFIG_KEYS,
    type PlatformConfig,
    type SecretConfigKey,
} from "./config";
import { RDS_GLOBAL_BUNDLE_URL } from "./datastores/config";
import { deploysGpuTriton, resolveInferenceSettings, Triton, tritonClientEnv, type TritonEndpoints } from "./inference";
import {
    CA_MOUNT_PATH,
    caBundleProblem,
    DataStoreMonitoring,
    DataStores,
    DATABASE_SERVICES,
    objectStoreEndpoint,
    OPERATOR_NAMESPACES,
    ROLE_NAMES,
    roleSecretName,
    type CaRef,
    type DatabaseService,
} from "./datastores";
import {
    browserAuthAnnotations,
    DOCS_PATHS,
    grafanaIdentityValues,
    httpsAnnotations,
    Identity,
    oidcServiceEnv,
    SECURITY_HEADERS_CONFIGMAP,
    securityHeaders,
} from "./identity";
import { IngressPath } from "./ingress";
import { clusterProvider } from "./k8s/provider";
import { NetworkIsolation, pacsClientEnv, PRIVATE_RANGES } from "./network";
import { ConfigValidationError, problem } from "./validation";
import { LogRotation } from "./logrotate";
import { PlatformNamespace } from "./namespace";
import { Observability, resolveObservabilitySettings } from "./observability";
import { resolveSiemOutput } from "./observability/config";
import { NAMESPACE, SERVICE_NAMES, SERVICES, type ServiceName } from "./runbook";
import { fromRegistry, imageRef, MedAgiService } from "./services";
import { PostDeploySmoke, SMOKE_IMAGE } from "./smoke";

/** Stack outputs (`pulumi stack output`). */
export interface PlatformOutputs {
    readonly environment: string;
    readonly release: string;
    readonly namespace: pulumi.Output<string>;
    readonly services: Record<
        string,
        { port: number; image: string; clusterUrl: pulumi.Output<string>; url: pulumi.Output<string | undefined> }
    >;
    readonly monitoring: { namespace: pulumi.Output<string>; alertRules: pulumi.Output<string[]> };
    readonly inference: { tritonGpu: boolean; modelsVersion: string; endpoints: TritonEndpoints };
    /** staging/prod: what the cloud layer created (issue 8 "Outputs"). */
    readonly cloud?: {
        readonly clusterName: pulumi.Output<string>;
        readonly updateKubeconfigCommand: string;
        readonly registry: string;
        readonly buckets: { readonly models: pulumi.Output<string>; readonly backups: pulumi.Output<string> };
        readonly rdsEndpoint: pulumi.Output<string>;
    };
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

export function declarePlatform(config: PlatformConfig, files: PlatformFiles = {}): PlatformOutputs {
    const secrets = secretInputs(config);
    // staging/prod: the cloud layer provides the cluster, registry, database, buckets and roles (dev has none).
    const cloud =
        config.environment === "dev" || config.cloud === undefined
            ? undefined
            : new CloudLayer("cloud", {
                  stack: config.stack,
                  environment: config.environment,
                  config: config.cloud,
                  // On-call operators read the platform's namespaces (docs/identity.md).
                  viewNamespaces: [NAMESPACE, config.monitoring.namespace],
                  ...(resolveSiemOutput(config) === "http" &&
                  config.siem.host !== undefined &&
                  config.siem.deliveryAlarmEmail !== undefined &&
                  secrets.siemToken !== undefined
                      ? {
                            siem: {
                                host: config.siem.host,
                                uri: config.siem.uri,
                                receiver: config.siem.receiver,
                                alarmEmail: config.siem.deliveryAlarmEmail,
                                token: secrets.siemToken,
                            },
                        }
                      : {}),
              }).outputs;
    const registry = cloud?.registry ?? config.registry;
    const provider =
        cloud?.kubernetes ??
        clusterProvider("kubernetes", { ...(config.kubeContext === undefined ? {} : { context: config.kubeContext }) });
    const namespace = new PlatformNamespace("platform", { name: NAMESPACE }, { provider, protect: config.protect });

    const dataStores = declareDataStores(config, provider, namespace, cloud, files.caBundle);
    // staging/prod: the controller, IngressClass, cert-manager and ClusterIssuer the Ingresses need (dev: the local cluster's).
    const ingressPath = declareIngressPath(config, provider);
    const identity = declareIdentity(config, secrets, provider, [namespace, ...ingressPath]);

    const backupArgs = dataStoreBackupArgs(config, dataStores, backupSigningKeys(config, secrets), cloud);
    const backups = backupArgs === undefined ? undefined : new Backups("backups", backupArgs, { provider, dependsOn: [namespace] });
    const logRotation = !config.logrotate.enabled
        ? undefined
        : new LogRotation(
              "logrotate",
              { config: config.logrotate, image: fromRegistry(registry, config.logrotate.image), version: config.release },
              { provider },
          );

    // Resolved once: the same settings decide the Triton component and its alerts.
    // In the cloud, the models bucket is in the cloud layer's region and the GPU
    // pool is selected by the label the cloud layer gives its nodes.
    // In dev, Triton reads the models bucket of the in-cluster S3-compatible store.
    const resolved = resolveInferenceSettings(
        config.environment,
        config.inference,
        cloud !== undefined
            ? { ...config.objectStorage, region: cloud.region }
            : dataStores.objectStore === undefined
              ? config.objectStorage
              : {
                    ...config.objectStorage,
                    endpointUrl: config.objectStorage.endpointUrl ?? dataStores.objectStore.endpointUrl,
                    credentialsSecret: config.objectStorage.credentialsSecret ?? dataStores.objectStore.credentialsSecret,
                },
    );
    const inference =
        cloud === undefined || resolved.gpu === undefined
            ? resolved
            : {
                  ...resolved,
                  gpu: {
                      ...resolved.gpu,
                      nodeSelector: { ...resolved.gpu.nodeSelector, [cloud.triton.nodeSelector.key]: cloud.triton.nodeSelector.value },
                  },
              };
    const observability = new Observability(
        "observability",
        {
            // Resolved once, here at the edge; the component only reads the result.
            settings: resolveObservabilitySettings(config),
            services: SERVICE_NAMES.map((name) => SERVICES[name]),
            secrets,
            namespace: NAMESPACE,
            // The StatefulSets of the in-cluster stores (ECK, and the S3 store in dev).
            dataStores: dataStores.statefulSets,
            // PostgreSQL (CloudNativePG has no StatefulSet), Elasticsearch status and data-store volumes.
            dataStoreHealth: dataStores.health,
            backups: backups !== undefined,
            // Where the GPU Triton is deployed, a missing or unready deployment/triton pages.
            tritonGpu: deploysGpuTriton(inference),
            // Grafana: ConfigMap-only RBAC; with OIDC, login through the same issuer, behind oauth2-proxy.
            grafanaIdentity: {
                values: grafanaIdentityValues({
                    oidc: config.oidc,
                    namespace: config.monitoring.namespace,
                    ...(config.ingress.enabled ? { ingress: config.ingress } : {}),
                }),
                // Grafana's own client secret: never oauth2-proxy's.
                ...(config.oidc === undefined || secrets.grafanaOidcClientSecret === undefined
                    ? {}
                    : { oidcClientSecret: secrets.grafanaOidcClientSecret }),
                // nginx reads custom-headers only from the Ingress's own namespace.
                ...(config.ingress.enabled
                    ? { configMaps: [{ name: SECURITY_HEADERS_CONFIGMAP, data: securityHeaders(config.ingress.hsts) }] }
                    : {}),
                dependsOn: identity.prerequisites,
            },
            // OPA's decision log (its stdout) reaches the SIEM through an input of its own.
            decisionLogs: OPA_LOG_SOURCE,
        },
        // Grafana's Ingress waits for the ingress path too.
        { provider, dependsOn: [namespace, ...ingressPath] },
    );

    // The data stores' scrape targets need the monitoring stack's CRDs: declared after it.
    new DataStoreMonitoring(
        "datastore-monitoring",
        {
            inClusterPostgres: dataStores.health.postgres !== undefined,
            elasticsearchCredentialsSecret: dataStores.elasticsearch.exporterSecret,
            k8sProvider: provider,
            dependsOn: [observability.stack, dataStores],
        },
        { dependsOn: [namespace] },
    );

    const triton = new Triton(
        "triton",
        {
            settings: inference,
            namespace: NAMESPACE,
            ...(cloud === undefined ? {} : { modelBucket: cloud.triton.modelsBucket, roleArn: cloud.triton.roleArn }),
            monitoring: { namespace: config.monitoring.namespace, dependsOn: [observability.stack] },
        },
        { provider, dependsOn: [namespace] },
    );

    // Authorisation: OPA serves the generic policy with the stack's grant table (infra/authz, docs/security.md).
    new OpaAuthz(
        "authz",
        {
            settings: config.authz,
            namespace: NAMESPACE,
            imagePullPolicy: config.imagePullPolicy,
            topologySpread: config.topologySpread,
            serviceMonitor: { enabled: true, dependsOn: [observability.stack] },
        },
        { provider, dependsOn: [namespace] },
    );

    const services: PlatformOutputs["services"] = {};
    const serviceResources: MedAgiService[] = [];
    for (const name of SERVICE_NAMES) {
        const settings = config.services[name];
        const image = imageRef(registry, name, settings.tag);
        const service = new MedAgiService(
            name,
            {
                service: SERVICES[name],
                namespace: namespace.name,
                image,
                settings,
                imagePullPolicy: config.imagePullPolicy,
                // Each service's database and search credentials come from its own Secrets; endpoints from one place
                // (the data stores' outputs); imaging calls Triton through the failover Service, and may reach either pool directly.
                ...serviceDataStoreWiring(name, dataStores),
                env: [
                    ...searchClientEnv(dataStores),
                    // Every request is authorised by OPA: OPA_URL and OPA_DECISION_PATH.
                    ...opaClientEnv(),
                    ...(name === "imaging" ? tritonClientEnv(triton.endpoints) : []),
                    // Bearer tokens on the API are validated by the service against this issuer and audience.
                    ...(config.oidc === undefined ? [] : oidcServiceEnv(config.oidc)),
                    // …and talks DICOM to the PACS when one is configured (docs/network.md).
                    ...(name === "imaging" ? pacsClientEnv(config.pacs) : []),
                ],
                imagePullSecrets: config.imagePullSecrets,
                topologySpread: config.topologySpread,
                // The monitoring release installs the ServiceMonitor CRD.
                serviceMonitor: { enabled: true, dependsOn: [observability.stack] },
                ...(config.ingress.enabled
                    ? {
                          ingress: {
                              className: config.ingress.className,
                              host: `${name}.${config.ingress.domain}`,
                              ...(config.ingress.clusterIssuer === undefined ? {} : { clusterIssuer: config.ingress.clusterIssuer }),
                              // HTTPS redirect and HSTS explicitly; the stack's own annotations last.
                              annotations: { ...httpsAnnotations(NAMESPACE), ...config.ingress.annotations },
                              // The browser paths (/docs …) behind oauth2-proxy; the API takes bearer tokens.
                              ...(identity.oauth2Proxy === undefined
                                  ? {}
                                  : { docs: { paths: DOCS_PATHS, annotations: browserAuthAnnotations(config.ingress.domain) } }),
                          },
                      }
                    : {}),
            },
            { provider, dependsOn: identity.prerequisites },
        );
        services[name] = { port: SERVICES[name].port, image, clusterUrl: service.clusterUrl, url: service.url };
        serviceResources.push(service);
    }

    // Post-deploy smoke test: `pulumi up` waits for this Job, and fails if any service is down.
    new PostDeploySmoke(
        "smoke",
        { namespace: NAMESPACE, image: fromRegistry(registry, SMOKE_IMAGE), release: config.release },
        // After every service and Triton (imaging's /v1/triton/health is one of the checks).
        { provider, dependsOn: [namespace, triton, ...serviceResources] },
    );

    // Network isolation: default-deny in every namespace the platform runs, then one allow per flow (docs/network.md).
    const siemOutput = resolveSiemOutput(config);
    new NetworkIsolation("network", {
        plan: {
            namespace: NAMESPACE,
            services: SERVICE_NAMES.map((name) => ({
                name,
                port: SERVICES[name].port,
                database: (DATABASE_SERVICES as readonly string[]).includes(name),
                inference: name === "imaging",
                pacs: name === "imaging",
            })),
            ingressControllerNamespace: config.ingress.controllerNamespace,
            // The stack's ClusterIssuer solves HTTP-01 in med-agi (staging/prod, infra/ingress).
            acmeHttp01: ingressPath.length > 0 && config.ingress.clusterIssuer !== undefined,
            monitoringNamespace: config.monitoring.namespace,
            // staging/prod: RDS in the VPC and S3 (config requires the cloud layer there); dev: the in-cluster stores.
            database:
                cloud !== undefined ? { kind: "external", cidrs: [cloud.network.vpcCidr], port: POSTGRES_PORT } : { kind: "in-cluster" },
            objectStore:
                cloud !== undefined
                    ? { kind: "aws", s3Cidrs: cloud.network.s3Cidrs, stsCidrs: cloud.network.stsCidrs }
                    : {
                          kind: "in-cluster",
                          implementation: config.dataStores.objectStore.implementation,
                          port: Number(new URL(objectStoreEndpoint(config.dataStores.objectStore.implementation)).port),
                      },
            tritonGpu: deploysGpuTriton(inference),
            backups: backups === undefined ? [] : Object.values(CRONJOB_NAMES),
            apiServer: {
                cidrs: config.network.apiServerCidrs ?? (cloud !== undefined ? [cloud.network.vpcCidr] : [...PRIVATE_RANGES]),
                ports: [443, 6443],
            },
            ...(config.pacs === undefined ? {} : { pacs: { cidr: config.pacs.cidr, port: config.pacs.port } }),
            ...(config.oidc === undefined || config.network.oidcIssuerCidrs === undefined
                ? {}
                : { oidcIssuer: { cidrs: config.network.oidcIssuerCidrs } }),
            operators: {
                ...(cloud === undefined ? { cnpg: OPERATOR_NAMESPACES.cnpg } : {}),
                eck: OPERATOR_NAMESPACES.eck,
            },
            ...(siemOutput === "off"
                ? {}
                : {
                      logging: {
                          namespace: config.siem.namespace,
                          ...(siemOutput === "http" && config.network.siemCidrs !== undefined
                              ? { siem: { cidrs: config.network.siemCidrs, port: config.siem.port } }
                              : {}),
                      },
                  }),
            ...(logRotation === undefined ? {} : { nodeNamespace: config.logrotate.namespace }),
            monitoring: {
                // The nodes' addresses: the VPC in the cloud, the private ranges of a local cluster.
                nodeCidrs: cloud !== undefined ? [cloud.network.vpcCidr] : [...PRIVATE_RANGES],
                receiverPorts: alertReceiverPorts(config),
            },
            // No External Secrets namespace: no stack deploys the operator (its one ExternalSecret, a copy of the
            // RDS master credential, is gone: issue 18, finding 11), so no NetworkPolicy for it either.
        },
        provider,
        dependsOn: [namespace, dataStores, observability, ...(logRotation === undefined ? [] : [logRotation])],
    });

    return {
        environment: config.environment,
        release: config.release,
        namespace: namespace.name,
        services,
        monitoring: { namespace: observability.monitoringNamespace, alertRules: observability.prometheusRuleNames },
        inference: { tritonGpu: triton.tritonGpu, modelsVersion: inference.models.version, endpoints: triton.endpoints },
        ...(cloud === undefined
            ? {}
            : {
                  cloud: {
                      clusterName: cloud.clusterName,
                      updateKubeconfigCommand: cloud.updateKubeconfigCommand,
                      registry: cloud.registry,
                      buckets: cloud.buckets,
                      rdsEndpoint: cloud.database.endpoint,
                  },
                  kubeconfig: cloud.kubeconfig,
              }),
    };
}

/** ELASTICSEARCH_URL and the CA file that verifies it (TLS on), for every service. */
function searchClientEnv(stores: DataStores): { name: string; value: string }[] {
    return [
        { name: "ELASTICSEARCH_URL", value: stores.elasticsearch.url },
        { name: "ELASTICSEARCH_CA_CERT", value: `${stores.elasticsearch.caMountPath}/ca.crt` },
    ];
}

/**
 * A service's data-store Secrets (`envFrom`) and CA files: its PostgreSQL role's Secret and the
 * server CA where PGSSLROOTCERT points (sslmode verify-full), its Elasticsearch user's Secret
 * (ELASTICSEARCH_USERNAME/PASSWORD) and ECK's HTTP CA where ELASTICSEARCH_CA_CERT points.
 */
function serviceDataStoreWiring(
    name: ServiceName,
    stores: DataStores,
): { envFromSecrets: string[]; files: { name: string; mountPath: string; fileName: string; source: CaRef }[] } {
    const envFromSecrets: string[] = [];
    const files: { name: string; mountPath: string; fileName: string; source: CaRef }[] = [];
    if ((DATABASE_SERVICES as readonly string[]).includes(name)) {
        envFromSecrets.push(stores.postgres.roleSecrets[name as DatabaseService] as string);
        files.push({ name: "postgres-ca", mountPath: CA_MOUNT_PATH, fileName: "ca.crt", source: stores.postgres.connection.ca });
    }
    const search = stores.elasticsearch.clientSecrets[name];
    if (search !== undefined) {
        envFromSecrets.push(search);
        files.push({
            name: "elasticsearch-ca",
            mountPath: stores.elasticsearch.caMountPath,
            fileName: "ca.crt",
            source: stores.elasticsearch.ca,
        });
    }
    return { envFromSecrets, files };
}

/**
 * Identity and access (docs/identity.md): the OIDC client Secret and
 * oauth2-proxy, the HSTS header ConfigMaps and Grafana's ClusterRole. dev may
 * run without an IdP: a warning, and no auth proxy.
 */
function declareIdentity(
    config: PlatformConfig,
    secrets: Partial<Record<SecretConfigKey, pulumi.Output<string>>>,
    provider: ReturnType<typeof clusterProvider>,
    dependsOn: pulumi.Resource[],
): Identity {
    if (config.oidc === undefined) {
        pulumi.log.warn(
            `no OIDC provider configured (med-agi:oidc): the services' /docs and Grafana are NOT behind a login in ${config.stack}. ` +
                "Set one with: pulumi config set --path med-agi:oidc.issuerUrl https://<your-idp>/ && pulumi config set --path med-agi:oidc.clientId <client-id> && pulumi config set --secret med-agi:oidcClientSecret <client-secret>",
        );
    }
    return new Identity(
        "identity",
        {
            oidc: config.oidc,
            ...(secrets.oidcClientSecret === undefined ? {} : { clientSecret: secrets.oidcClientSecret }),
            ...(secrets.oauth2ProxyCookieSecret === undefined ? {} : { cookieSecret: secrets.oauth2ProxyCookieSecret }),
            proxyReplicas: config.oidc?.proxyReplicas ?? (config.environment === "dev" ? 1 : 2),
            ...(config.ingress.enabled
                ? {
                      ingress: {
                          domain: config.ingress.domain,
                          className: config.ingress.className,
                          ...(config.ingress.clusterIssuer === undefined ? {} : { clusterIssuer: config.ingress.clusterIssuer }),
                          hsts: config.ingress.hsts,
                      },
                  }
                : {}),
            grafana: config.monitoring.grafana.enabled,
            // No External Secrets: the only secret it synced was a copy of the RDS master (superuser)
            // credential that no pod used (issue 18, finding 11). The program reads that secret itself.
            protect: config.protect,
        },
        { provider, dependsOn },
    );
}

/** The ports Alertmanager's receivers listen on: HTTPS (Slack, PagerDuty, the SIEM webhook) and the SMTP relay's, when e-mail is used. */
function alertReceiverPorts(config: PlatformConfig): number[] {
    const team = config.alerting.team;
    const smtp = team.kind === "email" ? Number(team.smarthost.split(":").pop()) : undefined;
    return smtp === undefined || smtp === 443 ? [443] : [443, smtp];
}

/**
 * The ingress path (issue 18 finding 4, docs/identity.md): in staging/prod
 * Traefik serves the Ingresses' class and cert-manager the ClusterIssuer they
 * name; dev uses the controller its local cluster brings (infra/k8s/local-cluster.ts).
 * Returns what Ingresses wait on.
 */
function declareIngressPath(config: PlatformConfig, provider: ReturnType<typeof clusterProvider>): pulumi.Resource[] {
    if (config.environment === "dev" || !config.ingress.enabled) return [];
    const issuer = config.ingress.clusterIssuer;
    const email = config.ingress.acmeEmail;
    return new IngressPath(
        "ingress",
        {
            className: config.ingress.className,
            replicas: config.environment === "prod" ? 3 : 2,
            ...(issuer === undefined || email === undefined ? {} : { clusterIssuer: { name: issuer, email } }),
            protect: config.protect,
        },
        { provider },
    ).ready;
}

/** The data stores: in-cluster PostgreSQL in dev, the configured server (RDS) in staging/prod. */
function declareDataStores(
    config: PlatformConfig,
    provider: ReturnType<typeof clusterProvider>,
    namespace: PlatformNamespace,
    cloud: CloudOutputs | undefined,
    caBundle: string | undefined,
): DataStores {
    const db = config.database;
    const pgc = config.dataStores.postgres;
    const admin = (password: pulumi.Input<string>, username = pgc.adminUser) => ({
        username,
        password,
        ...(pgc.adminHost === undefined ? {} : { host: pgc.adminHost }),
        ...(pgc.adminPort === undefined ? {} : { port: pgc.adminPort }),
        ...(pgc.caFile === undefined ? {} : { caFile: pgc.caFile }),
    });
    const ca = { kind: "configMap" as const, name: pgc.caConfigMap, key: "ca.crt" };
    // With manageCaConfigMap the program declares that ConfigMap from the PEM at caFile (read in main()).
    const bundle = caBundle === undefined ? {} : { caBundle };
    const external =
        cloud !== undefined
            ? // RDS keeps its master password in Secrets Manager (manageMasterUserPassword): read there, never in config.
              {
                  kind: "external" as const,
                  host: cloud.database.host,
                  port: cloud.database.port,
                  ca,
                  ...bundle,
                  admin: admin(rdsMasterPassword(cloud), RDS_MASTER_USER),
              }
            : config.environment === "dev" || db.host === undefined
              ? undefined
              : {
                    kind: "external" as const,
                    host: db.host,
                    port: db.port,
                    ca,
                    ...bundle,
                    admin: admin(new pulumi.Config(CONFIG_NAMESPACE).requireSecret("databaseAdminPassword")),
                };
    return new DataStores(
        "datastores",
        {
            environment: config.environment,
            config: config.dataStores,
            ...(external === undefined ? {} : { externalPostgres: external }),
            buckets: [config.objectStorage.modelBucket, config.objectStorage.backupBucket],
            protect: config.protect,
            k8sProvider: provider,
            dependsOn: [namespace],
        },
        { dependsOn: [namespace] },
    );
}

/** The RDS master password, from the Secrets Manager secret RDS manages (JSON with `username` and `password`). */
function rdsMasterPassword(cloud: CloudOutputs): pulumi.Output<string> {
    // Through the stack's provider: its region and allowedAccountIds, never the ambient default provider.
    const version = secretsmanager.getSecretVersionOutput(
        { secretId: cloud.database.masterUserSecretArn },
        { provider: cloud.awsProvider },
    );
    return pulumi.secret(version.secretString.apply((s) => (JSON.parse(s) as { password: string }).password));
}

/** The backup jobs' args: the backup role for the dump, the restore role for the drill, verify-full against the server's CA. */
function dataStoreBackupArgs(
    config: PlatformConfig,
    stores: DataStores,
    signing: BackupSigningKeys,
    cloud: CloudOutputs | undefined,
): ReturnType<typeof backupsArgsFor> {
    const c = stores.postgres.connection;
    const objectStorage =
        stores.objectStore === undefined
            ? config.objectStorage
            : {
                  ...config.objectStorage,
                  endpointUrl: stores.objectStore.endpointUrl,
                  credentialsSecret: stores.objectStore.credentialsSecret,
              };
    const args =
        cloud === undefined
            ? backupsArgsFor(
                  { ...config, database: { ...config.database, host: c.host as string, port: c.port as number }, objectStorage },
                  signing,
              )
            : backupsArgsFor(config, signing, cloud);
    if (args === undefined) return undefined;
    return {
        ...args,
        postgres: {
            ...args.postgres,
            user: ROLE_NAMES.backup,
            passwordSecret: { name: roleSecretName(ROLE_NAMES.backup), key: "password" },
            drill: { user: ROLE_NAMES.restore, passwordSecret: { name: roleSecretName(ROLE_NAMES.restore), key: "password" } },
            ca: c.ca,
        },
        config: { ...config.backups, postgresSslMode: config.backups.postgresSslMode ?? "verify-full" },
    };
}

/**
 * The backup manifest signing keys. staging and prod must set `backupSigningKey`
 * (config validation refuses them without it); dev generates one when none is
 * set, kept in the stack's encrypted state, so the embedded default needs no setup.
 */
function backupSigningKeys(config: PlatformConfig, secrets: Partial<Record<SecretConfigKey, pulumi.Output<string>>>): BackupSigningKeys {
    const key =
        secrets.backupSigningKey ??
        (config.environment === "dev" && config.backups.enabled
            ? new random.RandomPassword("backup-signing-key", { length: 64, special: false }).result
            : undefined);
    return {
        ...(key === undefined ? {} : { backupSigningKey: key }),
        ...(secrets.backupSigningKeyPrevious === undefined ? {} : { backupSigningKeyPrevious: secrets.backupSigningKeyPrevious }),
    };
}

/** The credentials that are set, read as Pulumi secrets (never as plain values). */
function secretInputs(config: PlatformConfig): Partial<Record<SecretConfigKey, pulumi.Output<string>>> {
    const stackConfig = new pulumi.Config(CONFIG_NAMESPACE);
    return Object.fromEntries(
        SECRET_CONFIG_KEYS.filter((key) => config.secretsSet.has(key)).map((key) => [key, stackConfig.requireSecret(key)]),
    );
}
