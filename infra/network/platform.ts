/**
 * The network step of the platform: default-deny in every namespace the
 * platform runs, then one allow per flow (docs/network.md).
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";

import type { CloudOutputs } from "../aws";
import { POSTGRES_PORT } from "../aws/database";
import { CRONJOB_NAMES } from "../backups";
import type { PlatformConfig } from "../config";
import { DATABASE_SERVICES, objectStoreEndpoint, OPERATOR_NAMESPACES } from "../datastores";
import { resolveSiemOutput } from "../observability/config";
import { NAMESPACE, SERVICE_NAMES, SERVICES } from "../runbook";
import { NetworkIsolation, PRIVATE_RANGES, type NetworkIsolationArgs } from "./index";

/** What the network step reads from the steps before it. */
export interface NetworkInputs {
    readonly cloud: CloudOutputs | undefined;
    /** The stack's ingress path was declared (staging/prod with Ingresses on). */
    readonly ingressPath: boolean;
    readonly tritonGpu: boolean;
    readonly backups: boolean;
    readonly logRotation: boolean;
}

type Plan = NetworkIsolationArgs["plan"];

export function declareNetwork(
    config: PlatformConfig,
    inputs: NetworkInputs,
    opts: { provider: k8s.Provider; dependsOn: pulumi.Resource[] },
): NetworkIsolation {
    const cloud = inputs.cloud;
    return new NetworkIsolation("network", {
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
            acmeHttp01: inputs.ingressPath && config.ingress.clusterIssuer !== undefined,
            monitoringNamespace: config.monitoring.namespace,
            ...storePlacement(config, cloud),
            tritonGpu: inputs.tritonGpu,
            backups: inputs.backups ? Object.values(CRONJOB_NAMES) : [],
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
            ...logging(config),
            ...(inputs.logRotation ? { nodeNamespace: config.logrotate.namespace } : {}),
            monitoring: {
                // The nodes' addresses: the VPC in the cloud, the private ranges of a local cluster.
                nodeCidrs: cloud !== undefined ? [cloud.network.vpcCidr] : [...PRIVATE_RANGES],
                receiverPorts: alertReceiverPorts(config),
            },
            // No External Secrets namespace: no stack deploys the operator (its one ExternalSecret, a copy of the
            // RDS master credential, is gone), so no NetworkPolicy for it either.
        },
        ...opts,
    });
}

/** staging/prod: RDS in the VPC and S3 (config requires the cloud layer there); dev: the in-cluster stores. */
function storePlacement(config: PlatformConfig, cloud: CloudOutputs | undefined): Pick<Plan, "database" | "objectStore"> {
    if (cloud !== undefined)
        return {
            database: { kind: "external", cidrs: [cloud.network.vpcCidr], port: POSTGRES_PORT },
            objectStore: { kind: "aws", s3Cidrs: cloud.network.s3Cidrs, stsCidrs: cloud.network.stsCidrs },
        };
    return {
        database: { kind: "in-cluster" },
        objectStore: {
            kind: "in-cluster",
            implementation: config.dataStores.objectStore.implementation,
            port: Number(new URL(objectStoreEndpoint(config.dataStores.objectStore.implementation)).port),
        },
    };
}

/** Log shipping's namespace, and the SIEM's addresses when it is reached over HTTP; nothing when the SIEM output is off. */
function logging(config: PlatformConfig): Pick<Plan, "logging"> {
    const siemOutput = resolveSiemOutput(config);
    if (siemOutput === "off") return {};
    return {
        logging: {
            namespace: config.siem.namespace,
            ...(siemOutput === "http" && config.network.siemCidrs !== undefined
                ? { siem: { cidrs: config.network.siemCidrs, port: config.siem.port } }
                : {}),
        },
    };
}

/** The ports Alertmanager's receivers listen on: HTTPS (Slack, PagerDuty, the SIEM webhook) and the SMTP relay's, when e-mail is used. */
function alertReceiverPorts(config: PlatformConfig): number[] {
    const team = config.alerting.team;
    const smtp = team.kind === "email" ? Number(team.smarthost.split(":").pop()) : undefined;
    return smtp === undefined || smtp === 443 ? [443] : [443, smtp];
}
