/**
 * RDS PostgreSQL (user and database `medagi`): private subnets, reachable
 * only from the cluster's nodes, KMS-encrypted, TLS forced, connections and
 * slow queries logged, Performance Insights on, the master password managed
 * by Secrets Manager (never in config or state), multi-AZ and deletion
 * protection in prod, a final snapshot on delete.
 */
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as ec2 from "@pulumi/aws/ec2";
import * as rds from "@pulumi/aws/rds";
import * as pulumi from "@pulumi/pulumi";

import { rotatingKmsKey } from "./kms";
import { dataSafety } from "./naming";

/** The RDS master user: the administrator the PostgreSQL provider connects as (`dataStores.postgres.adminUser`). */
export const RDS_MASTER_USER = "postgres";
export const POSTGRES_PORT = 5432;

/** Slow-query threshold logged by the server (ms): the runbook's "Review and optimize slow queries". */
export const SLOW_QUERY_MS = 1000;

/** The log exports of the instance; RDS writes each to `/aws/rds/instance/<identifier>/<export>`. */
export const RDS_LOG_EXPORTS = ["postgresql", "upgrade"] as const;

/** The CloudWatch log group RDS writes an export to (fixed by RDS). */
export function rdsLogGroupName(identifier: string, logExport: string): string {
    return `/aws/rds/instance/${identifier}/${logExport}`;
}

/** Parameter group family of a PostgreSQL version ("16.8" → "postgres16"). */
export function parameterFamily(engineVersion: string): string {
    return `postgres${engineVersion.split(".")[0]}`;
}

/** The server parameters this layer sets. */
export function databaseParameters(): { name: string; value: string; applyMethod: "immediate" | "pending-reboot" }[] {
    return [
        { name: "rds.force_ssl", value: "1", applyMethod: "immediate" },
        { name: "log_connections", value: "1", applyMethod: "immediate" },
        { name: "log_disconnections", value: "1", applyMethod: "immediate" },
        { name: "log_min_duration_statement", value: String(SLOW_QUERY_MS), applyMethod: "immediate" },
    ];
}

export interface DatabaseArgs {
    readonly prefix: string;
    readonly vpcId: pulumi.Input<string>;
    readonly subnetIds: pulumi.Input<string>[];
    /** Allowed in: the cluster's node security group. */
    readonly nodeSecurityGroupId: pulumi.Input<string>;
    /** Also allowed in: the deploy runner, which runs the PostgreSQL provider of `pulumi up` (infra/aws/runner.ts). @default none */
    readonly deployRunnerSecurityGroupId?: pulumi.Input<string>;
    readonly instanceClass: string;
    readonly engineVersion: string;
    readonly allocatedStorageGiB: number;
    readonly maxAllocatedStorageGiB: number;
    readonly backupRetentionDays: number;
    readonly multiAz: boolean;
    /** Retention of the exported logs (CloudWatch); the groups are created before the instance so no line is kept forever. */
    readonly logRetentionDays: number;
    /**
     * Who uses the database's key: the deploy roles (cluster admin roles) create the instance (RDS keeps
     * the key through grants) and read the master password secret (through Secrets Manager).
     */
    readonly keyAccess: { readonly accountId: string; readonly region: string; readonly deployRoleArns: readonly string[] };
    readonly prod: boolean;
}

export interface Database {
    readonly host: pulumi.Output<string>;
    readonly port: pulumi.Output<number>;
    readonly endpoint: pulumi.Output<string>;
    /** Secrets Manager secret holding the master password (rotated by RDS). */
    readonly masterUserSecretArn: pulumi.Output<string>;
    /** The KMS key that encrypts that secret (a reader of the secret needs kms:Decrypt on it). */
    readonly masterUserSecretKmsKeyArn: pulumi.Output<string>;
}

/** Declares the database, its key, subnet group, security group and parameter group. */
export function createDatabase(args: DatabaseArgs, opts: pulumi.CustomResourceOptions): Database {
    const name = args.prefix;
    const safe = { ...opts, ...dataSafety(args.prod) };
    const key = rotatingKmsKey(
        `${name}-rds`,
        `${name}: RDS storage, Performance Insights and the master password secret`,
        {
            accountId: args.keyAccess.accountId,
            region: args.keyAccess.region,
            users: { roleArns: args.keyAccess.deployRoleArns, via: ["rds", "secretsmanager"] },
            grantsFor: args.keyAccess.deployRoleArns,
        },
        args.prod,
        opts,
    );

    const subnets = new rds.SubnetGroup(`${name}-db`, { name: `${name}-db`, subnetIds: args.subnetIds }, opts);
    const sg = new ec2.SecurityGroup(
        `${name}-db`,
        {
            name: `${name}-db`,
            vpcId: args.vpcId,
            description: "PostgreSQL from the EKS nodes and the deploy runner only",
            ingress: [
                {
                    protocol: "tcp",
                    fromPort: POSTGRES_PORT,
                    toPort: POSTGRES_PORT,
                    securityGroups: [args.nodeSecurityGroupId],
                    description: "PostgreSQL from the cluster's nodes",
                },
                ...(args.deployRunnerSecurityGroupId === undefined
                    ? []
                    : [
                          {
                              protocol: "tcp",
                              fromPort: POSTGRES_PORT,
                              toPort: POSTGRES_PORT,
                              securityGroups: [args.deployRunnerSecurityGroupId],
                              description: "PostgreSQL from the deploy runner (pulumi up's PostgreSQL provider)",
                          },
                      ]),
            ],
            egress: [],
        },
        opts,
    );
    const params = new rds.ParameterGroup(
        `${name}-db`,
        { namePrefix: `${name}-`, family: parameterFamily(args.engineVersion), parameters: databaseParameters() },
        opts,
    );

    // Created before the instance: left to RDS, the export's log group would be auto-created without retention.
    const logGroups = RDS_LOG_EXPORTS.map(
        (logExport) =>
            new cloudwatch.LogGroup(
                `${name}-db-${logExport}`,
                { name: rdsLogGroupName(name, logExport), retentionInDays: args.logRetentionDays },
                opts,
            ),
    );

    const db = new rds.Instance(
        `${name}-db`,
        {
            identifier: name,
            engine: "postgres",
            engineVersion: args.engineVersion,
            instanceClass: args.instanceClass,
            // The master user administers; the platform's owner role and database `medagi`
            // (`psql -U medagi`) are created by the data-store layer through @pulumi/postgresql,
            // owned by `medagi`. RDS creating them itself would clash with those resources.
            username: RDS_MASTER_USER,
            manageMasterUserPassword: true,
            masterUserSecretKmsKeyId: key.arn,
            port: POSTGRES_PORT,
            storageType: "gp3",
            allocatedStorage: args.allocatedStorageGiB,
            maxAllocatedStorage: args.maxAllocatedStorageGiB,
            storageEncrypted: true,
            kmsKeyId: key.arn,
            dbSubnetGroupName: subnets.name,
            vpcSecurityGroupIds: [sg.id],
            parameterGroupName: params.name,
            publiclyAccessible: false,
            multiAz: args.multiAz,
            deletionProtection: args.prod,
            backupRetentionPeriod: args.backupRetentionDays,
            copyTagsToSnapshot: true,
            skipFinalSnapshot: false,
            finalSnapshotIdentifier: `${name}-final`,
            deleteAutomatedBackups: false,
            performanceInsightsEnabled: true,
            performanceInsightsKmsKeyId: key.arn,
            performanceInsightsRetentionPeriod: 7,
            enabledCloudwatchLogsExports: [...RDS_LOG_EXPORTS],
            autoMinorVersionUpgrade: true,
            applyImmediately: false,
        },
        { ...safe, dependsOn: logGroups },
    );
    return {
        host: db.address,
        port: db.port,
        endpoint: db.endpoint,
        masterUserSecretArn: db.masterUserSecrets.apply((s) => s[0]?.secretArn ?? ""),
        masterUserSecretKmsKeyArn: key.arn,
    };
}
