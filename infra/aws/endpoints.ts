/**
 * VPC endpoint policies: what may pass each endpoint,
 * whoever calls it. IAM decides what a role may do; the endpoint policy
 * decides where data may go from this VPC, so a compromised pod with valid
 * credentials (the database dump of `postgres-backup`, the DICOM images
 * Triton receives) cannot upload them to a bucket of another account, even
 * with a presigned URL. Pure builders; infra/aws/network.ts attaches them.
 */
import type { PolicyDocument } from "./iam";

/**
 * The AWS-owned bucket ECR serves image layers from (presigned URLs): EKS
 * nodes pulling from ECR read it through the S3 gateway endpoint. Its name is
 * AWS's, per the ECR user guide ("Minimum Amazon S3 bucket permissions for
 * Amazon ECR", VPC endpoints): `prod-<region>-starport-layer-bucket`.
 */
export function ecrLayerBucket(region: string): string {
    return `prod-${region}-starport-layer-bucket`;
}

/** What the endpoint policies need to know about the stack. */
export interface EndpointPolicyArgs {
    readonly accountId: string;
    readonly region: string;
    /** The stack's buckets that pods use (models, backups). */
    readonly buckets: readonly string[];
    /** The prefix of the stack's IAM role names (`med-agi-<stack>`): IRSA roles are `<prefix>-<workload>`. */
    readonly rolePrefix: string;
}

/**
 * S3 gateway endpoint: the stack's own buckets (every action IAM allows
 * there), and `s3:GetObject` on ECR's layer bucket; nothing else. A bucket of
 * another account, even a public one or one reached with a presigned URL,
 * is refused at the endpoint.
 */
export function s3EndpointPolicy(args: EndpointPolicyArgs): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "StackBuckets",
                Effect: "Allow",
                Principal: "*",
                Action: ["s3:*"],
                Resource: args.buckets.flatMap((b) => [`arn:aws:s3:::${b}`, `arn:aws:s3:::${b}/*`]),
                Condition: { StringEquals: { "aws:ResourceAccount": args.accountId } },
            },
            {
                Sid: "EcrImageLayers",
                Effect: "Allow",
                Principal: "*",
                Action: ["s3:GetObject"],
                Resource: [`arn:aws:s3:::${ecrLayerBucket(args.region)}/*`],
            },
        ],
    };
}

/** STS interface endpoint: IRSA's token exchange for the stack's own roles only. */
export function stsEndpointPolicy(args: EndpointPolicyArgs): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "IrsaStackRoles",
                Effect: "Allow",
                Principal: "*",
                Action: ["sts:AssumeRoleWithWebIdentity"],
                Resource: [`arn:aws:iam::${args.accountId}:role/${args.rolePrefix}-*`],
            },
        ],
    };
}

/**
 * ECR interface endpoints (`ecr.api`, `ecr.dkr`): pulls only. Nodes pull the
 * stack's images and the EKS add-ons' images (VPC CNI, CoreDNS, kube-proxy,
 * EBS CSI), which AWS serves from its own registry accounts, so the
 * repositories are not pinned to this account; what is refused is every
 * write (push, delete, policy changes), which is how data would leave.
 */
export function ecrEndpointPolicy(): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "PullOnly",
                Effect: "Allow",
                Principal: "*",
                Action: ["ecr:GetAuthorizationToken", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
                Resource: ["*"],
            },
        ],
    };
}
