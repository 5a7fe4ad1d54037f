import {
    allowedActions,
    configBackupPolicy,
    clusterAutoscalerPolicy,
    irsaTrustPolicy,
    modelBackupPolicy,
    postgresBackupPolicy,
    tritonPolicy,
} from "../../infra/aws/iam";
import { lifecycleRules, logBucketPolicy, tlsOnlyPolicy } from "../../infra/aws/buckets";
import { endpointAccess, kubeconfigFor, roleKey } from "../../infra/aws/cluster";
import { clusterAutoscalerValues, gp3StorageClassArgs } from "../../infra/aws/autoscaler";
import { databaseParameters, parameterFamily } from "../../infra/aws/database";
import { endpointSubnetPlan, natGatewayCount, subnetCidr, subnetPlan } from "../../infra/aws/network";
import { gpuPoolLabels, launchTemplateArgs, scaleFromZeroTags } from "../../infra/aws/nodepools";
import { keepLastImagesPolicy, repositoryNames } from "../../infra/aws/registry";
import { bucketNamesFor, dataSafety } from "../../infra/aws/naming";
import {
    AUDIT_FILTER_PATTERN,
    deliverySuccessMetric,
    failedRecordsBucketName,
    failedRecordsLifecycle,
    firehoseHttpEndpoint,
    siemUrl,
    splunkDestination,
    tokenSecretJson,
} from "../../infra/aws/audit";

const B = { models: "m-bucket", backups: "b-bucket", kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/k" };

describe("network builders", () => {
    it("cuts subnets out of the VPC CIDR without overlap", () => {
        expect(subnetCidr("10.40.0.0/16", 18, 0)).toBe("10.40.0.0/18");
        expect(subnetCidr("10.40.0.0/16", 18, 2)).toBe("10.40.128.0/18");
        expect(subnetCidr("10.40.0.0/16", 22, 63)).toBe("10.40.252.0/22");
        expect(() => subnetCidr("10.40.0.0/16", 18, 4)).toThrow("does not fit");
        expect(() => subnetCidr("10.40.0.0/16", 15, 0)).toThrow("does not fit");
    });

    it("plans a large private and a small public subnet per zone", () => {
        expect(subnetPlan("10.50.0.0/16", ["eu-west-1a", "eu-west-1b", "eu-west-1c"])).toEqual([
            { zone: "eu-west-1a", privateCidr: "10.50.0.0/18", publicCidr: "10.50.192.0/22" },
            { zone: "eu-west-1b", privateCidr: "10.50.64.0/18", publicCidr: "10.50.196.0/22" },
            { zone: "eu-west-1c", privateCidr: "10.50.128.0/18", publicCidr: "10.50.200.0/22" },
        ]);
    });

    it("cuts the STS and ECR endpoints' /28s from the last eighth of the VPC's last quarter, clear of the public and private subnets", () => {
        expect(endpointSubnetPlan("10.50.0.0/16", ["eu-west-1a", "eu-west-1b", "eu-west-1c"])).toEqual([
            { zone: "eu-west-1a", stsCidr: "10.50.248.0/28", ecrCidr: "10.50.248.48/28" },
            { zone: "eu-west-1b", stsCidr: "10.50.248.16/28", ecrCidr: "10.50.248.64/28" },
            { zone: "eu-west-1c", stsCidr: "10.50.248.32/28", ecrCidr: "10.50.248.80/28" },
        ]);
        // The smallest VPC the config allows (/20) still fits them: its last /25.
        expect(endpointSubnetPlan("10.60.0.0/20", ["a", "b", "c"]).map((p) => [p.stsCidr, p.ecrCidr])).toEqual([
            ["10.60.15.128/28", "10.60.15.176/28"],
            ["10.60.15.144/28", "10.60.15.192/28"],
            ["10.60.15.160/28", "10.60.15.208/28"],
        ]);
    });

    it("runs one NAT gateway per zone in prod and one in staging", () => {
        expect(natGatewayCount(true, 3)).toBe(3);
        expect(natGatewayCount(false, 2)).toBe(1);
    });
});

describe("IAM policy builders", () => {
    const docs = {
        triton: tritonPolicy(B),
        postgres: postgresBackupPolicy(B),
        model: modelBackupPolicy(B),
        config: configBackupPolicy(B),
        autoscaler: clusterAutoscalerPolicy("med-agi-prod"),
    };

    it("never allows a * action", () => {
        for (const doc of Object.values(docs)) for (const action of allowedActions(doc)) expect(action).not.toMatch(/\*/);
    });

    it("lets Triton only read the models bucket", () => {
        const resources = docs.triton.Statement.flatMap((s) => s.Resource ?? []);
        expect(resources).toEqual(["arn:aws:s3:::m-bucket", "arn:aws:s3:::m-bucket/*", B.kmsKeyArn]);
        expect(allowedActions(docs.triton)).not.toContain("s3:PutObject");
    });

    it("scopes each backup writer to its own prefix of the backups bucket", () => {
        const objectResources = (doc: (typeof docs)["postgres"]) =>
            doc.Statement.filter((s) => (s.Action as string[]).includes("s3:PutObject")).flatMap((s) => s.Resource);
        expect(objectResources(docs.postgres)).toEqual(["arn:aws:s3:::b-bucket/postgres/*"]);
        expect(objectResources(docs.model)).toEqual(["arn:aws:s3:::b-bucket/models/*"]);
        expect(objectResources(docs.config)).toEqual(["arn:aws:s3:::b-bucket/config/*"]);
    });

    it("keeps config-backup away from the database dumps (no postgres/ and no models bucket)", () => {
        const text = JSON.stringify(docs.config);
        expect(text).not.toContain("postgres/");
        expect(text).not.toContain("m-bucket");
        expect(docs.config.Statement.find((s) => s.Sid === "Listconfig")?.Condition).toEqual({
            StringLike: { "s3:prefix": ["config/", "config/*"] },
        });
    });

    it("lets the model backup read the models bucket", () => {
        expect(docs.model.Statement.find((s) => s.Sid === "ReadModels")?.Resource).toBe("arn:aws:s3:::m-bucket/*");
    });

    it("lets Cluster Autoscaler change only this cluster's node groups", () => {
        const scale = docs.autoscaler.Statement.find((s) => s.Sid === "ScaleOwnNodeGroups")!;
        expect(scale.Condition).toEqual({ StringEquals: { "aws:ResourceTag/k8s.io/cluster-autoscaler/med-agi-prod": "owned" } });
    });

    it("trusts exactly one ServiceAccount through the OIDC provider", () => {
        const trust = irsaTrustPolicy("arn:aws:iam::1:oidc-provider/x", "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC", {
            namespace: "med-agi",
            name: "triton",
        });
        expect(trust.Statement[0]?.Condition).toEqual({
            StringEquals: {
                "oidc.eks.eu-west-1.amazonaws.com/id/ABC:sub": "system:serviceaccount:med-agi:triton",
                "oidc.eks.eu-west-1.amazonaws.com/id/ABC:aud": "sts.amazonaws.com",
            },
        });
    });
});

describe("bucket builders", () => {
    it("denies plain HTTP and TLS < 1.2", () => {
        const doc = tlsOnlyPolicy("x");
        expect(doc.Statement.map((s) => [s.Effect, s.Condition])).toEqual([
            ["Deny", { Bool: { "aws:SecureTransport": false } }],
            ["Deny", { NumericLessThan: { "s3:TlsVersion": "1.2" } }],
        ]);
    });

    it("expires backups after the runbook's 30 days and noncurrent model versions after the configured days", () => {
        expect(lifecycleRules("backups", 90)[0]?.expiration).toEqual({ days: 30 });
        expect(lifecycleRules("models", 45)[0]?.noncurrentVersionExpiration).toEqual({ noncurrentDays: 45 });
        expect(lifecycleRules("models", 45)[0]?.expiration).toBeUndefined();
    });

    it("accepts access logs only from this account's data buckets", () => {
        const grant = logBucketPolicy("logs", "123456789012", ["a", "b"]).Statement.find((s) => s.Sid === "S3ServerAccessLogs")!;
        expect(grant.Condition).toEqual({
            StringEquals: { "aws:SourceAccount": "123456789012" },
            ArnLike: { "aws:SourceArn": ["arn:aws:s3:::a", "arn:aws:s3:::b"] },
        });
    });
});

describe("cluster, node pool and registry builders", () => {
    it("keeps the endpoint private, public only from listed CIDRs", () => {
        expect(endpointAccess([])).toEqual({ endpointPrivateAccess: true, endpointPublicAccess: false });
        expect(endpointAccess(["203.0.113.0/24"])).toEqual({
            endpointPrivateAccess: true,
            endpointPublicAccess: true,
            publicAccessCidrs: ["203.0.113.0/24"],
        });
    });

    it("names access entries by role, never by list position", () => {
        expect(roleKey("arn:aws:iam::123456789012:role/team/Med_Admin")).toBe("med-admin");
    });

    it("builds a kubeconfig that authenticates with aws eks get-token", () => {
        const kc = JSON.parse(kubeconfigFor("c", "eu-west-1", "https://e", "Q0E="));
        expect(kc.clusters[0].cluster).toEqual({ server: "https://e", "certificate-authority-data": "Q0E=" });
        expect(kc.users[0].user.exec.args).toEqual([
            "eks",
            "get-token",
            "--cluster-name",
            "c",
            "--region",
            "eu-west-1",
            "--output",
            "json",
        ]);
    });

    it("labels GPU nodes for the device plugin, the Triton selector and Cluster Autoscaler", () => {
        expect(gpuPoolLabels(["g5.xlarge"])).toEqual({
            "med-agi.io/pool": "triton-gpu",
            "nvidia.com/gpu.present": "true",
            "k8s.amazonaws.com/accelerator": "nvidia-a10g",
        });
        expect(scaleFromZeroTags({ "nvidia.com/gpu.present": "true" })).toEqual({
            "k8s.io/cluster-autoscaler/node-template/label/nvidia.com/gpu.present": "true",
            "k8s.io/cluster-autoscaler/node-template/taint/nvidia.com/gpu": "true:NoSchedule",
        });
    });

    it("requires IMDSv2 and encrypts the root volume", () => {
        const lt = launchTemplateArgs(200);
        expect(lt.metadataOptions).toMatchObject({ httpTokens: "required", httpPutResponseHopLimit: 1 });
        expect(lt.blockDeviceMappings).toEqual([
            { deviceName: "/dev/xvda", ebs: { volumeSize: 200, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" } },
        ]);
    });

    it("has a repository per service and the log rotator, keeping the last N images", () => {
        expect(repositoryNames()).toEqual([
            "med-agi/imaging",
            "med-agi/ekg",
            "med-agi/eval",
            "med-agi/anchor",
            "med-agi/modelcards",
            "med-agi/ops",
            "med-agi/logrotate",
        ]);
        expect(JSON.parse(keepLastImagesPolicy(30)).rules[0].selection).toEqual({
            tagStatus: "any",
            countType: "imageCountMoreThan",
            countNumber: 30,
        });
    });

    it("forces TLS and logs connections and slow queries on the database", () => {
        expect(parameterFamily("16")).toBe("postgres16");
        expect(parameterFamily("17")).toBe("postgres17");
        expect(Object.fromEntries(databaseParameters().map((p) => [p.name, p.value]))).toEqual({
            "rds.force_ssl": "1",
            log_connections: "1",
            log_disconnections: "1",
            log_min_duration_statement: "1000",
        });
    });

    it("runs Cluster Autoscaler at the cluster's minor, with its IRSA role, on the system pool", () => {
        const v = clusterAutoscalerValues({ clusterName: "med-agi-prod", region: "eu-west-1", roleArn: "arn:r", version: "1.35" });
        expect(v).toMatchObject({
            cloudProvider: "aws",
            awsRegion: "eu-west-1",
            autoDiscovery: { clusterName: "med-agi-prod" },
            image: { tag: "v1.35.2" },
            rbac: { serviceAccount: { name: "cluster-autoscaler", annotations: { "eks.amazonaws.com/role-arn": "arn:r" } } },
            nodeSelector: { "med-agi.io/pool": "system" },
        });
    });

    it("makes encrypted gp3 the default StorageClass, retaining volumes in prod", () => {
        const sc = gp3StorageClassArgs(true);
        expect(sc.metadata).toEqual({ name: "gp3", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } });
        expect(sc.parameters).toMatchObject({ type: "gp3", encrypted: "true" });
        expect(sc.reclaimPolicy).toBe("Retain");
        expect(gp3StorageClassArgs(false).reclaimPolicy).toBe("Delete");
    });

    it("addresses the SIEM collector over https on 443", () => {
        expect(siemUrl({ host: "siem.example.org", uri: "/services/collector/raw" })).toBe(
            "https://siem.example.org/services/collector/raw",
        );
    });

    const destination = {
        siem: { host: "siem.example.org", uri: "/services/collector/raw" },
        tokenSecretArn: "arn:secret",
        roleArn: "arn:role",
        failedBucketArn: "arn:failed-bucket",
        kmsKeyArn: "arn:key",
        errorLogGroup: "/aws/kinesisfirehose/x",
    };

    it("speaks HEC to a Splunk collector: raw endpoint on 443, token from Secrets Manager, CloudWatch records unpacked", () => {
        const block = splunkDestination(destination);
        expect(block.hecEndpoint).toBe("https://siem.example.org");
        expect(block.hecEndpointType).toBe("Raw");
        expect(block.secretsManagerConfiguration).toEqual({ enabled: true, secretArn: "arn:secret", roleArn: "arn:role" });
        expect(block).not.toHaveProperty("hecToken");
        expect(block.s3BackupMode).toBe("FailedEventsOnly");
        expect(block.processingConfiguration).toEqual({
            enabled: true,
            processors: [
                { type: "Decompression", parameters: [{ parameterName: "CompressionFormat", parameterValue: "GZIP" }] },
                { type: "CloudWatchLogProcessing", parameters: [{ parameterName: "DataMessageExtraction", parameterValue: "true" }] },
            ],
        });
        expect(block.s3Configuration).toEqual({
            roleArn: "arn:role",
            bucketArn: "arn:failed-bucket",
            prefix: "failed/",
            errorOutputPrefix: "errors/!{firehose:error-output-type}/",
            compressionFormat: "GZIP",
            kmsKeyArn: "arn:key",
        });
        expect(block.cloudwatchLoggingOptions).toEqual({
            enabled: true,
            logGroupName: "/aws/kinesisfirehose/x",
            logStreamName: "splunk-delivery",
        });
        expect(AUDIT_FILTER_PATTERN).toBe('{ $.kind = "Event" }');
    });

    it("posts to a Firehose-protocol receiver only through http_endpoint, with the same processors and failed-records bucket", () => {
        const block = firehoseHttpEndpoint(destination);
        expect(block.url).toBe("https://siem.example.org/services/collector/raw");
        expect(block).not.toHaveProperty("accessKey");
        expect(block.secretsManagerConfiguration).toEqual({ enabled: true, secretArn: "arn:secret", roleArn: "arn:role" });
        expect(block.s3BackupMode).toBe("FailedDataOnly");
        expect(block.processingConfiguration.processors.map((p) => p.type)).toEqual(["Decompression", "CloudWatchLogProcessing"]);
        expect(block.s3Configuration.bucketArn).toBe("arn:failed-bucket");
    });

    it("stores the token in the JSON key Firehose reads for the receiver, and alarms on that receiver's delivery metric", () => {
        expect(tokenSecretJson("splunk-hec", "T")).toBe('{"hec_token":"T"}');
        expect(tokenSecretJson("firehose-http", "T")).toBe('{"api_key":"T"}');
        expect(deliverySuccessMetric("splunk-hec")).toBe("DeliveryToSplunk.Success");
        expect(deliverySuccessMetric("firehose-http")).toBe("DeliveryToHttpEndpoint.Success");
    });

    it("keeps failed audit records a year in a bucket of their own", () => {
        expect(failedRecordsBucketName("prod", "123456789012")).toBe("med-agi-siem-failed-prod-123456789012");
        expect(failedRecordsLifecycle()).toEqual([
            {
                id: "failed-audit-records",
                status: "Enabled",
                filter: {},
                expiration: { days: 365 },
                noncurrentVersionExpiration: { noncurrentDays: 30 },
                abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
            },
        ]);
    });

    it("protects and retains data-holding resources in prod only", () => {
        expect(dataSafety(true)).toEqual({ protect: true, retainOnDelete: true });
        expect(dataSafety(false)).toEqual({});
    });

    it("derives bucket names per stack, so no two stacks share one", () => {
        expect(bucketNamesFor("staging", "123456789012").models).not.toBe(bucketNamesFor("prod", "123456789012").models);
        expect(bucketNamesFor("prod", "123456789012")).toEqual({
            models: "med-agi-models-prod-123456789012",
            backups: "med-agi-backups-prod-123456789012",
            logs: "med-agi-s3-access-logs-prod-123456789012",
        });
    });
});
