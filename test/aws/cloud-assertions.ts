/**
 * What every cloud stack (staging, prod) must show in its plan: one function
 * per property of the cloud layer, parameterised by what differs per environment.
 */
import type { Plan, PlannedResource } from "../../tools/lib/plan";
import type { PolicyDocument } from "../../infra/aws/iam";
import { k8sObject, ofType as ofAnyType } from "../support/harness";
import { decide } from "../support/iam-decision";

/** A planned resource whose inputs tests read freely. */
export type AnyResource = PlannedResource & { readonly inputs: Record<string, any> };

/** All resources of a Pulumi type token. */
export function ofType(plan: Plan, type: string): AnyResource[] {
    return ofAnyType(plan, type) as AnyResource[];
}

export interface CloudExpectations {
    readonly stack: "staging" | "prod";
    readonly zones: number;
    readonly natGateways: number;
    readonly prod: boolean;
}

export function one(plan: Plan, type: string, name?: string): AnyResource {
    const found = ofType(plan, type).filter((r) => name === undefined || r.name === name);
    if (found.length !== 1) throw new Error(`expected one ${type} ${name ?? ""}, found ${found.length}`);
    return found[0]!;
}

export function cloudSuite(getPlan: () => Plan, e: CloudExpectations): void {
    const prefix = `med-agi-${e.stack}`;
    const plan = () => getPlan();

    describe("network", () => {
        it(`spans ${e.zones} availability zones with private and public subnets`, () => {
            const subnets = ofType(plan(), "aws:ec2/subnet:Subnet");
            expect(new Set(subnets.map((s) => s.inputs.availabilityZone)).size).toBe(e.zones);
            // Per zone: private, public, and the STS and ECR endpoints' own /28s.
            expect(subnets).toHaveLength(4 * e.zones);
            expect(subnets.every((s) => s.inputs.mapPublicIpOnLaunch === false)).toBe(true);
        });

        it("tags public subnets for internet-facing load balancers and private ones for internal", () => {
            const subnets = ofType(plan(), "aws:ec2/subnet:Subnet");
            const pub = subnets.filter((s) => s.name.includes("-public-"));
            const priv = subnets.filter((s) => s.name.includes("-private-"));
            expect(pub.every((s) => s.inputs.tags["kubernetes.io/role/elb"] === "1")).toBe(true);
            expect(priv.every((s) => s.inputs.tags["kubernetes.io/role/internal-elb"] === "1")).toBe(true);
        });

        it(`runs ${e.natGateways} NAT gateway(s)`, () => {
            expect(ofType(plan(), "aws:ec2/natGateway:NatGateway")).toHaveLength(e.natGateways);
        });

        it("has an S3 gateway endpoint and interface endpoints for ECR and STS", () => {
            const endpoints = ofType(plan(), "aws:ec2/vpcEndpoint:VpcEndpoint").map((r) => [
                r.inputs.serviceName,
                r.inputs.vpcEndpointType,
            ]);
            expect(endpoints).toEqual([
                ["com.amazonaws.eu-west-1.s3", "Gateway"],
                ["com.amazonaws.eu-west-1.ecr.api", "Interface"],
                ["com.amazonaws.eu-west-1.ecr.dkr", "Interface"],
                ["com.amazonaws.eu-west-1.sts", "Interface"],
            ]);
        });
    });

    describe("VPC endpoint policies", () => {
        const account = "123456789012";
        const cidr = { staging: "10.40", prod: "10.50" }[e.stack];
        const policyOf = (service: string) =>
            JSON.parse(one(plan(), "aws:ec2/vpcEndpoint:VpcEndpoint", `${prefix}-${service}`).inputs.policy as string);

        it("lets S3 reach the stack's own two buckets and ECR's layer bucket (read) only", () => {
            expect(policyOf("s3")).toEqual({
                Version: "2012-10-17",
                Statement: [
                    {
                        Sid: "StackBuckets",
                        Effect: "Allow",
                        Principal: "*",
                        Action: ["s3:*"],
                        Resource: [
                            `arn:aws:s3:::med-agi-models-${e.stack}-${account}`,
                            `arn:aws:s3:::med-agi-models-${e.stack}-${account}/*`,
                            `arn:aws:s3:::med-agi-backups-${e.stack}-${account}`,
                            `arn:aws:s3:::med-agi-backups-${e.stack}-${account}/*`,
                        ],
                        Condition: { StringEquals: { "aws:ResourceAccount": account } },
                    },
                    {
                        Sid: "EcrImageLayers",
                        Effect: "Allow",
                        Principal: "*",
                        Action: ["s3:GetObject"],
                        Resource: ["arn:aws:s3:::prod-eu-west-1-starport-layer-bucket/*"],
                    },
                ],
            });
        });

        it("lets STS exchange web identities for the stack's own roles only", () => {
            expect(policyOf("sts").Statement).toEqual([
                {
                    Sid: "IrsaStackRoles",
                    Effect: "Allow",
                    Principal: "*",
                    Action: ["sts:AssumeRoleWithWebIdentity"],
                    Resource: [`arn:aws:iam::${account}:role/${prefix}-*`],
                },
            ]);
        });

        it("lets both ECR endpoints pull and nothing else (no push, no delete)", () => {
            for (const service of ["ecr-api", "ecr-dkr"]) {
                expect(policyOf(service).Statement).toEqual([
                    {
                        Sid: "PullOnly",
                        Effect: "Allow",
                        Principal: "*",
                        Action: [
                            "ecr:GetAuthorizationToken",
                            "ecr:BatchGetImage",
                            "ecr:GetDownloadUrlForLayer",
                            "ecr:BatchCheckLayerAvailability",
                        ],
                        Resource: ["*"],
                    },
                ]);
            }
        });

        it("puts STS in /28s of its own, ECR in others, both reachable on 443 from the private subnets only", () => {
            const endpoint = (service: string) => one(plan(), "aws:ec2/vpcEndpoint:VpcEndpoint", `${prefix}-${service}`).inputs;
            const zones = ["eu-west-1a", "eu-west-1b", "eu-west-1c"].slice(0, e.zones);
            expect(endpoint("sts").subnetIds).toEqual(zones.map((z) => `${prefix}-sts-endpoint-${z}-id`));
            expect(endpoint("ecr-api").subnetIds).toEqual(zones.map((z) => `${prefix}-ecr-endpoint-${z}-id`));
            const cidrs = (kind: string) =>
                zones.map((z) => one(plan(), "aws:ec2/subnet:Subnet", `${prefix}-${kind}-endpoint-${z}`).inputs.cidrBlock);
            expect(cidrs("sts")).toEqual([`${cidr}.248.0/28`, `${cidr}.248.16/28`, `${cidr}.248.32/28`].slice(0, e.zones));
            expect(cidrs("ecr")).toEqual([`${cidr}.248.48/28`, `${cidr}.248.64/28`, `${cidr}.248.80/28`].slice(0, e.zones));
            expect(one(plan(), "aws:ec2/securityGroup:SecurityGroup", `${prefix}-endpoints`).inputs.ingress).toEqual([
                {
                    protocol: "tcp",
                    fromPort: 443,
                    toPort: 443,
                    cidrBlocks: [`${cidr}.0.0/18`, `${cidr}.64.0/18`, `${cidr}.128.0/18`].slice(0, e.zones),
                    description: "HTTPS from the private subnets (nodes and pods)",
                },
            ]);
        });
    });

    describe("EKS", () => {
        it("takes its version from config, keeps the endpoint private, public only from the configured CIDRs", () => {
            const c = one(plan(), "aws:eks/cluster:Cluster").inputs;
            expect(c.name).toBe(prefix);
            expect(c.version).toBe("1.35");
            expect(c.upgradePolicy).toEqual({ supportType: "STANDARD" });
            expect(c.vpcConfig).toMatchObject({
                endpointPrivateAccess: true,
                endpointPublicAccess: true,
                publicAccessCidrs: ["203.0.113.0/24"],
            });
        });

        it("envelope-encrypts Secrets with a rotating KMS key and logs api, audit and authenticator", () => {
            const c = one(plan(), "aws:eks/cluster:Cluster").inputs;
            expect(c.encryptionConfig.resources).toEqual(["secrets"]);
            expect(c.encryptionConfig.provider.keyArn).toBe(`arn:aws:mock:::${prefix}-eks-secrets`);
            expect(one(plan(), "aws:kms/key:Key", `${prefix}-eks-secrets`).inputs.enableKeyRotation).toBe(true);
            expect(c.enabledClusterLogTypes).toEqual(["api", "audit", "authenticator"]);
        });

        it("authenticates with access entries (API mode) for the configured admin roles only", () => {
            const c = one(plan(), "aws:eks/cluster:Cluster").inputs;
            expect(c.accessConfig).toEqual({ authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false });
            expect(ofType(plan(), "aws:eks/accessEntry:AccessEntry").map((r) => r.inputs.principalArn)).toEqual([
                `arn:aws:iam::123456789012:role/${prefix}-deployer`,
                "arn:aws:iam::123456789012:role/med-agi-platform-admin",
                // The operators of docs/identity.md: on-call (read-only) and break-glass.
                `arn:aws:iam::123456789012:role/${prefix}-oncall`,
                `arn:aws:iam::123456789012:role/${prefix}-break-glass`,
            ]);
            const admin = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";
            const view = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy";
            expect(
                ofType(plan(), "aws:eks/accessPolicyAssociation:AccessPolicyAssociation").map((a) => [
                    a.inputs.principalArn,
                    a.inputs.policyArn,
                    a.inputs.accessScope,
                ]),
            ).toEqual([
                [`arn:aws:iam::123456789012:role/${prefix}-deployer`, admin, { type: "cluster" }],
                ["arn:aws:iam::123456789012:role/med-agi-platform-admin", admin, { type: "cluster" }],
                // On-call reads only the platform's namespaces, and AmazonEKSViewPolicy excludes Secrets.
                [`arn:aws:iam::123456789012:role/${prefix}-oncall`, view, { type: "namespace", namespaces: ["med-agi", "monitoring"] }],
                [`arn:aws:iam::123456789012:role/${prefix}-break-glass`, admin, { type: "cluster" }],
            ]);
            // The operators' Kubernetes groups (in the audit log as the user's groups).
            expect(
                ofType(plan(), "aws:eks/accessEntry:AccessEntry")
                    .filter((r) => r.inputs.kubernetesGroups !== undefined)
                    .map((r) => r.inputs.kubernetesGroups),
            ).toEqual([["med-agi:on-call"], ["med-agi:break-glass"]]);
        });

        it("has an OIDC provider for IRSA with the STS audience", () => {
            expect(one(plan(), "aws:iam/openIdConnectProvider:OpenIdConnectProvider").inputs).toMatchObject({
                url: `https://oidc.mock-eks.invalid/id/${prefix}-eks`,
                clientIdLists: ["sts.amazonaws.com"],
            });
        });

        it("installs the managed add-ons at the calendar's 1.35 pins (kube-proxy, CoreDNS) or EKS's default (vpc-cni, EBS CSI), the EBS CSI driver with its own role", () => {
            const addons: Record<string, Record<string, any>> = Object.fromEntries(
                ofType(plan(), "aws:eks/addon:Addon").map((r) => [r.inputs.addonName, r.inputs]),
            );
            expect(Object.fromEntries(Object.entries(addons).map(([k, v]) => [k, v.addonVersion ?? "eks-default"]))).toEqual({
                "vpc-cni": "eks-default",
                "kube-proxy": "v1.35.3-eksbuild.13",
                coredns: "v1.14.3-eksbuild.3",
                "aws-ebs-csi-driver": "eks-default",
            });
            expect(addons["aws-ebs-csi-driver"]?.serviceAccountRoleArn).toBe(`arn:aws:mock:::${prefix}-ebs-csi`);
            expect(one(plan(), "aws:iam/role:Role", `${prefix}-ebs-csi`).inputs.assumeRolePolicy).toContain(
                "system:serviceaccount:kube-system:ebs-csi-controller-sa",
            );
        });

        it("makes an encrypted gp3 StorageClass the default", () => {
            const sc = k8sObject(plan(), "StorageClass", "gp3", null);
            expect(sc.metadata.annotations["storageclass.kubernetes.io/is-default-class"]).toBe("true");
            expect(sc.parameters).toMatchObject({ type: "gp3", encrypted: "true" });
        });

        it("deploys the platform through a provider built from this cluster's kubeconfig (secret), not a kube context", () => {
            const providers = ofType(plan(), "pulumi:providers:kubernetes");
            expect(providers).toHaveLength(1);
            expect(providers[0]!.inputs.kubeconfig).toBe("[secret]");
            expect(providers[0]!.inputs.context).toBeUndefined();
            expect(plan().outputs.kubeconfig).toBe("[secret]");
        });
    });

    describe("node pools", () => {
        const pool = (p: "system" | "gpu") => one(plan(), "aws:eks/nodeGroup:NodeGroup", `${prefix}-${p}`).inputs;

        it("runs an on-demand system pool", () => {
            expect(pool("system")).toMatchObject({
                capacityType: "ON_DEMAND",
                amiType: "AL2023_x86_64_STANDARD",
                labels: { "med-agi.io/pool": "system" },
            });
        });

        it("runs the Triton GPU pool on the AL2023 NVIDIA AMI with the GPU labels and taint", () => {
            const gpu = pool("gpu");
            expect(gpu.amiType).toBe("AL2023_x86_64_NVIDIA");
            expect(gpu.labels).toMatchObject({ "nvidia.com/gpu.present": "true", "med-agi.io/pool": "triton-gpu" });
            expect(gpu.taints).toEqual([{ key: "nvidia.com/gpu", value: "true", effect: "NO_SCHEDULE" }]);
            expect(gpu.updateConfig).toEqual({ maxUnavailable: 1 });
        });

        it("requires IMDSv2 on every node and gives GPU nodes a large root volume", () => {
            for (const lt of ofType(plan(), "aws:ec2/launchTemplate:LaunchTemplate"))
                expect(lt.inputs.metadataOptions.httpTokens).toBe("required");
            const gpuLt = one(plan(), "aws:ec2/launchTemplate:LaunchTemplate", `${prefix}-gpu`).inputs;
            expect(gpuLt.blockDeviceMappings[0].ebs.volumeSize).toBeGreaterThanOrEqual(200);
        });

        it("installs Cluster Autoscaler 9.59.0 from its chart with its own IRSA role", () => {
            const release = ofType(plan(), "kubernetes:helm.sh/v3:Release").find((r) => r.inputs.chart === "cluster-autoscaler")!;
            expect(release.inputs).toMatchObject({
                version: "9.59.0",
                namespace: "kube-system",
                repositoryOpts: { repo: "https://kubernetes.github.io/autoscaler" },
            });
            expect(release.inputs.values.rbac.serviceAccount.annotations["eks.amazonaws.com/role-arn"]).toBe(
                `arn:aws:mock:::${prefix}-cluster-autoscaler`,
            );
            expect(release.inputs.values.autoDiscovery.clusterName).toBe(prefix);
        });
    });

    describe("S3", () => {
        const names = { models: `med-agi-models-${e.stack}-123456789012`, backups: `med-agi-backups-${e.stack}-123456789012` };
        const forBucket = (type: string, bucket: string) => ofType(plan(), type).find((r) => r.inputs.bucket === bucket)?.inputs;

        it("derives the bucket names from the stack", () => {
            expect(ofType(plan(), "aws:s3/bucket:Bucket").map((b) => b.inputs.bucket)).toEqual([
                `med-agi-s3-access-logs-${e.stack}-123456789012`,
                names.models,
                names.backups,
                // The audit path's failed records: their own bucket (infra/aws/audit.ts).
                `med-agi-siem-failed-${e.stack}-123456789012`,
            ]);
        });

        it.each(["models", "backups"] as const)(
            "gives the %s bucket versioning, SSE-KMS, all public-access blocks, owner-enforced ownership, TLS-only, access logs",
            (k) => {
                const b = names[k];
                expect(forBucket("aws:s3/bucketVersioning:BucketVersioning", b)?.versioningConfiguration).toEqual({ status: "Enabled" });
                expect(
                    forBucket("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", b)?.rules[0]
                        .applyServerSideEncryptionByDefault,
                ).toEqual({
                    sseAlgorithm: "aws:kms",
                    kmsMasterKeyId: `arn:aws:mock:::${prefix}-s3`,
                });
                expect(forBucket("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", b)).toMatchObject({
                    blockPublicAcls: true,
                    blockPublicPolicy: true,
                    ignorePublicAcls: true,
                    restrictPublicBuckets: true,
                });
                expect(forBucket("aws:s3/bucketOwnershipControls:BucketOwnershipControls", b)?.rule).toEqual({
                    objectOwnership: "BucketOwnerEnforced",
                });
                expect(JSON.parse(forBucket("aws:s3/bucketPolicy:BucketPolicy", b)?.policy).Statement[0].Condition).toEqual({
                    Bool: { "aws:SecureTransport": false },
                });
                expect(forBucket("aws:s3/bucketLogging:BucketLogging", b)?.targetBucket).toBe(
                    `med-agi-s3-access-logs-${e.stack}-123456789012`,
                );
            },
        );

        it("expires backups after 30 days", () => {
            expect(
                forBucket("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", names.backups)?.rules[0].expiration,
            ).toEqual({ days: 30 });
        });
    });

    describe("RDS", () => {
        const db = () => one(plan(), "aws:rds/instance:Instance").inputs;

        it("runs PostgreSQL with user and database medagi, the password managed by Secrets Manager", () => {
            // The master user administers; role and database medagi come from the data-store layer (@pulumi/postgresql).
            expect(db()).toMatchObject({ engine: "postgres", username: "postgres", manageMasterUserPassword: true });
            expect(db().dbName).toBeUndefined();
            expect(db().password).toBeUndefined();
        });

        it("is private, KMS-encrypted, with Performance Insights and a final snapshot", () => {
            expect(db()).toMatchObject({
                publiclyAccessible: false,
                storageEncrypted: true,
                kmsKeyId: `arn:aws:mock:::${prefix}-rds`,
                performanceInsightsEnabled: true,
                skipFinalSnapshot: false,
                finalSnapshotIdentifier: `${prefix}-final`,
            });
            expect(db().backupRetentionPeriod).toBeGreaterThanOrEqual(7);
        });

        it("is reachable only from the cluster's nodes and the deploy runner", () => {
            const sg = one(plan(), "aws:ec2/securityGroup:SecurityGroup", `${prefix}-db`).inputs;
            expect(sg.ingress).toEqual([
                expect.objectContaining({ fromPort: 5432, toPort: 5432, securityGroups: [`sg-mock-${prefix}-eks`] }),
                expect.objectContaining({ fromPort: 5432, toPort: 5432, securityGroups: [`${prefix}-deploy-runner-id`] }),
            ]);
            expect(sg.ingress.map((r: any) => r.cidrBlocks)).toEqual([undefined, undefined]);
        });

        it("forces TLS and logs connections and slow queries", () => {
            const names = one(plan(), "aws:rds/parameterGroup:ParameterGroup").inputs.parameters.map((p: { name: string }) => p.name);
            expect(names).toEqual(["rds.force_ssl", "log_connections", "log_disconnections", "log_min_duration_statement"]);
        });

        it(`is ${e.prod ? "" : "not "}multi-AZ and ${e.prod ? "" : "not "}deletion-protected`, () => {
            expect(db().multiAz).toBe(e.prod);
            expect(db().deletionProtection).toBe(e.prod);
        });
    });

    describe("IAM", () => {
        it("has no Allow of a * action in any inline policy", () => {
            for (const p of ofType(plan(), "aws:iam/rolePolicy:RolePolicy")) {
                for (const s of JSON.parse(p.inputs.policy).Statement) {
                    if (s.Effect !== "Allow") continue;
                    for (const a of [s.Action].flat()) expect(a).not.toContain("*");
                }
            }
        });

        it("scopes Triton to reading this stack's models bucket", () => {
            const policy = JSON.parse(one(plan(), "aws:iam/rolePolicy:RolePolicy", `${prefix}-triton`).inputs.policy);
            expect(policy.Statement.map((s: { Resource: string }) => s.Resource)).toEqual([
                `arn:aws:s3:::med-agi-models-${e.stack}-123456789012`,
                `arn:aws:s3:::med-agi-models-${e.stack}-123456789012/*`,
                `arn:aws:mock:::${prefix}-s3`,
            ]);
        });

        it("gives config-backup a role that writes only config/", () => {
            const policy = one(plan(), "aws:iam/rolePolicy:RolePolicy", `${prefix}-config-backup`).inputs.policy as string;
            expect(policy).toContain(`arn:aws:s3:::med-agi-backups-${e.stack}-123456789012/config/*`);
            expect(policy).not.toContain("postgres/");
            expect(policy).not.toContain("models");
        });
    });

    describe("ECR", () => {
        it(
            e.prod
                ? "creates immutable, scanned repositories for the six services and the log rotator (the account's one registry owner)"
                : "creates no repository: prod owns the account's registry, staging pulls from it",
            () => {
                const repos = ofType(plan(), "aws:ecr/repository:Repository");
                expect(repos.map((r) => r.inputs.name)).toEqual(
                    e.prod
                        ? [
                              "med-agi/imaging",
                              "med-agi/ekg",
                              "med-agi/eval",
                              "med-agi/anchor",
                              "med-agi/modelcards",
                              "med-agi/ops",
                              "med-agi/logrotate",
                          ]
                        : [],
                );
                for (const r of repos)
                    expect(r.inputs).toMatchObject({ imageTagMutability: "IMMUTABLE", imageScanningConfiguration: { scanOnPush: true } });
                expect(ofType(plan(), "aws:ecr/lifecyclePolicy:LifecyclePolicy")).toHaveLength(e.prod ? 7 : 0);
            },
        );
    });

    describe("audit logs to the SIEM", () => {
        it("subscribes the control-plane log group to a Firehose splunk destination that unpacks CloudWatch records", () => {
            const filter = one(plan(), "aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter").inputs;
            expect(filter.logGroup).toBe(`/aws/eks/${prefix}/cluster`);
            expect(filter.destinationArn).toBe(`arn:aws:mock:::${prefix}-audit`);
            const stream = one(plan(), "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream").inputs;
            // The committed stacks' collector is a Splunk HEC (/services/collector/raw): HEC, not the Firehose HTTP protocol.
            expect(stream.destination).toBe("splunk");
            expect(stream.httpEndpointConfiguration).toBeUndefined();
            const splunk = stream.splunkConfiguration;
            expect(splunk.hecEndpoint).toMatch(/^https:\/\/siem-collector\.[a-z.]*example\.org$/);
            expect(splunk.hecEndpointType).toBe("Raw");
            expect(splunk.processingConfiguration.processors.map((p: { type: string }) => p.type)).toEqual([
                "Decompression",
                "CloudWatchLogProcessing",
            ]);
            // The token is read from Secrets Manager: nothing secret in the stream's configuration.
            expect(splunk.hecToken).toBeUndefined();
            expect(splunk.secretsManagerConfiguration.secretArn).toBe(`arn:aws:mock:::${prefix}-audit-siem-token`);
            const version = one(plan(), "aws:secretsmanager/secretVersion:SecretVersion", `${prefix}-audit-siem-token`).inputs;
            expect(version.secretString).toBe("[secret]");
        });

        it("keeps failed records in their own bucket, out of the backups bucket and its 30-day lifecycle", () => {
            const failedBucket = `med-agi-siem-failed-${e.stack}-123456789012`;
            const stream = one(plan(), "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream").inputs;
            expect(stream.splunkConfiguration.s3BackupMode).toBe("FailedEventsOnly");
            expect(stream.splunkConfiguration.s3Configuration.bucketArn).toBe(`arn:aws:mock:::${prefix}-audit-failed`);
            const lifecycle = one(
                plan(),
                "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
                `${prefix}-audit-failed`,
            ).inputs;
            expect(lifecycle.rules[0].expiration).toEqual({ days: 365 });
            const firehoseRole = JSON.parse(one(plan(), "aws:iam/rolePolicy:RolePolicy", `${prefix}-audit-firehose`).inputs.policy);
            expect(firehoseRole.Statement[0].Resource).toEqual([`arn:aws:s3:::${failedBucket}`, `arn:aws:s3:::${failedBucket}/*`]);
            expect(JSON.stringify(firehoseRole)).not.toContain("med-agi-backups");
        });

        it("alarms on failed delivery to an SNS topic the operators subscribe to", () => {
            const alarm = one(plan(), "aws:cloudwatch/metricAlarm:MetricAlarm", `${prefix}-audit-delivery`).inputs;
            expect(alarm).toMatchObject({
                namespace: "AWS/Firehose",
                metricName: "DeliveryToSplunk.Success",
                dimensions: { DeliveryStreamName: `${prefix}-audit` },
                comparisonOperator: "LessThanThreshold",
                threshold: 1,
                treatMissingData: "breaching",
            });
            expect(alarm.alarmActions).toEqual([`arn:aws:mock:::${prefix}-audit-alarms`]);
            const sub = one(plan(), "aws:sns/topicSubscription:TopicSubscription", `${prefix}-audit-alarms`).inputs;
            expect(sub.protocol).toBe("email");
            expect(sub.endpoint).toMatch(/@example\.org$/);
        });
    });

    describe("wiring into the platform", () => {
        it("deploys the services from the derived ECR registry", () => {
            expect(k8sObject(plan(), "Deployment", "imaging").spec.template.spec.containers[0].image).toBe(
                "123456789012.dkr.ecr.eu-west-1.amazonaws.com/med-agi/imaging:v1.0.0",
            );
        });

        it("points the backups at the RDS address and the derived buckets", () => {
            const env = k8sObject(plan(), "CronJob", "postgres-backup").spec.jobTemplate.spec.template.spec;
            const all = [...(env.initContainers ?? []), ...env.containers].flatMap(
                (c: { env: { name: string; value?: string }[] }) => c.env,
            );
            expect(all).toContainEqual({ name: "PGHOST", value: `${prefix}.mock-rds.invalid` });
            expect(all).toContainEqual({ name: "BACKUP_BUCKET", value: `med-agi-backups-${e.stack}-123456789012` });
            expect(all).toContainEqual({ name: "MODELS_BUCKET", value: `med-agi-models-${e.stack}-123456789012` });
            expect(all).toContainEqual({ name: "AWS_DEFAULT_REGION", value: "eu-west-1" });
        });

        it("exports the cluster name, bucket names, RDS endpoint and the update-kubeconfig command", () => {
            expect(plan().outputs.cloud).toEqual({
                clusterName: prefix,
                updateKubeconfigCommand: `aws eks update-kubeconfig --name ${prefix} --region eu-west-1`,
                registry: "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
                buckets: names(e.stack),
                rdsEndpoint: `${prefix}.mock-rds.invalid:5432`,
            });
        });
    });

    // No writer of the backups can erase them, and restores run as a reader.
    // S3 itself is out of reach here, so these read what `pulumi up` would send to AWS;
    // docs/backups.md names the AWS commands that confirm it on a real account.
    describe("backups cannot be erased by the roles that write them", () => {
        const backups = () => names(e.stack).backups;
        const policyOf = (role: string): PolicyDocument =>
            JSON.parse(one(plan(), "aws:iam/rolePolicy:RolePolicy", `${prefix}-${role}`).inputs.policy) as PolicyDocument;
        const manifest = () => `arn:aws:s3:::${backups()}/postgres/20240115T020000Z/manifest`;
        const dump = () => `arn:aws:s3:::${backups()}/postgres/20240115T020000Z/backup_20240115.dump`;
        const modelMarker = () => `arn:aws:s3:::${backups()}/models/backup-20240115.manifest`;

        it(`locks every object version of the backups bucket for 30 days in ${e.prod ? "COMPLIANCE" : "GOVERNANCE"} mode`, () => {
            const locks = ofType(plan(), "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration");
            expect(locks.map((l) => [l.inputs.bucket, l.inputs.objectLockEnabled, l.inputs.rule])).toEqual([
                [backups(), "Enabled", { defaultRetention: { mode: e.prod ? "COMPLIANCE" : "GOVERNANCE", days: 30 } }],
            ]);
            expect(locks[0]?.protect).toBe(e.prod);
            // The lock needs versioning, and the lifecycle rule (not the jobs) ends the 30 days: a delete
            // marker at 30 days, the version itself 7 days after it became noncurrent, its lock expired by then.
            const rule = ofType(plan(), "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").find(
                (r) => r.inputs.bucket === backups(),
            )?.inputs.rules[0];
            expect([rule.expiration, rule.noncurrentVersionExpiration]).toEqual([{ days: 30 }, { noncurrentDays: 7 }]);
        });

        it.each(["postgres-backup", "model-backup", "config-backup"])(
            "denies %s deleting, unlocking or overwriting the retention of any backup, and still lets it add its own",
            (role) => {
                const policy = policyOf(role);
                for (const object of [manifest(), dump(), modelMarker()]) {
                    for (const action of [
                        "s3:DeleteObject",
                        "s3:DeleteObjectVersion",
                        "s3:PutObjectRetention",
                        "s3:BypassGovernanceRetention",
                    ]) {
                        expect([action, object, decide(policy, action, object)]).toEqual([action, object, "explicit-deny"]);
                    }
                }
                for (const action of ["s3:PutLifecycleConfiguration", "s3:PutBucketObjectLockConfiguration", "s3:PutBucketVersioning"]) {
                    expect([action, decide(policy, action, `arn:aws:s3:::${backups()}`)]).toEqual([action, "explicit-deny"]);
                }
                const own = {
                    "postgres-backup": dump(),
                    "model-backup": modelMarker(),
                    "config-backup": `arn:aws:s3:::${backups()}/config/x`,
                }[role] as string;
                expect(decide(policy, "s3:PutObject", own)).toBe("allow");
            },
        );

        it("runs the restore drill and the restore as med-agi-backup-restore, whose role only reads postgres/", () => {
            for (const job of ["restore-drill", "postgres-restore"]) {
                expect(k8sObject(plan(), "CronJob", job).spec.jobTemplate.spec.template.spec.serviceAccountName).toBe(
                    "med-agi-backup-restore",
                );
            }
            const sa = k8sObject(plan(), "ServiceAccount", "med-agi-backup-restore");
            expect(sa.metadata.annotations["eks.amazonaws.com/role-arn"]).toBe(`arn:aws:mock:::${prefix}-backup-restore`);
            expect(one(plan(), "aws:iam/role:Role", `${prefix}-backup-restore`).inputs.assumeRolePolicy).toContain(
                '"system:serviceaccount:med-agi:med-agi-backup-restore"',
            );
            const policy = policyOf("backup-restore");
            expect(decide(policy, "s3:GetObject", dump())).toBe("allow");
            for (const action of ["s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObjectRetention"]) {
                expect([action, decide(policy, action, dump())]).toEqual([action, "implicit-deny"]);
            }
            expect(decide(policy, "s3:GetObject", modelMarker())).toBe("implicit-deny");
        });

        it("lets the bucket, not the jobs, prune, and refuses a latest run older than 48 hours", () => {
            for (const job of ["postgres-backup", "model-backup", "config-backup", "restore-drill", "postgres-restore"]) {
                const pod = k8sObject(plan(), "CronJob", job).spec.jobTemplate.spec.template.spec;
                const env = [...(pod.initContainers ?? []), ...pod.containers].flatMap((c: { env: { name: string }[] }) => c.env);
                expect([job, env.some((v: { name: string }) => v.name === "RETENTION_DAYS")]).toEqual([job, false]);
            }
            const drill = k8sObject(plan(), "CronJob", "restore-drill").spec.jobTemplate.spec.template.spec;
            expect(drill.initContainers[0].env).toContainEqual({ name: "LATEST_MAX_AGE_HOURS", value: "48" });
        });
    });

    describe("versions that RDS accepts, logs that expire", () => {
        it("runs PostgreSQL 16 by its major version only, with automatic minor upgrades", () => {
            const db = one(plan(), "aws:rds/instance:Instance").inputs;
            expect([db.engineVersion, db.autoMinorVersionUpgrade]).toEqual(["16", true]);
        });

        it("pre-creates the RDS log export groups with the configured retention", () => {
            const groups = ofType(plan(), "aws:cloudwatch/logGroup:LogGroup")
                .filter((g) => /^\/aws\/(eks|rds)\//.test(g.inputs.name))
                .map((g) => [g.inputs.name, g.inputs.retentionInDays]);
            expect(groups).toEqual([
                [`/aws/eks/${prefix}/cluster`, 90],
                [`/aws/rds/instance/${prefix}/postgresql`, 90],
                [`/aws/rds/instance/${prefix}/upgrade`, 90],
            ]);
            expect(one(plan(), "aws:rds/instance:Instance").inputs.enabledCloudwatchLogsExports).toEqual(["postgresql", "upgrade"]);
        });

        it("expires noncurrent versions in the versioned access-log bucket", () => {
            const rules = one(plan(), "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", `${prefix}-logs`).inputs.rules;
            expect(rules[0]).toMatchObject({ expiration: { days: 90 }, noncurrentVersionExpiration: { noncurrentDays: 1 } });
        });
    });

    describe("the deploy runner inside the VPC", () => {
        it("has a security group with no inbound rule, out to HTTPS and PostgreSQL only", () => {
            const sg = one(plan(), "aws:ec2/securityGroup:SecurityGroup", `${prefix}-deploy-runner`).inputs;
            expect(sg.ingress).toEqual([]);
            expect(sg.egress.map((r: any) => [r.fromPort, r.toPort, r.cidrBlocks])).toEqual([
                [443, 443, ["0.0.0.0/0"]],
                [5432, 5432, [e.stack === "prod" ? "10.50.0.0/16" : "10.40.0.0/16"]],
            ]);
        });

        it("reaches the private EKS API (443 on the cluster security group) and RDS (5432 in the database's group)", () => {
            const rule = one(plan(), "aws:ec2/securityGroupRule:SecurityGroupRule", `${prefix}-deploy-runner-eks-api`).inputs;
            expect(rule).toMatchObject({
                type: "ingress",
                protocol: "tcp",
                fromPort: 443,
                toPort: 443,
                sourceSecurityGroupId: `${prefix}-deploy-runner-id`,
            });
            expect(rule.securityGroupId).toBe(`sg-mock-${prefix}-eks`);
            const db = one(plan(), "aws:ec2/securityGroup:SecurityGroup", `${prefix}-db`).inputs;
            expect(db.ingress.map((r: any) => [r.fromPort, r.securityGroups])).toEqual([
                [5432, [`sg-mock-${prefix}-eks`]],
                [5432, [`${prefix}-deploy-runner-id`]],
            ]);
            expect(one(plan(), "aws:eks/cluster:Cluster").inputs.vpcConfig.endpointPrivateAccess).toBe(true);
        });

        it("runs one instance from a private subnet, IMDSv2 only, reached by Session Manager", () => {
            const asg = one(plan(), "aws:autoscaling/group:Group", `${prefix}-deploy-runner`).inputs;
            expect([asg.minSize, asg.maxSize, asg.desiredCapacity]).toEqual([1, 1, 1]);
            expect(asg.vpcZoneIdentifiers).toHaveLength(e.zones);
            expect(asg.vpcZoneIdentifiers.every((id: string) => id.includes("-private-"))).toBe(true);
            const lt = one(plan(), "aws:ec2/launchTemplate:LaunchTemplate", `${prefix}-deploy-runner`).inputs;
            expect(lt.metadataOptions).toMatchObject({ httpTokens: "required", httpPutResponseHopLimit: 1 });
            expect(lt.imageId).toBe("resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64");
            expect(lt.keyName).toBeUndefined();
            const attached = ofType(plan(), "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
                .filter((a) => a.name.startsWith(`${prefix}-deploy-runner`))
                .map((a) => a.inputs.policyArn);
            expect(attached).toEqual(["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"]);
        });
    });

    describe("data safety", () => {
        const stateful = () => [
            one(plan(), "aws:rds/instance:Instance"),
            ...ofType(plan(), "aws:s3/bucket:Bucket"),
            ...ofType(plan(), "aws:kms/key:Key"),
        ];
        it(`${e.prod ? "protects" : "does not protect"} the database, the buckets and the KMS keys`, () => {
            expect(stateful()).toHaveLength(8);
            for (const r of stateful()) expect([r.name, r.protect]).toEqual([r.name, e.prod]);
        });

        it("places every AWS resource under the CloudLayer component", () => {
            const layer = one(plan(), "med-agi:aws:CloudLayer");
            for (const r of plan().resources.filter((x) => x.type.startsWith("aws:"))) expect(r.parent).toBe(layer.urn);
        });
    });
}

function names(stack: string): { models: string; backups: string } {
    return { models: `med-agi-models-${stack}-123456789012`, backups: `med-agi-backups-${stack}-123456789012` };
}
