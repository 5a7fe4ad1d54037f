import { availabilityZonesFor, cloudSchema, gpuFamilyOf, multiAzFor } from "../../infra/aws/config";
import { parseValues, PROD_ROUTING, PROD_SECRETS, rejectionProblems } from "../support/config-fixtures";

const CLOUD = { accountId: "123456789012", region: "eu-west-1", cluster: { adminRoleArns: ["arn:aws:iam::123456789012:role/deployer"] } };

function values(env: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return { environment: env, serviceDefaults: { replicas: 2 }, ...PROD_ROUTING, cloud: CLOUD, ...extra };
}

const parse = (v: Record<string, unknown>, stack: string) => parseValues(v, stack, PROD_SECRETS);
const problems = (v: Record<string, unknown>, stack: string) => rejectionProblems(v, stack, PROD_SECRETS);

const withCloud = (patch: Record<string, unknown>) => ({ ...CLOUD, ...patch });

describe("cloud config", () => {
    it("accepts a minimal staging and prod cloud key, filling the sizes with defaults", () => {
        const c = parse(values("prod"), "prod").cloud!;
        expect(c.cluster.version).toBe("1.35");
        expect(c.database.engineVersion).toBe("16");
        expect(c.nodePools.gpu).toMatchObject({ instanceTypes: ["g5.xlarge"], minSize: 1, maxSize: 2, diskSizeGiB: 200 });
        expect(c.database.backupRetentionDays).toBe(7);
        expect(parse(values("staging"), "staging").cloud?.region).toBe("eu-west-1");
    });

    it("uses 2 availability zones in staging and 3 in prod, and multi-AZ RDS only in prod by default", () => {
        const c = cloudSchema.parse(CLOUD);
        expect(availabilityZonesFor(c, "staging")).toEqual(["eu-west-1a", "eu-west-1b"]);
        expect(availabilityZonesFor(c, "prod")).toEqual(["eu-west-1a", "eu-west-1b", "eu-west-1c"]);
        expect(multiAzFor(c, "prod")).toBe(true);
        expect(multiAzFor(c, "staging")).toBe(false);
    });

    it("knows which instance types carry an NVIDIA GPU", () => {
        for (const t of ["g4dn.xlarge", "g5.2xlarge", "g6.xlarge", "g6e.12xlarge", "p4d.24xlarge", "p5.48xlarge"])
            expect(gpuFamilyOf(t)).toBeDefined();
        for (const t of ["m5.xlarge", "c6i.large", "g5g.xlarge", "inf2.xlarge", "g5"]) expect(gpuFamilyOf(t)).toBeUndefined();
    });

    describe("the four refusals of the cloud config, with exact messages", () => {
        it("refuses a GPU pool instance type without a GPU", () => {
            expect(
                problems(
                    values("staging", { cloud: withCloud({ nodePools: { gpu: { instanceTypes: ["g5.xlarge", "m5.xlarge"] } } }) }),
                    "staging",
                ),
            ).toEqual([
                'cloud.nodePools.gpu.instanceTypes.1: "m5.xlarge" is not allowed (it has no NVIDIA GPU for the AL2023_x86_64_NVIDIA AMI; the Triton GPU pool takes the families g4dn, g5, g6, g6e, p4d, p5)',
            ]);
        });

        it("refuses min > max, and accepts min = max", () => {
            expect(
                problems(
                    values("staging", { cloud: withCloud({ nodePools: { gpu: { minSize: 3, desiredSize: 3, maxSize: 2 } } }) }),
                    "staging",
                ),
            ).toEqual(["cloud.nodePools.gpu.minSize: 3 is not allowed (must be ≤ nodePools.gpu.maxSize (2))"]);
            expect(
                parse(
                    values("staging", { cloud: withCloud({ nodePools: { gpu: { minSize: 2, desiredSize: 2, maxSize: 2 } } }) }),
                    "staging",
                ).cloud?.nodePools.gpu.minSize,
            ).toBe(2);
        });

        it.each(["staging", "prod"])(
            "%s: refuses a public API range wider than /16 (0.0.0.0/0, 0.0.0.0/1, a /15), and takes a /16",
            (stack) => {
                const open = withCloud({
                    cluster: {
                        ...CLOUD.cluster,
                        publicAccessCidrs: ["203.0.113.0/24", "0.0.0.0/0", "0.0.0.0/1", "10.0.0.0/15", "10.2.0.0/16"],
                    },
                });
                const why =
                    "wider than /16: it opens the Kubernetes API endpoint to a large part of the internet; list the operators' CIDRs (/16 or narrower), or none for a private-only endpoint";
                expect(problems(values(stack, { cloud: open }), stack)).toEqual([
                    `cloud.cluster.publicAccessCidrs.1: "0.0.0.0/0" is not allowed (${why})`,
                    `cloud.cluster.publicAccessCidrs.2: "0.0.0.0/1" is not allowed (${why})`,
                    `cloud.cluster.publicAccessCidrs.3: "10.0.0.0/15" is not allowed (${why})`,
                ]);
                const narrow = withCloud({ cluster: { ...CLOUD.cluster, publicAccessCidrs: ["203.0.113.0/24", "10.2.0.0/16"] } });
                expect(parse(values(stack, { cloud: narrow }), stack).cloud?.cluster.publicAccessCidrs).toEqual([
                    "203.0.113.0/24",
                    "10.2.0.0/16",
                ]);
            },
        );

        it("refuses a hand-set derived key, saying where the value now comes from", () => {
            expect(problems(values("staging", { registry: "123456789012.dkr.ecr.eu-west-1.amazonaws.com" }), "staging")).toEqual([
                'registry: "123456789012.dkr.ecr.eu-west-1.amazonaws.com" is not allowed (in staging it is derived from the cloud layer: the ECR registry of cloud.accountId in cloud.region (infra/aws/registry.ts); remove the key from Pulumi.staging.yaml)',
            ]);
            expect(
                problems(
                    values("prod", { database: { host: "db.example.org" }, objectStorage: { backupBucket: "b-1" }, kubeContext: "x" }),
                    "prod",
                ),
            ).toEqual([
                'kubeContext: "x" is not allowed (in prod it is derived from the cloud layer: the EKS cluster\'s kubeconfig (infra/aws/cluster.ts); remove the key from Pulumi.prod.yaml)',
                'database.host: "db.example.org" is not allowed (in prod it is derived from the cloud layer: the RDS instance\'s address (infra/aws/database.ts); remove the key from Pulumi.prod.yaml)',
                'objectStorage.backupBucket: "b-1" is not allowed (in prod it is derived from the cloud layer: the stack\'s backups bucket (infra/aws/buckets.ts); remove the key from Pulumi.prod.yaml)',
            ]);
        });

        it("refuses Triton's role and models bucket by hand: the cloud layer provides them", () => {
            const inference = { models: { version: "v1.0.0", bucket: "my-models" }, roleArn: "arn:aws:iam::123456789012:role/x" };
            expect(problems(values("prod", { inference }), "prod")).toEqual([
                'inference.roleArn: "arn:aws:iam::123456789012:role/x" is not allowed (in prod it is derived from the cloud layer: Triton\'s IRSA role (infra/aws/iam.ts); remove the key from Pulumi.prod.yaml)',
                'inference.models.bucket: "my-models" is not allowed (in prod it is derived from the cloud layer: the stack\'s models bucket (infra/aws/buckets.ts); remove the key from Pulumi.prod.yaml)',
            ]);
            expect(parse(values("prod", { inference: { models: { version: "v1.0.1" } } }), "prod").inference.models.version).toBe("v1.0.1");
        });

        it("still lets dev set those keys (no cloud layer there)", () => {
            expect(
                parse({ registry: "registry.local:5000", database: { host: "pg" }, objectStorage: { credentialsSecret: "minio" } }, "dev")
                    .registry,
            ).toBe("registry.local:5000");
        });
    });

    it("requires the cloud key in staging and prod, and refuses it in dev", () => {
        const { cloud: _omit, ...noCloud } = values("prod");
        expect(problems(noCloud, "prod")).toEqual([
            "cloud: is required (in prod: the AWS account, region, CIDRs, sizes and admin roles of the cloud layer (see docs/aws.md))",
        ]);
        expect(problems({ cloud: CLOUD }, "dev")[0]).toMatch(
            /^cloud: .* is not allowed \(not in dev: dev runs on a local cluster and registers no AWS resource; remove the key\)$/,
        );
    });

    it("refuses fewer than 2 system nodes in prod, but not 2", () => {
        expect(problems(values("prod", { cloud: withCloud({ nodePools: { system: { minSize: 1, desiredSize: 1 } } }) }), "prod")).toEqual([
            "cloud.nodePools.system.minSize: 1 is not allowed (prod needs ≥ 2 system nodes so a node loss keeps CoreDNS and the controllers running)",
        ]);
        expect(
            // desiredSize 3: the platform's pods take 3 nodes at the start (the capacity check).
            parse(values("prod", { cloud: withCloud({ nodePools: { system: { minSize: 2, desiredSize: 3 } } }) }), "prod").cloud?.nodePools
                .system.minSize,
        ).toBe(2);
    });

    it("refuses a database backup retention under 7 days, and accepts 7", () => {
        expect(problems(values("staging", { cloud: withCloud({ database: { backupRetentionDays: 6 } }) }), "staging")).toEqual([
            "cloud.database.backupRetentionDays: 6 is not allowed (must be ≥ 7)",
        ]);
        expect(
            parse(values("staging", { cloud: withCloud({ database: { backupRetentionDays: 7 } }) }), "staging").cloud?.database
                .backupRetentionDays,
        ).toBe(7);
    });

    it("refuses a Kubernetes version without standard support or add-on versions (1.33, in extended support since 2026-07-29)", () => {
        expect(problems(values("staging", { cloud: withCloud({ cluster: { ...CLOUD.cluster, version: "1.33" } }) }), "staging")).toEqual([
            'cloud.cluster.version: "1.33" is not allowed (allowed: "1.35", "1.36")',
        ]);
    });

    it('refuses a pinned PostgreSQL minor ("16.8") and accepts the major ("16")', () => {
        expect(problems(values("staging", { cloud: withCloud({ database: { engineVersion: "16.8" } }) }), "staging")).toEqual([
            'cloud.database.engineVersion: "16.8" is not allowed (a PostgreSQL major version 14–17 such as "16", without a minor (RDS applies minor upgrades itself; a pinned minor is refused at create once RDS deprecates it and reads as a downgrade after the first automatic upgrade))',
        ]);
        expect(
            parse(values("staging", { cloud: withCloud({ database: { engineVersion: "17" } }) }), "staging").cloud?.database.engineVersion,
        ).toBe("17");
    });

    it("refuses too few availability zones and zones outside the region, all at once", () => {
        expect(
            problems(values("prod", { cloud: withCloud({ network: { availabilityZones: ["eu-west-1a", "us-east-1b"] } }) }), "prod"),
        ).toEqual([
            'cloud.network.availabilityZones: ["eu-west-1a","us-east-1b"] is not allowed (prod needs ≥ 3 availability zones)',
            'cloud.network.availabilityZones.1: "us-east-1b" is not allowed (a zone of cloud.region (eu-west-1))',
        ]);
    });
});
