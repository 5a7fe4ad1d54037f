/**
 * The Med-AGI platform: composes the layers of DESIGN.md for one stack.
 * Only composition lives here; every component and builder is tested on its own.
 */
import * as pulumi from "@pulumi/pulumi";

import { loadConfig, type PlatformConfig } from "./config";
import { clusterProvider } from "./k8s/provider";
import { PlatformNamespace } from "./namespace";
import { NAMESPACE, SERVICE_NAMES, SERVICES } from "./runbook";
import { imageRef, MedAgiService } from "./services";

/** Stack outputs (`pulumi stack output`). */
export interface PlatformOutputs {
    readonly environment: string;
    readonly release: string;
    readonly namespace: pulumi.Output<string>;
    readonly services: Record<
        string,
        { port: number; image: string; clusterUrl: pulumi.Output<string>; url: pulumi.Output<string | undefined> }
    >;
}

/** Declares every resource of the stack; config is validated before the first one. */
export async function main(): Promise<PlatformOutputs> {
    const config = loadConfig();
    return declarePlatform(config);
}

export function declarePlatform(config: PlatformConfig): PlatformOutputs {
    const provider = clusterProvider("kubernetes", { ...(config.kubeContext === undefined ? {} : { context: config.kubeContext }) });
    const namespace = new PlatformNamespace("platform", { name: NAMESPACE }, { provider, protect: config.protect });

    const services: PlatformOutputs["services"] = {};
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
    }

    return {
        environment: config.environment,
        release: config.release,
        namespace: namespace.name,
        services,
    };
}
