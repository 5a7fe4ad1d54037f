/**
 * Stack configuration of the cloud layer, composed by `infra/config.ts` under
 * the key `cloud` (`med-agi:cloud: {...}` in `Pulumi.<stack>.yaml`).
 *
 * It holds only what a person must choose: the account and region, CIDRs,
 * sizes, the Kubernetes version and the admin roles. Everything the platform
 * used to be told by hand (registry, database host, bucket names, role ARNs,
 * kube context) is derived from this layer in staging and prod, and setting
 * one of those keys by hand is refused ({@link derivedKeyProblems}).
 */
import { z } from "zod";

import type { Environment } from "../environment";
import { problem, type ConfigProblem } from "../validation";
import { EKS_CALENDAR } from "./calendar";

// ---------------------------------------------------------------------------
// Tables

/**
 * Instance families the Triton GPU pool accepts: x86_64 NVIDIA GPUs served by
 * the `AL2023_x86_64_NVIDIA` AMI (driver 580). `accelerator` is the
 * `k8s.amazonaws.com/accelerator` label value Cluster Autoscaler reads to know
 * a node has a GPU. Graviton GPU families (g5g) are absent on purpose: the
 * x86_64 AMI cannot boot them.
 */
export const GPU_INSTANCE_FAMILIES = {
    g4dn: { gpu: "NVIDIA T4", accelerator: "nvidia-tesla-t4" },
    g5: { gpu: "NVIDIA A10G", accelerator: "nvidia-a10g" },
    g6: { gpu: "NVIDIA L4", accelerator: "nvidia-l4" },
    g6e: { gpu: "NVIDIA L40S", accelerator: "nvidia-l40s" },
    p4d: { gpu: "NVIDIA A100", accelerator: "nvidia-tesla-a100" },
    p5: { gpu: "NVIDIA H100", accelerator: "nvidia-h100" },
} as const;
export type GpuInstanceFamily = keyof typeof GPU_INSTANCE_FAMILIES;

/** The GPU family of an instance type (`g5.xlarge` → `g5`), or undefined when it has no NVIDIA GPU we accept. */
export function gpuFamilyOf(instanceType: string): GpuInstanceFamily | undefined {
    const match = /^([a-z0-9]+)\.([0-9]*x?large|metal(-[0-9]+xl)?)$/.exec(instanceType);
    if (match === null) return undefined;
    const family = match[1] ?? "";
    return Object.prototype.hasOwnProperty.call(GPU_INSTANCE_FAMILIES, family) ? (family as GpuInstanceFamily) : undefined;
}

/**
 * The EKS versions a stack may run: those of the calendar (infra/aws/calendar.ts,
 * a source per line) with add-on versions and a Cluster Autoscaler image of the
 * same minor. A version without them is refused, so a version bump always
 * comes with its add-ons checked. How long each has standard support left is
 * the render's warning and the prod policy `aws-eks-standard-support`.
 */
export const KUBERNETES_VERSIONS = { "1.35": EKS_CALENDAR["1.35"], "1.36": EKS_CALENDAR["1.36"] } as const;
export type KubernetesVersion = keyof typeof KUBERNETES_VERSIONS;
export type EksAddonName = keyof (typeof KUBERNETES_VERSIONS)[KubernetesVersion]["addons"];

/** Availability zones per environment (2 in staging, 3 in prod). */
export const AZ_COUNT: Readonly<Record<Exclude<Environment, "dev">, number>> = { staging: 2, prod: 3 };

/** Built-in defaults of the `cloud` key (sizes a person may change; security settings are not options). */
export const CLOUD_DEFAULTS = {
    network: { cidr: "10.40.0.0/16" },
    cluster: { version: "1.35" as KubernetesVersion, logRetentionDays: 90 },
    nodePools: {
        // The platform's pods at their minimum replicas (services at 2) take 3 m6i.xlarge (infra/aws/capacity.ts).
        system: { instanceTypes: ["m6i.xlarge"], minSize: 3, desiredSize: 3, maxSize: 6, diskSizeGiB: 50, maxUnavailable: 1 },
        // Starts with prod's default Triton minimum (2 replicas of 1 GPU; infra/inference/config.ts GPU_REPLICAS).
        gpu: { instanceTypes: ["g5.xlarge"], minSize: 1, desiredSize: 2, maxSize: 2, diskSizeGiB: 200, maxUnavailable: 1 },
    },
    database: {
        instanceClass: "db.m6g.large",
        /** Major only: RDS applies the minor upgrades (autoMinorVersionUpgrade), and the program never asks to "downgrade". */
        engineVersion: "16",
        allocatedStorageGiB: 100,
        maxAllocatedStorageGiB: 500,
        backupRetentionDays: 7,
    },
    buckets: { noncurrentModelVersionDays: 90 },
    registry: { keepImages: 30, create: true },
} as const;

// ---------------------------------------------------------------------------
// Formats

const region = z.string().regex(/^[a-z]{2}(-[a-z]+)+-[0-9]$/, 'an AWS region such as "eu-west-1"');
const ipv4Cidr = z
    .string()
    .regex(
        /^((25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\/([0-9]|[12][0-9]|3[0-2])$/,
        'an IPv4 CIDR such as "203.0.113.0/24"',
    );
/** The widest public API range accepted (`cluster.publicAccessCidrs`): a /16. */
export const MAX_PUBLIC_API_PREFIX = 16;

const vpcCidr = ipv4Cidr.refine((cidr) => {
    const prefix = Number(cidr.split("/")[1]);
    return prefix >= 16 && prefix <= 20;
}, "a VPC CIDR from /16 to /20 (the subnets are cut from it)");
const iamRoleArn = z.string().regex(/^arn:aws[a-z-]*:iam::[0-9]{12}:role\/[A-Za-z0-9+=,.@_/-]+$/, "an IAM role ARN");
const instanceType = z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9-]+$/, 'an EC2 instance type such as "m6i.large"');

const nodePool = (defaults: (typeof CLOUD_DEFAULTS)["nodePools"]["system" | "gpu"]) =>
    z
        .object({
            instanceTypes: z
                .array(instanceType)
                .min(1)
                .default([...defaults.instanceTypes]),
            minSize: z.number().int().min(0).max(100).default(defaults.minSize),
            desiredSize: z.number().int().min(0).max(100).default(defaults.desiredSize),
            maxSize: z.number().int().min(1).max(100).default(defaults.maxSize),
            /** Root volume (gp3, encrypted). On the GPU pool it holds the images and Triton's model cache. */
            diskSizeGiB: z.number().int().min(20).max(2000).default(defaults.diskSizeGiB),
            /** Nodes replaced at once during a node group update. */
            maxUnavailable: z.number().int().min(1).max(10).default(defaults.maxUnavailable),
        })
        .strict();

// ---------------------------------------------------------------------------
// Schema

/** `med-agi:cloud` */
export const cloudSchema = z
    .object({
        /** The AWS account the stack deploys to; the provider refuses any other (allowedAccountIds). */
        accountId: z.string().regex(/^[0-9]{12}$/, "a 12-digit AWS account ID"),
        region,
        network: z
            .object({
                cidr: vpcCidr.default(CLOUD_DEFAULTS.network.cidr),
                /** @default the region's first 2 (staging) or 3 (prod) zones, `<region>a`, `b`, `c` */
                availabilityZones: z
                    .array(z.string().regex(/^[a-z]{2}(-[a-z]+)+-[0-9][a-z]$/, 'an availability zone such as "eu-west-1a"'))
                    .optional(),
            })
            .strict()
            .prefault({}),
        cluster: z
            .object({
                /** Kubernetes minor; only versions with pinned, checked add-on versions are allowed. */
                version: z.enum(Object.keys(KUBERNETES_VERSIONS) as [KubernetesVersion]).default(CLOUD_DEFAULTS.cluster.version),
                /** CIDRs that may reach the public API endpoint; empty: private endpoint only. */
                publicAccessCidrs: z.array(ipv4Cidr).default([]),
                /** IAM roles with cluster-admin access entries. Include the role that runs `pulumi up`. */
                adminRoleArns: z.array(iamRoleArn).min(1),
                /**
                 * On-call operators: read-only (AmazonEKSViewPolicy, no Secrets) in the platform's
                 * namespaces, Kubernetes group `med-agi:on-call`. @default [] (docs/identity.md)
                 */
                onCallRoleArns: z.array(iamRoleArn).default([]),
                /**
                 * Break-glass administrators: cluster admin (AmazonEKSClusterAdminPolicy), Kubernetes group
                 * `med-agi:break-glass`; every use is in the audit log. @default [] (docs/identity.md)
                 */
                breakGlassRoleArns: z.array(iamRoleArn).default([]),
                /** Retention of the control-plane logs (api, audit, authenticator) in CloudWatch. */
                logRetentionDays: z
                    .union([z.literal(30), z.literal(60), z.literal(90), z.literal(180), z.literal(365)])
                    .default(CLOUD_DEFAULTS.cluster.logRetentionDays),
            })
            .strict(),
        nodePools: z
            .object({
                system: nodePool(CLOUD_DEFAULTS.nodePools.system).prefault({}),
                gpu: nodePool(CLOUD_DEFAULTS.nodePools.gpu).prefault({}),
            })
            .strict()
            .prefault({}),
        database: z
            .object({
                instanceClass: z
                    .string()
                    .regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, 'an RDS instance class such as "db.m6g.large"')
                    .default(CLOUD_DEFAULTS.database.instanceClass),
                /**
                 * PostgreSQL major version; RDS picks the newest minor at create and applies minor upgrades in the
                 * maintenance window (autoMinorVersionUpgrade). A minor here would drift from the running server.
                 */
                engineVersion: z
                    .string()
                    .regex(
                        /^1[4-7]$/,
                        'a PostgreSQL major version 14–17 such as "16", without a minor (RDS applies minor upgrades itself; a pinned minor is refused at create once RDS deprecates it and reads as a downgrade after the first automatic upgrade)',
                    )
                    .default(CLOUD_DEFAULTS.database.engineVersion),
                allocatedStorageGiB: z.number().int().min(20).max(65536).default(CLOUD_DEFAULTS.database.allocatedStorageGiB),
                /** Storage autoscaling ceiling. */
                maxAllocatedStorageGiB: z.number().int().min(20).max(65536).default(CLOUD_DEFAULTS.database.maxAllocatedStorageGiB),
                /** Automated backup retention (at least 7 days). */
                backupRetentionDays: z.number().int().min(7).max(35).default(CLOUD_DEFAULTS.database.backupRetentionDays),
                /** @default true in prod, false in staging */
                multiAz: z.boolean().optional(),
            })
            .strict()
            .prefault({}),
        buckets: z
            .object({
                /** Days a replaced or deleted model object version is kept. */
                noncurrentModelVersionDays: z.number().int().min(1).max(3650).default(CLOUD_DEFAULTS.buckets.noncurrentModelVersionDays),
            })
            .strict()
            .prefault({}),
        registry: z
            .object({
                /** Images kept per repository; older ones expire. */
                keepImages: z.number().int().min(1).max(1000).default(CLOUD_DEFAULTS.registry.keepImages),
                /**
                 * Whether this stack creates the repositories `med-agi/<service>`; exactly one stack per
                 * account and region does (infra/aws/registry-owner.ts), the others use them. @default true
                 */
                create: z.boolean().default(CLOUD_DEFAULTS.registry.create),
            })
            .strict()
            .prefault({}),
        /**
         * The explicit override that lets staging and prod share this stack's account
         * (infra/aws/accounts.ts refuses it otherwise). @default unset: a shared account is refused
         */
        allowSharedAccount: z
            .object({ reason: z.string().min(20, "a reason of at least 20 characters: why the environments share an account") })
            .strict()
            .optional(),
    })
    .strict();
export type CloudConfig = z.output<typeof cloudSchema>;

// ---------------------------------------------------------------------------
// Cross-field rules

/** The availability zones a stack uses: configured, or the region's first N. */
export function availabilityZonesFor(cloud: Pick<CloudConfig, "region" | "network">, environment: Exclude<Environment, "dev">): string[] {
    return cloud.network.availabilityZones ?? ["a", "b", "c"].slice(0, AZ_COUNT[environment]).map((s) => `${cloud.region}${s}`);
}

/** Whether RDS runs multi-AZ: configured, else prod only. */
export function multiAzFor(cloud: Pick<CloudConfig, "database">, environment: Environment): boolean {
    return cloud.database.multiAz ?? environment === "prod";
}

/** Rules of the `cloud` key that span fields or depend on the environment. Every problem is returned. */
export function cloudProblems(cloud: CloudConfig | undefined, environment: Environment): ConfigProblem[] {
    if (environment === "dev") {
        return cloud === undefined
            ? []
            : [problem("cloud", cloud, "not in dev: dev runs on a local cluster and registers no AWS resource; remove the key")];
    }
    if (cloud === undefined) {
        return [
            problem(
                "cloud",
                undefined,
                `in ${environment}: the AWS account, region, CIDRs, sizes and admin roles of the cloud layer (see docs/aws.md)`,
            ),
        ];
    }
    const out: ConfigProblem[] = [];
    const key = (path: string) => `cloud.${path}`;

    // An IAM role has one EKS access entry: a role in two operator lists would get one of the two access levels at random.
    const seen = new Map<string, string>(cloud.cluster.adminRoleArns.map((arn) => [arn, "adminRoleArns"]));
    for (const list of ["onCallRoleArns", "breakGlassRoleArns"] as const) {
        cloud.cluster[list].forEach((arn, i) => {
            const other = seen.get(arn);
            if (other !== undefined) {
                out.push(
                    problem(
                        key(`cluster.${list}.${i}`),
                        arn,
                        `a role appears once across adminRoleArns, onCallRoleArns and breakGlassRoleArns; it is already in cluster.${other}`,
                    ),
                );
            } else seen.set(arn, list);
        });
    }

    cloud.nodePools.gpu.instanceTypes.forEach((type, i) => {
        if (gpuFamilyOf(type) === undefined) {
            out.push(
                problem(
                    key(`nodePools.gpu.instanceTypes.${i}`),
                    type,
                    `it has no NVIDIA GPU for the AL2023_x86_64_NVIDIA AMI; the Triton GPU pool takes the families ${Object.keys(GPU_INSTANCE_FAMILIES).join(", ")}`,
                ),
            );
        }
    });
    cloud.nodePools.system.instanceTypes.forEach((type, i) => {
        if (gpuFamilyOf(type) !== undefined) {
            out.push(
                problem(
                    key(`nodePools.system.instanceTypes.${i}`),
                    type,
                    "a GPU instance in the system pool idles its GPU: use a general-purpose type such as m6i.large",
                ),
            );
        }
    });
    for (const pool of ["system", "gpu"] as const) {
        const p = cloud.nodePools[pool];
        if (p.minSize > p.maxSize) {
            out.push(problem(key(`nodePools.${pool}.minSize`), p.minSize, `must be ≤ nodePools.${pool}.maxSize (${p.maxSize})`));
        } else if (p.desiredSize < p.minSize || p.desiredSize > p.maxSize) {
            out.push(
                problem(
                    key(`nodePools.${pool}.desiredSize`),
                    p.desiredSize,
                    `must be between minSize (${p.minSize}) and maxSize (${p.maxSize})`,
                ),
            );
        }
    }
    if (environment === "prod" && cloud.nodePools.system.minSize < 2) {
        out.push(
            problem(
                key("nodePools.system.minSize"),
                cloud.nodePools.system.minSize,
                "prod needs ≥ 2 system nodes so a node loss keeps CoreDNS and the controllers running",
            ),
        );
    }

    // The public API endpoint is for the operators' networks: /16 at widest in every stack (0.0.0.0/1 is half the internet).
    cloud.cluster.publicAccessCidrs.forEach((cidr, i) => {
        if (Number(cidr.split("/")[1]) < MAX_PUBLIC_API_PREFIX) {
            out.push(
                problem(
                    key(`cluster.publicAccessCidrs.${i}`),
                    cidr,
                    `wider than /${MAX_PUBLIC_API_PREFIX}: it opens the Kubernetes API endpoint to a large part of the internet; list the operators' CIDRs (/${MAX_PUBLIC_API_PREFIX} or narrower), or none for a private-only endpoint`,
                ),
            );
        }
    });

    const zones = availabilityZonesFor(cloud, environment);
    if (zones.length < AZ_COUNT[environment]) {
        out.push(problem(key("network.availabilityZones"), zones, `${environment} needs ≥ ${AZ_COUNT[environment]} availability zones`));
    }
    if (new Set(zones).size !== zones.length) out.push(problem(key("network.availabilityZones"), zones, "each zone at most once"));
    zones.forEach((zone, i) => {
        if (!zone.startsWith(cloud.region))
            out.push(problem(key(`network.availabilityZones.${i}`), zone, `a zone of cloud.region (${cloud.region})`));
    });

    if (cloud.database.maxAllocatedStorageGiB < cloud.database.allocatedStorageGiB) {
        out.push(
            problem(
                key("database.maxAllocatedStorageGiB"),
                cloud.database.maxAllocatedStorageGiB,
                `must be ≥ database.allocatedStorageGiB (${cloud.database.allocatedStorageGiB})`,
            ),
        );
    }
    if (environment === "prod" && cloud.database.multiAz === false) {
        out.push(problem(key("database.multiAz"), false, "not in prod: a single-AZ database is lost with its zone"));
    }
    return out;
}

/**
 * Keys the cloud layer derives in staging and prod, and where each value now
 * comes from. Setting one by hand is refused: a hand-typed value would drift
 * from the resource it names.
 */
export const DERIVED_KEYS: Readonly<Record<string, string>> = {
    registry: "the ECR registry of cloud.accountId in cloud.region (infra/aws/registry.ts)",
    kubeContext: "the EKS cluster's kubeconfig (infra/aws/cluster.ts)",
    "database.host": "the RDS instance's address (infra/aws/database.ts)",
    "database.port": "the RDS instance's port (infra/aws/database.ts)",
    "objectStorage.region": "cloud.region",
    "objectStorage.endpointUrl": "AWS S3 in cloud.region",
    "objectStorage.backupBucket": "the stack's backups bucket (infra/aws/buckets.ts)",
    "objectStorage.modelBucket": "the stack's models bucket (infra/aws/buckets.ts)",
    "objectStorage.roleArn": "the backup jobs' IRSA roles (infra/aws/iam.ts)",
    "objectStorage.credentialsSecret": "the backup jobs' IRSA roles (infra/aws/iam.ts); static keys are not used in AWS",
    "inference.roleArn": "Triton's IRSA role (infra/aws/iam.ts)",
    "inference.models.bucket": "the stack's models bucket (infra/aws/buckets.ts)",
    "inference.models.endpointUrl": "AWS S3 in cloud.region",
    "inference.credentialsSecret": "Triton's IRSA role (infra/aws/iam.ts); static keys are not used in AWS",
};

/** Hand-set derived keys in the raw (unparsed) config of a staging/prod stack. */
export function derivedKeyProblems(raw: Readonly<Record<string, unknown>>, environment: Environment, stack: string): ConfigProblem[] {
    if (environment === "dev") return [];
    const out: ConfigProblem[] = [];
    for (const [path, source] of Object.entries(DERIVED_KEYS)) {
        let node: unknown = raw;
        for (const part of path.split("."))
            node = node !== null && typeof node === "object" ? (node as Record<string, unknown>)[part] : undefined;
        if (node === undefined) continue;
        out.push(
            problem(
                path,
                node,
                `in ${environment} it is derived from the cloud layer: ${source}; remove the key from Pulumi.${stack}.yaml`,
            ),
        );
    }
    return out;
}
