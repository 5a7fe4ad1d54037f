/**
 * EKS audit logs to the SIEM. EKS writes them to CloudWatch Logs, not to any
 * node, so Fluent Bit cannot ship them: a subscription filter sends the audit
 * events to a Firehose delivery stream whose destination matches the receiver
 * (`siem.receiver`):
 *
 * - `splunk-hec`: Firehose's `splunk` destination, which speaks HEC (token in
 *   the `Authorization: Splunk` header, indexer acknowledgement), raw endpoint;
 * - `firehose-http`: the `http_endpoint` destination, only for a collector
 *   that implements the Firehose HTTP endpoint delivery protocol.
 *
 * CloudWatch Logs hands Firehose gzip-compressed batches of log events: the
 * stream decompresses them and extracts each event's message (the audit event
 * JSON) before delivery. Records the SIEM refuses go to a bucket of their own,
 * kept {@link FAILED_RECORD_RETENTION_DAYS} days (no backup lifecycle reaches
 * it), and a CloudWatch alarm on the delivery success metric notifies
 * `siem.deliveryAlarmEmail` through SNS.
 */
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as iam from "@pulumi/aws/iam";
import * as kinesis from "@pulumi/aws/kinesis";
import * as s3 from "@pulumi/aws/s3";
import * as secretsmanager from "@pulumi/aws/secretsmanager";
import * as sns from "@pulumi/aws/sns";
import type * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

import { auditFirehoseRoleName, auditPrincipals } from "./access";
import { bucketBaseline, dataBucketPolicy } from "./buckets";
import { firehosePolicy, logsToFirehosePolicy, policyJson, serviceTrustPolicy } from "./iam";
import { dataSafety } from "./naming";

/** CloudWatch Logs filter pattern matching Kubernetes audit events (the `audit` log streams' JSON). */
export const AUDIT_FILTER_PATTERN = '{ $.kind = "Event" }';

/** What the SIEM collector speaks (`siem.receiver`). */
export type SiemReceiver = "splunk-hec" | "firehose-http";

/**
 * Days a record the SIEM refused is kept: as long as the audit data stream's
 * retention floor in staging/prod (365 days, docs/data.md), so an event that
 * missed the SIEM can be replayed for as long as one that reached it is kept.
 */
export const FAILED_RECORD_RETENTION_DAYS = 365;

/** Days Firehose's own delivery-error log is kept. */
export const DELIVERY_ERROR_LOG_RETENTION_DAYS = 90;

/** The SIEM collector URL from the `siem` config (Firehose delivers to port 443 only: config refuses another). */
export function siemUrl(siem: { host: string; uri: string }): string {
    return `https://${siem.host}${siem.uri}`;
}

/** The failed-records bucket of a stack (S3 names are global: the account keeps it unique). */
export function failedRecordsBucketName(stack: string, accountId: string): string {
    return `med-agi-siem-failed-${stack}-${accountId}`;
}

/**
 * Firehose's processors for CloudWatch Logs input: gunzip the subscription's
 * batches, then deliver each log event's message (not the CloudWatch envelope).
 */
export function cloudWatchLogsProcessing(): {
    enabled: boolean;
    processors: { type: string; parameters: { parameterName: string; parameterValue: string }[] }[];
} {
    return {
        enabled: true,
        processors: [
            { type: "Decompression", parameters: [{ parameterName: "CompressionFormat", parameterValue: "GZIP" }] },
            { type: "CloudWatchLogProcessing", parameters: [{ parameterName: "DataMessageExtraction", parameterValue: "true" }] },
        ],
    };
}

interface DestinationArgs {
    readonly siem: { readonly host: string; readonly uri: string };
    /** The Secrets Manager secret Firehose reads the collector token from ({@link tokenSecretJson}). */
    readonly tokenSecretArn: pulumi.Input<string>;
    readonly roleArn: pulumi.Input<string>;
    readonly failedBucketArn: pulumi.Input<string>;
    readonly kmsKeyArn: pulumi.Input<string>;
    readonly errorLogGroup: pulumi.Input<string>;
}

/** The S3 block of either destination: failed records only, GZIP, SSE-KMS. */
function failedRecordsS3(args: DestinationArgs) {
    return {
        roleArn: args.roleArn,
        bucketArn: args.failedBucketArn,
        prefix: "failed/",
        errorOutputPrefix: "errors/!{firehose:error-output-type}/",
        compressionFormat: "GZIP",
        kmsKeyArn: args.kmsKeyArn,
    };
}

function errorLogging(args: DestinationArgs, stream: string) {
    return { enabled: true, logGroupName: args.errorLogGroup, logStreamName: stream };
}

/** `splunk` destination: HEC raw endpoint on 443, acknowledgement, failed events to their bucket. */
export function splunkDestination(args: DestinationArgs) {
    return {
        hecEndpoint: `https://${args.siem.host}`,
        hecEndpointType: "Raw",
        secretsManagerConfiguration: { enabled: true, secretArn: args.tokenSecretArn, roleArn: args.roleArn },
        hecAcknowledgmentTimeout: 180,
        retryDuration: 3600,
        bufferingSize: 1,
        bufferingInterval: 60,
        s3BackupMode: "FailedEventsOnly",
        processingConfiguration: cloudWatchLogsProcessing(),
        cloudwatchLoggingOptions: errorLogging(args, "splunk-delivery"),
        s3Configuration: failedRecordsS3(args),
    };
}

/** `http_endpoint` destination: only for a receiver of the Firehose HTTP endpoint protocol. */
export function firehoseHttpEndpoint(args: DestinationArgs) {
    return {
        name: "siem",
        url: siemUrl(args.siem),
        secretsManagerConfiguration: { enabled: true, secretArn: args.tokenSecretArn, roleArn: args.roleArn },
        roleArn: args.roleArn,
        bufferingSize: 1,
        bufferingInterval: 60,
        retryDuration: 3600,
        s3BackupMode: "FailedDataOnly",
        requestConfiguration: { contentEncoding: "GZIP" },
        processingConfiguration: cloudWatchLogsProcessing(),
        cloudwatchLoggingOptions: errorLogging(args, "http-delivery"),
        s3Configuration: failedRecordsS3(args),
    };
}

/**
 * The secret's JSON as Firehose reads it: `hec_token` for Splunk, `api_key`
 * for an HTTP endpoint (AWS, Firehose developer guide, "Understand secrets").
 */
export function tokenSecretJson(receiver: SiemReceiver, token: string): string {
    return JSON.stringify(receiver === "splunk-hec" ? { hec_token: token } : { api_key: token });
}

/** The delivery metric whose drop below 1 (some delivery failed) raises the alarm. */
export function deliverySuccessMetric(receiver: SiemReceiver): string {
    return receiver === "splunk-hec" ? "DeliveryToSplunk.Success" : "DeliveryToHttpEndpoint.Success";
}

/** Lifecycle of the failed-records bucket: kept a year, then expired (current and noncurrent). */
export function failedRecordsLifecycle(): aws.types.input.s3.BucketLifecycleConfigurationRule[] {
    return [
        {
            id: "failed-audit-records",
            status: "Enabled",
            filter: {},
            expiration: { days: FAILED_RECORD_RETENTION_DAYS },
            noncurrentVersionExpiration: { noncurrentDays: 30 },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
        },
    ];
}

export interface AuditArgs {
    readonly prefix: string;
    readonly stack: string;
    readonly prod: boolean;
    readonly accountId: string;
    readonly region: string;
    readonly logGroupName: pulumi.Input<string>;
    readonly siem: { readonly host: string; readonly uri: string; readonly receiver: SiemReceiver; readonly alarmEmail: string };
    /** The collector token (a Pulumi secret). */
    readonly siemToken: pulumi.Input<string>;
    /** The KMS key of the data buckets (the failed records are audit data). */
    readonly kmsKeyArn: pulumi.Input<string>;
    /** Where the failed-records bucket logs its access. */
    readonly accessLogBucket: pulumi.Input<string>;
    /** The account's operator roles: with the Firehose role, the only principals of the failed records. */
    readonly operatorRoleArns: readonly string[];
}

/** Declares the failed-records bucket, the delivery stream, its roles, the subscription filter and the alarm. */
export function createAuditPath(
    args: AuditArgs,
    opts: pulumi.CustomResourceOptions,
): { deliveryStreamArn: pulumi.Output<string>; failedRecordsBucket: pulumi.Output<string>; alarmTopicArn: pulumi.Output<string> } {
    const name = `${args.prefix}-audit`;
    const safe = { ...opts, ...dataSafety(args.prod) };

    // Failed records: a bucket of their own, out of reach of the backups' 30-day lifecycle.
    const failedName = failedRecordsBucketName(args.stack, args.accountId);
    const failed = new s3.Bucket(`${name}-failed`, { bucket: failedName, forceDestroy: false }, safe);
    bucketBaseline(`${name}-failed`, failed, { kind: "kms", keyArn: args.kmsKeyArn }, safe);
    const principals = auditPrincipals({ accountId: args.accountId, prefix: args.prefix, operatorRoleArns: args.operatorRoleArns });
    new s3.BucketPolicy(
        `${name}-failed`,
        { bucket: failed.bucket, policy: JSON.stringify(dataBucketPolicy(failedName, principals)) },
        opts,
    );
    new s3.BucketLogging(
        `${name}-failed`,
        { bucket: failed.bucket, targetBucket: args.accessLogBucket, targetPrefix: `${failedName}/` },
        opts,
    );
    new s3.BucketLifecycleConfiguration(`${name}-failed`, { bucket: failed.bucket, rules: failedRecordsLifecycle() }, opts);

    // Firehose's own delivery errors (why a batch failed), with a retention.
    const errorLog = new cloudwatch.LogGroup(
        `${name}-delivery-errors`,
        { name: `/aws/kinesisfirehose/${name}`, retentionInDays: DELIVERY_ERROR_LOG_RETENTION_DAYS },
        opts,
    );

    // The collector token stays in Secrets Manager: never in the stream's configuration (nor in its API responses).
    const tokenSecret = new secretsmanager.Secret(`${name}-siem-token`, { name: `${name}-siem-token`, recoveryWindowInDays: 7 }, opts);
    new secretsmanager.SecretVersion(
        `${name}-siem-token`,
        {
            secretId: tokenSecret.id,
            secretString: pulumi.secret(pulumi.output(args.siemToken).apply((t) => tokenSecretJson(args.siem.receiver, t))),
        },
        opts,
    );

    const firehoseRole = new iam.Role(
        `${name}-firehose`,
        {
            name: auditFirehoseRoleName(args.prefix),
            assumeRolePolicy: JSON.stringify(serviceTrustPolicy("firehose.amazonaws.com", args.accountId)),
        },
        opts,
    );
    const firehoseAccess = new iam.RolePolicy(
        `${name}-firehose`,
        {
            role: firehoseRole.name,
            policy: policyJson(
                [failed.bucket, args.kmsKeyArn, errorLog.arn, tokenSecret.arn],
                (failedBucket: string, kmsKeyArn: string, logArn: string, secretArn: string) =>
                    firehosePolicy({ failedBucket, kmsKeyArn, errorLogGroupArn: logArn, tokenSecretArn: secretArn }),
            ),
        },
        opts,
    );

    const destination = {
        siem: args.siem,
        tokenSecretArn: tokenSecret.arn,
        roleArn: firehoseRole.arn,
        failedBucketArn: failed.arn,
        kmsKeyArn: args.kmsKeyArn,
        errorLogGroup: errorLog.name,
    };
    const stream = new kinesis.FirehoseDeliveryStream(
        name,
        {
            name,
            serverSideEncryption: { enabled: true, keyType: "AWS_OWNED_CMK" },
            ...(args.siem.receiver === "splunk-hec"
                ? { destination: "splunk", splunkConfiguration: splunkDestination(destination) }
                : { destination: "http_endpoint", httpEndpointConfiguration: firehoseHttpEndpoint(destination) }),
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

    // Delivery failure: the success ratio of any 5-minute period below 1 raises the alarm, for 3 periods in a row.
    const topic = new sns.Topic(`${name}-alarms`, { name: `${name}-alarms`, kmsMasterKeyId: "alias/aws/sns" }, opts);
    new sns.TopicSubscription(`${name}-alarms`, { topic: topic.arn, protocol: "email", endpoint: args.siem.alarmEmail }, opts);
    new cloudwatch.MetricAlarm(
        `${name}-delivery`,
        {
            name: `${name}-delivery-failing`,
            alarmDescription: `EKS audit events are not reaching the SIEM (${args.siem.host}); failed records are kept in s3://${failedName}/failed/ (docs/aws.md, "Audit log path").`,
            namespace: "AWS/Firehose",
            metricName: deliverySuccessMetric(args.siem.receiver),
            dimensions: { DeliveryStreamName: name },
            statistic: "Minimum",
            period: 300,
            evaluationPeriods: 3,
            threshold: 1,
            comparisonOperator: "LessThanThreshold",
            // No data means no audit events delivered at all: as bad as failures.
            treatMissingData: "breaching",
            alarmActions: [topic.arn],
            okActions: [topic.arn],
        },
        opts,
    );
    return { deliveryStreamArn: stream.arn, failedRecordsBucket: failed.bucket, alarmTopicArn: topic.arn };
}
