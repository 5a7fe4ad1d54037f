/**
 * Cross-field rules of the ingress path (the `ingress` schema itself is in
 * infra/services/config.ts): a ClusterIssuer the stack declares needs the
 * ACME account's e-mail address.
 */
import type { Environment } from "../environment";
import { problem, type ConfigProblem } from "../validation";

export function ingressProblems(
    environment: Environment,
    ingress: { readonly enabled: boolean; readonly clusterIssuer?: string | undefined; readonly acmeEmail?: string | undefined },
): ConfigProblem[] {
    if (environment === "dev" || !ingress.enabled || ingress.clusterIssuer === undefined || ingress.acmeEmail !== undefined) return [];
    return [
        problem(
            "ingress.acmeEmail",
            undefined,
            `the stack declares ClusterIssuer ${ingress.clusterIssuer} (Let's Encrypt), whose ACME account needs an e-mail address; set it with: pulumi config set --path med-agi:ingress.acmeEmail <address>`,
        ),
    ];
}
