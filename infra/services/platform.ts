/**
 * The services step of the platform: one MedAgiService per service, wired to
 * its data-store credentials and CAs, OPA, Triton (imaging), the OIDC issuer
 * and, with Ingresses on, its host behind HTTPS.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";

import { opaClientEnv } from "../authz";
import type { PlatformConfig } from "../config";
import { CA_MOUNT_PATH, DATABASE_SERVICES, type CaRef, type DatabaseService, type DataStores } from "../datastores";
import { browserAuthAnnotations, DOCS_PATHS, httpsAnnotations, oidcServiceEnv, type Identity } from "../identity";
import { tritonClientEnv, type Triton } from "../inference";
import { pacsClientEnv } from "../network";
import { NAMESPACE, SERVICE_NAMES, SERVICES, type ServiceName } from "../runbook";
import { imageRef, MedAgiService, type ServiceIngressArgs } from "./index";

/** A service's stack output. */
export interface ServiceOutput {
    port: number;
    image: string;
    clusterUrl: pulumi.Output<string>;
    url: pulumi.Output<string | undefined>;
}

/** What the services read from the steps before them. */
export interface ServiceInputs {
    readonly registry: string | undefined;
    readonly namespace: pulumi.Input<string>;
    readonly dataStores: DataStores;
    readonly identity: Identity;
    readonly triton: Triton;
    /** The monitoring release installs the ServiceMonitor CRD. */
    readonly monitoringStack: pulumi.Resource;
}

/** Every service, in SERVICE_NAMES order; returns their stack outputs and the components (for what waits on them). */
export function declareServices(
    config: PlatformConfig,
    inputs: ServiceInputs,
    provider: k8s.Provider,
): { outputs: Record<string, ServiceOutput>; resources: MedAgiService[] } {
    const outputs: Record<string, ServiceOutput> = {};
    const resources: MedAgiService[] = [];
    for (const name of SERVICE_NAMES) {
        const image = imageRef(inputs.registry, name, config.services[name].tag);
        const service = declareService(config, inputs, name, image, provider);
        outputs[name] = { port: SERVICES[name].port, image, clusterUrl: service.clusterUrl, url: service.url };
        resources.push(service);
    }
    return { outputs, resources };
}

function declareService(
    config: PlatformConfig,
    inputs: ServiceInputs,
    name: ServiceName,
    image: string,
    provider: k8s.Provider,
): MedAgiService {
    return new MedAgiService(
        name,
        {
            service: SERVICES[name],
            namespace: inputs.namespace,
            image,
            settings: config.services[name],
            imagePullPolicy: config.imagePullPolicy,
            // Each service's database and search credentials come from its own Secrets; endpoints from one place
            // (the data stores' outputs); imaging calls Triton through the failover Service, and may reach either pool directly.
            ...serviceDataStoreWiring(name, inputs.dataStores),
            env: [
                ...searchClientEnv(inputs.dataStores),
                // Every request is authorised by OPA: OPA_URL and OPA_DECISION_PATH.
                ...opaClientEnv(),
                ...(name === "imaging" ? tritonClientEnv(inputs.triton.endpoints) : []),
                // Bearer tokens on the API are validated by the service against this issuer and audience.
                ...(config.oidc === undefined ? [] : oidcServiceEnv(config.oidc)),
                // …and talks DICOM to the PACS when one is configured (docs/network.md).
                ...(name === "imaging" ? pacsClientEnv(config.pacs) : []),
            ],
            imagePullSecrets: config.imagePullSecrets,
            topologySpread: config.topologySpread,
            // The monitoring release installs the ServiceMonitor CRD.
            serviceMonitor: { enabled: true, dependsOn: [inputs.monitoringStack] },
            ...serviceIngress(config, name, inputs.identity),
        },
        { provider, dependsOn: inputs.identity.prerequisites },
    );
}

/** With Ingresses on: the service's host, HTTPS redirect and HSTS, and its browser paths behind oauth2-proxy. */
function serviceIngress(config: PlatformConfig, name: ServiceName, identity: Identity): { ingress?: ServiceIngressArgs } {
    if (!config.ingress.enabled) return {};
    return {
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
