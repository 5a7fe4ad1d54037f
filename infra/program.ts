/**
 * The Med-AGI platform: composes the layers of DESIGN.md for one stack.
 * Only composition lives here; every component and builder is tested on its own.
 */
import * as pulumi from "@pulumi/pulumi";

import { Backups } from "./backups";
import { backupsArgsFor, CONFIG_NAMESPACE, loadConfig, SECRET_CONFIG_KEYS, type PlatformConfig, type SecretConfigKey } from "./config";
import { clusterProvider } from "./k8s/provider";
import { LogRotation } from "./logrotate";
import { PlatformNamespace } from "./namespace";
import { Observability, resolveObservabilitySettings } from "./observability";
import { NAMESPACE, SERVICE_NAMES, SERVICES } from "./runbook";
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
}

/** Declares every resource of the stack; config is validated before the first one. */
export async function main(): Promise<PlatformOutputs> {
    const config = loadConfig();
    return declarePlatform(config);
}

export function declarePlatform(config: PlatformConfig): PlatformOutputs {
    const provider = clusterProvider("kubernetes", { ...(config.kubeContext === undefined ? {} : { context: config.kubeContext }) });
    const namespace = new PlatformNamespace("platform", { name: NAMESPACE }, { provider, protect: config.protect });

    const backupArgs = backupsArgsFor(config);
    const backups = backupArgs === undefined ? undefined : new Backups("backups", backupArgs, { provider, dependsOn: [namespace] });
    if (config.logrotate.enabled) {
        new LogRotation(
            "logrotate",
            { config: config.logrotate, image: fromRegistry(config.registry, config.logrotate.image), version: config.release },
            { provider },
        );
    }

    const secrets = secretInputs(config);
    const observability = new Observability(
        "observability",
        {
            // Resolved once, here at the edge; the component only reads the result.
            settings: resolveObservabilitySettings(config),
            services: SERVICE_NAMES.map((name) => SERVICES[name]),
            secrets,
            namespace: NAMESPACE,
            // The data stores and backup jobs join with their components; until
            // then nothing is watched that does not exist.
            dataStores: [],
            backups: backups !== undefined,
            // The Triton component joins later: until it deploys deployment/triton,
            // only an existing, unready one may page.
            tritonGpu: false,
        },
        { provider, dependsOn: [namespace] },
    );

    const services: PlatformOutputs["services"] = {};
    const serviceResources: MedAgiService[] = [];
    for (const name of SERVICE_NAMES) {
        const settings = config.services[name];
        const image = imageRef(config.registry, name, settings.tag);
        const service = new MedAgiService(
            name,
            {
                service: SERVICES[name],
                namespace: namespace.name,
                image,
                settings,
                imagePullPolicy: config.imagePullPolicy,
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
                              annotations: config.ingress.annotations,
                          },
                      }
                    : {}),
            },
            { provider },
        );
        services[name] = { port: SERVICES[name].port, image, clusterUrl: service.clusterUrl, url: service.url };
        serviceResources.push(service);
    }

    // Post-deploy smoke test: `pulumi up` waits for this Job, and fails if any service is down.
    new PostDeploySmoke(
        "smoke",
        { namespace: NAMESPACE, image: fromRegistry(config.registry, SMOKE_IMAGE), release: config.release },
        { provider, dependsOn: [namespace, ...serviceResources] },
    );

    return {
        environment: config.environment,
        release: config.release,
        namespace: namespace.name,
        services,
        monitoring: { namespace: observability.monitoringNamespace, alertRules: observability.prometheusRuleNames },
    };
}

/** The credentials that are set, read as Pulumi secrets (never as plain values). */
function secretInputs(config: PlatformConfig): Partial<Record<SecretConfigKey, pulumi.Output<string>>> {
    const stackConfig = new pulumi.Config(CONFIG_NAMESPACE);
    return Object.fromEntries(
        SECRET_CONFIG_KEYS.filter((key) => config.secretsSet.has(key)).map((key) => [key, stackConfig.requireSecret(key)]),
    );
}
