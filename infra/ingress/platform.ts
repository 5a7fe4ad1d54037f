/**
 * The ingress step of the platform (docs/identity.md): in staging/prod Traefik
 * serves the Ingresses' class and cert-manager the ClusterIssuer they name; dev
 * uses the controller its local cluster brings (infra/k8s/local-cluster.ts).
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";

import type { PlatformConfig } from "../config";
import { IngressPath } from "./index";
import { TRAEFIK_REPLICAS } from "./spec";

/** The controller, IngressClass, cert-manager and ClusterIssuer the Ingresses need; returns what Ingresses wait on. */
export function declareIngressPath(config: PlatformConfig, provider: k8s.Provider): pulumi.Resource[] {
    if (config.environment === "dev" || !config.ingress.enabled) return [];
    const issuer = config.ingress.clusterIssuer;
    const email = config.ingress.acmeEmail;
    return new IngressPath(
        "ingress",
        {
            className: config.ingress.className,
            replicas: TRAEFIK_REPLICAS[config.environment],
            ...(issuer === undefined || email === undefined ? {} : { clusterIssuer: { name: issuer, email } }),
            protect: config.protect,
        },
        { provider },
    ).ready;
}
