/**
 * The Kubernetes provider the platform is deployed with.
 *
 * `dev` uses the ambient kubeconfig (optionally a named context, so a laptop
 * with several clusters cannot deploy to the wrong one). The cloud layer will
 * hand staging/prod an EKS provider; until then they may name a context too.
 */
import { Provider as KubernetesProvider } from "@pulumi/kubernetes/provider";

export interface ClusterProviderArgs {
    /** kubeconfig context to use. @default the kubeconfig's current context */
    readonly context?: string;
}

export function clusterProvider(name: string, args: ClusterProviderArgs): KubernetesProvider {
    return new KubernetesProvider(name, {
        ...(args.context === undefined ? {} : { context: args.context }),
        // Server-side apply: field ownership is tracked, so HPA-managed replicas
        // and other controllers' fields are not fought over on every update.
        enableServerSideApply: true,
    });
}
