/**
 * A compliant AWS layer, declared with the real @pulumi/aws v7 resource
 * classes and run under Pulumi's mock runtime (tools/lib/mock-run): the base
 * the AWS mutations start from while the cloud layer (infra/aws/) is not on
 * main. Its shapes are those of the provider's input types, so a policy that
 * passes here reads the fields the provider really takes.
 */
import * as eks from "@pulumi/aws/eks";
import * as iam from "@pulumi/aws/iam";
import * as kms from "@pulumi/aws/kms";
import * as rds from "@pulumi/aws/rds";
import * as s3 from "@pulumi/aws/s3";

import { runUnderMocks } from "../../tools/lib/mock-run";
import type { Plan } from "../../tools/lib/plan";

function program(): void {
    const protect = true;
    const key = new kms.Key(
        "platform-key",
        { description: "med-agi data", enableKeyRotation: true, deletionWindowInDays: 30 },
        { protect },
    );
    const bucket = new s3.Bucket("models", { bucket: "med-agi-models" }, { protect });
    new s3.BucketPublicAccessBlock("models-public-access", {
        bucket: bucket.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
    });
    new s3.BucketServerSideEncryptionConfiguration("models-encryption", {
        bucket: bucket.id,
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.arn }, bucketKeyEnabled: true }],
    });
    new s3.BucketVersioning("models-versioning", { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } });
    new s3.BucketLifecycleConfiguration("models-lifecycle", {
        bucket: bucket.id,
        rules: [{ id: "expire-backups", status: "Enabled", filter: { prefix: "backup-" }, expiration: { days: 30 } }],
    });
    new s3.BucketPolicy("models-tls-only", {
        bucket: bucket.id,
        policy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [
                {
                    Sid: "DenyInsecureTransport",
                    Effect: "Deny",
                    Principal: "*",
                    Action: "s3:*",
                    Resource: ["arn:aws:s3:::med-agi-models", "arn:aws:s3:::med-agi-models/*"],
                    Condition: { Bool: { "aws:SecureTransport": "false" } },
                },
            ],
        }),
    });
    new rds.Instance(
        "postgres",
        {
            identifier: "med-agi-prod",
            engine: "postgres",
            instanceClass: "db.r6g.large",
            allocatedStorage: 100,
            username: "medagi",
            dbName: "medagi",
            manageMasterUserPassword: true,
            storageEncrypted: true,
            kmsKeyId: key.arn,
            publiclyAccessible: false,
            backupRetentionPeriod: 7,
            multiAz: true,
            deletionProtection: true,
            skipFinalSnapshot: false,
            finalSnapshotIdentifier: "med-agi-prod-final",
        },
        { protect },
    );
    const role = new iam.Role("cluster-role", {
        assumeRolePolicy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: { Service: "eks.amazonaws.com" }, Action: "sts:AssumeRole" }],
        }),
    });
    new iam.RolePolicy("models-read", {
        role: role.name,
        policy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Action: ["s3:GetObject", "s3:ListBucket"], Resource: ["arn:aws:s3:::med-agi-models/*"] }],
        }),
    });
    const cluster = new eks.Cluster("cluster", {
        name: "med-agi-prod",
        roleArn: role.arn,
        vpcConfig: {
            subnetIds: ["subnet-a", "subnet-b"],
            endpointPrivateAccess: true,
            endpointPublicAccess: true,
            publicAccessCidrs: ["203.0.113.0/24"],
        },
        encryptionConfig: { resources: ["secrets"], provider: { keyArn: key.arn } },
        enabledClusterLogTypes: ["api", "audit", "authenticator"],
    });
    new eks.NodeGroup("gpu", {
        clusterName: cluster.name,
        nodeGroupName: "triton-gpu",
        nodeRoleArn: role.arn,
        subnetIds: ["subnet-a", "subnet-b"],
        amiType: "AL2023_x86_64_NVIDIA",
        instanceTypes: ["g5.xlarge"],
        scalingConfig: { minSize: 1, maxSize: 4, desiredSize: 1 },
        labels: { "nvidia.com/gpu.present": "true" },
        taints: [{ key: "nvidia.com/gpu", value: "true", effect: "NO_SCHEDULE" }],
    });
}

/** The plan of the compliant AWS layer as stack `prod`. */
export function awsBaseline(): Promise<Plan> {
    return runUnderMocks({ project: "med-agi", stack: "prod", values: {}, secretKeys: [] }, program);
}
