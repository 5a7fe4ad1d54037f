/**
 * EKS: the control plane (private endpoint, public access only from listed
 * CIDRs, KMS envelope encryption of Secrets, api/audit/authenticator logs),
 * access entries for the admin roles, the OIDC provider for IRSA, the managed
 * add-ons at pinned versions, and the kubeconfig the platform deploys with.
 */
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as eks from "@pulumi/aws/eks";
import * as iam from "@pulumi/aws/iam";
import * as pulumi from "@pulumi/pulumi";

import type { EksAddonName, KubernetesVersion } from "./config";
import { KUBERNETES_VERSIONS } from "./config";
import { serviceTrustPolicy } from "./iam";
import { rotatingKmsKey } from "./kms";

/** Control-plane logs shipped to CloudWatch; `audit` feeds the SIEM path. */
export const CONTROL_PLANE_LOG_TYPES = ["api", "audit", "authenticator"] as const;

/** The access policy each admin role gets, cluster-wide. */
export const ADMIN_ACCESS_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";

/** Read-only access for on-call (no Secrets: AmazonEKSViewPolicy excludes them). */
export const VIEW_ACCESS_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy";

/** Kubernetes groups the operator access entries map to (they show in the audit log as the user's groups). */
export const OPERATOR_GROUPS = { onCall: "med-agi:on-call", breakGlass: "med-agi:break-glass" } as const;

/** One operator access entry: who, which group, which EKS access policy and where. */
export interface OperatorAccess {
    readonly key: string;
    readonly principalArn: string;
    readonly group: string;
    readonly policyArn: string;
    readonly scope: { readonly type: "cluster" } | { readonly type: "namespace"; readonly namespaces: readonly string[] };
}

/**
 * The operator access entries: on-call roles read the platform's namespaces
 * (view, namespaced), break-glass roles administer the cluster. A role listed
 * in both, or already an admin role, is refused by config validation. Pure.
 */
export function operatorAccess(
    onCall: readonly string[],
    breakGlass: readonly string[],
    viewNamespaces: readonly string[],
): OperatorAccess[] {
    return [
        ...onCall.map((arn) => ({
            key: `oncall-${roleKey(arn)}`,
            principalArn: arn,
            group: OPERATOR_GROUPS.onCall,
            policyArn: VIEW_ACCESS_POLICY,
            scope: { type: "namespace" as const, namespaces: [...viewNamespaces] },
        })),
        ...breakGlass.map((arn) => ({
            key: `breakglass-${roleKey(arn)}`,
            principalArn: arn,
            group: OPERATOR_GROUPS.breakGlass,
            policyArn: ADMIN_ACCESS_POLICY,
            scope: { type: "cluster" as const },
        })),
    ];
}

/** The CloudWatch log group EKS writes the control-plane logs to (fixed by EKS). */
export function controlPlaneLogGroup(clusterName: string): string {
    return `/aws/eks/${clusterName}/cluster`;
}

/** The `vpcConfig` of the cluster: private endpoint always; public only from `publicAccessCidrs`. */
export function endpointAccess(publicAccessCidrs: readonly string[]): {
    endpointPrivateAccess: boolean;
    endpointPublicAccess: boolean;
    publicAccessCidrs?: string[];
} {
    return publicAccessCidrs.length === 0
        ? { endpointPrivateAccess: true, endpointPublicAccess: false }
        : { endpointPrivateAccess: true, endpointPublicAccess: true, publicAccessCidrs: [...publicAccessCidrs] };
}

/** A stable resource-name suffix for an admin role: its role name (never the list index). */
export function roleKey(roleArn: string): string {
    return (roleArn.split("/").pop() ?? roleArn).toLowerCase().replace(/[^a-z0-9-]/g, "-");
}

/** The `aws eks update-kubeconfig` command for operators. */
export function updateKubeconfigCommand(clusterName: string, region: string): string {
    return `aws eks update-kubeconfig --name ${clusterName} --region ${region}`;
}

/** A kubeconfig that authenticates with `aws eks get-token` (the caller's AWS identity; no static credentials). */
export function kubeconfigFor(clusterName: string, region: string, endpoint: string, caData: string): string {
    return JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: clusterName, cluster: { server: endpoint, "certificate-authority-data": caData } }],
        contexts: [{ name: clusterName, context: { cluster: clusterName, user: clusterName } }],
        "current-context": clusterName,
        users: [
            {
                name: clusterName,
                user: {
                    exec: {
                        apiVersion: "client.authentication.k8s.io/v1beta1",
                        command: "aws",
                        args: ["eks", "get-token", "--cluster-name", clusterName, "--region", region, "--output", "json"],
                    },
                },
            },
        ],
    });
}

export interface ClusterArgs {
    readonly prefix: string;
    readonly clusterName: string;
    readonly accountId: string;
    readonly region: string;
    readonly version: KubernetesVersion;
    readonly privateSubnetIds: pulumi.Input<string>[];
    readonly publicAccessCidrs: readonly string[];
    readonly adminRoleArns: readonly string[];
    /** On-call (read-only) and break-glass (admin) roles, and the namespaces on-call may read. @default none */
    readonly operators?: {
        readonly onCall: readonly string[];
        readonly breakGlass: readonly string[];
        readonly viewNamespaces: readonly string[];
    };
    readonly logRetentionDays: number;
    readonly prod: boolean;
}

export interface Cluster {
    readonly cluster: eks.Cluster;
    readonly name: pulumi.Output<string>;
    readonly oidcProviderArn: pulumi.Output<string>;
    readonly issuerUrl: pulumi.Output<string>;
    /** The security group EKS puts on the control plane and the managed nodes. */
    readonly nodeSecurityGroupId: pulumi.Output<string>;
    readonly logGroupName: pulumi.Output<string>;
    readonly kubeconfig: pulumi.Output<string>;
    readonly accessEntries: eks.AccessPolicyAssociation[];
}

/** Declares the control plane and its identity plumbing. */
export function createCluster(args: ClusterArgs, opts: pulumi.CustomResourceOptions): Cluster {
    const name = args.prefix;
    // EKS keeps the key through a grant it creates on behalf of the deploy role (an admin role) at CreateCluster.
    const key = rotatingKmsKey(
        `${name}-eks-secrets`,
        `${args.clusterName}: envelope encryption of Kubernetes Secrets`,
        {
            accountId: args.accountId,
            region: args.region,
            users: { roleArns: args.adminRoleArns, via: ["eks"] },
            grantsFor: args.adminRoleArns,
        },
        args.prod,
        opts,
    );

    const role = new iam.Role(
        `${name}-eks-cluster`,
        { name: `${name}-eks-cluster`, assumeRolePolicy: JSON.stringify(serviceTrustPolicy("eks.amazonaws.com", args.accountId)) },
        opts,
    );
    const policy = new iam.RolePolicyAttachment(
        `${name}-eks-cluster`,
        { role: role.name, policyArn: "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy" },
        opts,
    );
    // Created before the cluster, so the retention applies from the first log line.
    const logGroup = new cloudwatch.LogGroup(
        `${name}-control-plane`,
        { name: controlPlaneLogGroup(args.clusterName), retentionInDays: args.logRetentionDays },
        opts,
    );

    const cluster = new eks.Cluster(
        `${name}-eks`,
        {
            name: args.clusterName,
            version: args.version,
            roleArn: role.arn,
            vpcConfig: { subnetIds: args.privateSubnetIds, ...endpointAccess(args.publicAccessCidrs) },
            encryptionConfig: { provider: { keyArn: key.arn }, resources: ["secrets"] },
            enabledClusterLogTypes: [...CONTROL_PLANE_LOG_TYPES],
            accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false },
            // The platform upgrades add-ons itself, at pinned versions.
            bootstrapSelfManagedAddons: false,
            upgradePolicy: { supportType: "STANDARD" },
        },
        { ...opts, dependsOn: [policy, logGroup] },
    );

    const accessEntries = args.adminRoleArns.map((arn) => {
        const k = roleKey(arn);
        const entry = new eks.AccessEntry(`${name}-admin-${k}`, { clusterName: cluster.name, principalArn: arn, type: "STANDARD" }, opts);
        return new eks.AccessPolicyAssociation(
            `${name}-admin-${k}`,
            {
                clusterName: cluster.name,
                principalArn: entry.principalArn,
                policyArn: ADMIN_ACCESS_POLICY,
                accessScope: { type: "cluster" },
            },
            opts,
        );
    });

    for (const access of operatorAccess(
        args.operators?.onCall ?? [],
        args.operators?.breakGlass ?? [],
        args.operators?.viewNamespaces ?? [],
    )) {
        const entry = new eks.AccessEntry(
            `${name}-${access.key}`,
            { clusterName: cluster.name, principalArn: access.principalArn, type: "STANDARD", kubernetesGroups: [access.group] },
            opts,
        );
        new eks.AccessPolicyAssociation(
            `${name}-${access.key}`,
            {
                clusterName: cluster.name,
                principalArn: entry.principalArn,
                policyArn: access.policyArn,
                accessScope:
                    access.scope.type === "cluster" ? { type: "cluster" } : { type: "namespace", namespaces: [...access.scope.namespaces] },
            },
            opts,
        );
    }

    const issuerUrl = cluster.identities.apply((ids) => ids[0]?.oidcs?.[0]?.issuer ?? "");
    const oidc = new iam.OpenIdConnectProvider(`${name}-oidc`, { url: issuerUrl, clientIdLists: ["sts.amazonaws.com"] }, opts);

    const kubeconfig = pulumi.secret(
        pulumi
            .all([cluster.name, cluster.endpoint, cluster.certificateAuthority])
            .apply(([n, endpoint, ca]) => kubeconfigFor(n, args.region, endpoint, ca.data ?? "")),
    );

    return {
        cluster,
        name: cluster.name,
        oidcProviderArn: oidc.arn,
        issuerUrl,
        nodeSecurityGroupId: cluster.vpcConfig.apply((v) => v.clusterSecurityGroupId),
        logGroupName: logGroup.name,
        kubeconfig,
        accessEntries,
    };
}

/**
 * Add-ons needed before any node can become Ready (pod networking and
 * service routing); the others need running nodes.
 */
export const ADDONS_BEFORE_NODES: readonly EksAddonName[] = ["vpc-cni", "kube-proxy"];
export const ADDONS_AFTER_NODES: readonly EksAddonName[] = ["coredns", "aws-ebs-csi-driver"];

/**
 * Add-on configuration: the VPC CNI's network policy agent enforces the
 * platform's NetworkPolicies (infra/network); without it EKS accepts them and
 * enforces nothing (VPC CNI ≥ v1.14, `enableNetworkPolicy`).
 */
export const ADDON_CONFIGURATION: Partial<Record<EksAddonName, Record<string, unknown>>> = {
    "vpc-cni": { enableNetworkPolicy: "true" },
};

/** Declares `addons` at the versions the calendar gives for the cluster's Kubernetes version. */
export function createAddons(
    prefix: string,
    cluster: Cluster,
    version: KubernetesVersion,
    addons: readonly EksAddonName[],
    roles: Partial<Record<EksAddonName, pulumi.Input<string>>>,
    opts: pulumi.CustomResourceOptions,
): eks.Addon[] {
    const versions = KUBERNETES_VERSIONS[version].addons;
    return addons.map((addon) => {
        const role = roles[addon];
        const pinned = versions[addon].version;
        return new eks.Addon(
            `${prefix}-${addon}`,
            {
                clusterName: cluster.name,
                addonName: addon,
                // "eks-default": EKS installs its default version for the cluster's Kubernetes version (infra/aws/calendar.ts).
                ...(pinned === "eks-default" ? {} : { addonVersion: pinned }),
                resolveConflictsOnCreate: "OVERWRITE",
                resolveConflictsOnUpdate: "OVERWRITE",
                ...(role === undefined ? {} : { serviceAccountRoleArn: role }),
                ...(ADDON_CONFIGURATION[addon] === undefined ? {} : { configurationValues: JSON.stringify(ADDON_CONFIGURATION[addon]) }),
            },
            opts,
        );
    });
}
