/**
 * EKS audit logs to the SIEM. EKS writes them to CloudWatch Logs, not to any
 * node, so Fluent Bit cannot ship them: a subscription filter sends the audit
 * events to a Firehose delivery stream whose destination is the SIEM
 * collector's HTTP endpoint (the token from the existing `siemToken` secret).
 * Records the SIEM refuses land in the backups bucket under `siem-failed/`.
 */
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as iam from "@pulumi/aws/iam";
import * as kinesis from "@pulumi/aws/kinesis";
import * as pulumi from "@pulumi/pulumi";

import { BACKUP_PREFIXES, firehosePolicy, logsToFirehosePolicy, policyJson, serviceTrustPolicy } from "./iam";

/** CloudWatch Logs filter pattern matching Kubernetes audit events (the `audit` log streams' JSON). */
export const AUDIT_FILTER_PATTERN = '{ $.kind = "Event" }';

/** The SIEM collector URL from the `siem` config. */
export function siemUrl(siem: { host: string; port: number; uri: string }): string {
    return `https://${siem.host}${siem.port === 443 ? "" : `:${siem.port}`}${siem.uri}`;
}

/** The delivery stream's HTTP endpoint block: the SIEM, GZIP, failed records only to `siem-failed/`. */
export function firehoseHttpEndpoint<T>(args: {
    url: string;
    token: T;
    roleArn: T | pulumi.Input<string>;
    bucketArn: pulumi.Input<string>;
    kmsKeyArn: pulumi.Input<string>;
}) {
    return {
        name: "siem",
        url: args.url,
        accessKey: args.token,
        roleArn: args.roleArn,
        bufferingSize: 1,
        bufferingInterval: 60,
        retryDuration: 3600,
        s3BackupMode: "FailedDataOnly",
        requestConfiguration: { contentEncoding: "GZIP" },
        s3Configuration: {
            roleArn: args.roleArn,
            bucketArn: args.bucketArn,
            prefix: BACKUP_PREFIXES.siemFailed,
            errorOutputPrefix: `${BACKUP_PREFIXES.siemFailed}errors/`,
            compressionFormat: "GZIP",
            kmsKeyArn: args.kmsKeyArn,
        },
    };
}

export interface AuditArgs {
    readonly prefix: string;
    readonly accountId: string;
    readonly region: string;
    readonly logGroupName: pulumi.Input<string>;
    readonly siem: { readonly host: string; readonly port: number; readonly uri: string };
    /** The collector token (a Pulumi secret). */
    readonly siemToken: pulumi.Input<string>;
    readonly backupsBucket: pulumi.Input<string>;
    readonly backupsBucketArn: pulumi.Input<string>;
    readonly kmsKeyArn: pulumi.Input<string>;
}

/** Declares the delivery stream, its roles and the subscription filter. */
export function createAuditPath(args: AuditArgs, opts: pulumi.CustomResourceOptions): { deliveryStreamArn: pulumi.Output<string> } {
    const name = `${args.prefix}-audit`;
    const firehoseRole = new iam.Role(
        `${name}-firehose`,
        { name: `${name}-firehose`, assumeRolePolicy: JSON.stringify(serviceTrustPolicy("firehose.amazonaws.com", args.accountId)) },
        opts,
    );
    const firehoseAccess = new iam.RolePolicy(
        `${name}-firehose`,
        {
            role: firehoseRole.name,
            policy: policyJson([args.backupsBucket, args.kmsKeyArn], (backups: string, kmsKeyArn: string) =>
                firehosePolicy({ models: "", backups, kmsKeyArn }),
            ),
        },
        opts,
    );

    const stream = new kinesis.FirehoseDeliveryStream(
        name,
        {
            name,
            destination: "http_endpoint",
            serverSideEncryption: { enabled: true, keyType: "AWS_OWNED_CMK" },
            // One secret field makes the whole block secret in state and in the render; the builder is tested on its own.
            httpEndpointConfiguration: firehoseHttpEndpoint({
                url: siemUrl(args.siem),
                token: pulumi.secret(args.siemToken),
                roleArn: firehoseRole.arn,
                bucketArn: args.backupsBucketArn,
                kmsKeyArn: args.kmsKeyArn,
            }),
        },
        { ...opts, dependsOn: [firehoseAccess] },
    );

    const logsRole = new iam.Role(
        `${name}-logs`,
        { name: `${name}-logs`, assumeRolePolicy: JSON.stringify(serviceTrustPolicy(`logs.${args.region}.amazonaws.com`, args.accountId)) },
        opts,
    );
    const logsAccess = new iam.RolePolicy(
        `${name}-logs`,
        { role: logsRole.name, policy: policyJson([stream.arn], (arn: string) => logsToFirehosePolicy(arn)) },
        opts,
    );
    new cloudwatch.LogSubscriptionFilter(
        name,
        {
            name: "eks-audit-to-siem",
            logGroup: args.logGroupName,
            filterPattern: AUDIT_FILTER_PATTERN,
            destinationArn: stream.arn,
            roleArn: logsRole.arn,
        },
        { ...opts, dependsOn: [logsAccess] },
    );
    return { deliveryStreamArn: stream.arn };
}
