/**
 * What the `dev` stack expects its local cluster (kind, k3d, minikube) to
 * bring, in one place: every other object a dev workload references is
 * created by the stack itself. README.md ("What `dev` needs in the cluster")
 * and test/stacks/references.test.ts read this list; staging and prod expect
 * nothing of the cluster beyond what EKS creates.
 */
export const LOCAL_CLUSTER_PROVIDES = {
    /**
     * The ingress class the developer's controller serves (README: an ingress
     * controller of class `nginx`, or `ingress.className` set to the one the
     * cluster has). staging and prod deploy their own controller instead
     * (infra/ingress); see docs/identity.md.
     */
    ingressClasses: ["nginx"],
    /** No StorageClass is assumed: dev's stores use the one the stack declares. */
    storageClasses: [],
} as const satisfies Record<string, readonly string[]>;
