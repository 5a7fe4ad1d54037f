import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

import { backupsArgsFor, CONFIG_DEFAULTS, parseConfig, quantityValue } from "../infra/config";
import { SERVICE_NAMES } from "../infra/runbook";
import { ConfigValidationError } from "../infra/validation";
import { parseValues, PROD_ROUTING, PROD_SECRETS, rejectionProblems } from "./support/config-fixtures";

/** A well-formed manifest signing key (64 hex characters, as `openssl rand -hex 32` prints). */
const SIGNING_KEY = PROD_ROUTING.backupSigningKey;
/** What staging/prod need for the cloud layer (which provides the database, buckets and roles the backups use). */
const PROD_CLOUD = {
    cloud: { accountId: "123456789012", region: "eu-west-1", cluster: { adminRoleArns: ["arn:aws:iam::123456789012:role/deployer"] } },
};
const PROD = { environment: "prod", serviceDefaults: { replicas: 2 }, ...PROD_ROUTING, ...PROD_CLOUD };

describe("stack configuration", () => {
    describe("defaults", () => {
        const config = parseValues({});

        it("runs dev on the built-in defaults alone", () => {
            expect(config.environment).toBe("dev");
            expect(config.release).toBe("v1.0.0");
            expect(config.registry).toBeUndefined();
            expect(config.protect).toBe(false);
        });

        it("gives every runbook service one replica, autoscaling to 3 on 70 % CPU", () => {
            for (const name of SERVICE_NAMES) {
                expect(config.services[name].replicas).toBe(1);
                expect(config.services[name].autoscaling).toEqual({ enabled: true, maxReplicas: 3, targetCpuUtilization: 70 });
                expect(config.services[name].tag).toBe("v1.0.0");
            }
        });

        it("serves each service over TLS at <service>.med-agi.localhost through nginx", () => {
            expect(config.ingress).toEqual({
                enabled: true,
                className: "nginx",
                domain: "med-agi.localhost",
                annotations: {},
                controllerNamespace: "traefik",
                // HSTS for one year with subdomains, no preload (docs/identity.md).
                hsts: { maxAgeSeconds: 31536000, includeSubDomains: true, preload: false },
            });
        });

        it("declares the same scalar defaults in Pulumi.yaml as in code", () => {
            const project = parse(fs.readFileSync(path.join(__dirname, "..", "Pulumi.yaml"), "utf8")) as {
                config: Record<string, { default: unknown }>;
            };
            expect(project.config.environment!.default).toBe(CONFIG_DEFAULTS.environment);
            expect(project.config.release!.default).toBe(CONFIG_DEFAULTS.release);
            expect(project.config.imagePullPolicy!.default).toBe(CONFIG_DEFAULTS.imagePullPolicy);
        });
    });

    describe("custom values", () => {
        const config = parseValues(
            {
                ...PROD,
                release: "v2.3.1",
                serviceDefaults: { replicas: 3, autoscaling: { maxReplicas: 8 }, resources: { requests: { cpu: "500m" } } },
                services: {
                    imaging: { tag: "v2.3.2-hotfix", replicas: 4, resources: { limits: { memory: "4Gi" } }, env: { LOG_LEVEL: "debug" } },
                },
                ingress: { domain: "med-agi.example.org", clusterIssuer: "letsencrypt-prod", acmeEmail: "ops@example.org" },
                // A system pool for these services: at their minimum replicas they take 5 nodes, at their HPA maximums 9 (docs/aws.md "Capacity").
                cloud: {
                    ...PROD_CLOUD.cloud,
                    nodePools: { system: { instanceTypes: ["m6i.xlarge"], minSize: 5, desiredSize: 5, maxSize: 10 } },
                },
            },
            "prod",
            PROD_SECRETS,
        );

        it("merges services.<name> over serviceDefaults over the built-in defaults", () => {
            expect(config.services.imaging).toEqual({
                replicas: 4,
                autoscaling: { enabled: true, maxReplicas: 8, targetCpuUtilization: 70 },
                resources: { requests: { cpu: "500m", memory: "512Mi" }, limits: { cpu: "1", memory: "4Gi" } },
                tag: "v2.3.2-hotfix",
                env: { LOG_LEVEL: "debug" },
            });
            expect(config.services.ekg.replicas).toBe(3);
            expect(config.services.ekg.tag).toBe("v2.3.1");
        });

        it("protects stateful resources in prod", () => {
            expect(config.protect).toBe(true);
        });

        it("ignores other namespaces' keys such as aws:region", () => {
            const c = parseConfig({
                stack: "dev",
                values: { "aws:region": "eu-west-1", "kubernetes:context": "kind" },
                isSecret: () => false,
            });
            expect(c.environment).toBe("dev");
        });

        it("accepts credentials set as secrets and records which are set", () => {
            const c = parseValues({ pagerdutyRoutingKey: "R0UT1NG" }, "dev", ["pagerdutyRoutingKey"]);
            expect([...c.secretsSet]).toEqual(["pagerdutyRoutingKey"]);
        });
    });

    describe("invalid values are rejected, naming key, value and what is allowed", () => {
        const cases: [string, Record<string, unknown>, string, string[]][] = [
            [
                "a negative replica count",
                { services: { imaging: { replicas: -1 } } },
                "dev",
                ["services.imaging.replicas: -1 is not allowed (must be ≥ 1)"],
            ],
            [
                "the mutable latest tag",
                { release: "latest" },
                "dev",
                ['release: "latest" is not allowed (a pinned release tag such as "v1.0.0"; "latest" is mutable and cannot be rolled back)'],
            ],
            [
                "a malformed tag",
                { release: "v1 .0" },
                "dev",
                ["release: \"v1 .0\" is not allowed (an image tag: letters, digits, '_', '.', '-', at most 128)"],
            ],
            [
                "latest as a per-service tag",
                { services: { ekg: { tag: "latest" } } },
                "dev",
                [
                    'services.ekg.tag: "latest" is not allowed (a pinned release tag such as "v1.0.0"; "latest" is mutable and cannot be rolled back)',
                ],
            ],
            [
                "an unknown environment",
                { environment: "qa" },
                "qa",
                ['environment: "qa" is not allowed (allowed: "dev", "staging", "prod")'],
            ],
            [
                "an environment that does not match the stack",
                { environment: "dev" },
                "prod",
                [
                    'environment: "dev" is not allowed (stack "prod" must run environment "prod"; a mismatch would deploy one environment\'s sizing to another)',
                ],
            ],
            [
                "a misspelt service",
                { services: { imagin: {} } },
                "dev",
                ["services.imagin: unknown key (allowed: imaging, ekg, eval, anchor, modelcards, ops)"],
            ],
            [
                "a misspelt top-level key",
                { servces: {} },
                "dev",
                [
                    expect.stringMatching(
                        /^servces: unknown key \(allowed: environment, release, registry, .*services, ingress/,
                    ) as unknown as string,
                ],
            ],
            [
                "a replica count that is not an integer",
                { serviceDefaults: { replicas: 1.5 } },
                "dev",
                ["serviceDefaults.replicas: 1.5 is not allowed (expected int)"],
            ],
            [
                "a replica count given as text",
                { serviceDefaults: { replicas: "three" } },
                "dev",
                ['serviceDefaults.replicas: "three" is not allowed (expected number)'],
            ],
            [
                "one replica in prod",
                { ...PROD, services: { eval: { replicas: 1 } } },
                "prod",
                [
                    "services.eval.replicas: 1 is not allowed (prod needs ≥ 2 replicas per service so a node loss or rollout keeps it serving)",
                ],
            ],
            [
                "prod inheriting one replica",
                {
                    ...PROD,
                    serviceDefaults: {},
                    services: {
                        anchor: { replicas: 2 },
                        ekg: { replicas: 2 },
                        eval: { replicas: 2 },
                        modelcards: { replicas: 2 },
                        ops: { replicas: 2 },
                    },
                },
                "prod",
                [
                    "services.imaging.replicas: 1 is not allowed (prod needs ≥ 2 replicas per service so a node loss or rollout keeps it serving; inherited from serviceDefaults.replicas or the built-in default)",
                ],
            ],
            [
                "an autoscaler ceiling below the floor",
                { services: { ops: { replicas: 4, autoscaling: { maxReplicas: 2 } } } },
                "dev",
                ["services.ops.autoscaling.maxReplicas: 2 is not allowed (must be ≥ replicas (4), the autoscaler's minimum)"],
            ],
            [
                "a CPU target outside 10–100 %",
                { serviceDefaults: { autoscaling: { targetCpuUtilization: 150 } } },
                "dev",
                ["serviceDefaults.autoscaling.targetCpuUtilization: 150 is not allowed (must be ≤ 100)"],
            ],
            [
                "a request above its limit",
                { services: { modelcards: { resources: { requests: { memory: "2Gi" }, limits: { memory: "1Gi" } } } } },
                "dev",
                ['services.modelcards.resources.requests.memory: "2Gi" is not allowed (must be ≤ resources.limits.memory (1Gi))'],
            ],
            [
                "a memory quantity in decimal units",
                { serviceDefaults: { resources: { limits: { memory: "1GB" } } } },
                "dev",
                ['serviceDefaults.resources.limits.memory: "1GB" is not allowed (a quantity in binary units such as "512Mi" or "2Gi")'],
            ],
            [
                "a CPU quantity with a unit typo",
                { serviceDefaults: { resources: { requests: { cpu: "250mc" } } } },
                "dev",
                ['serviceDefaults.resources.requests.cpu: "250mc" is not allowed (a CPU quantity such as "250m" or "1.5")'],
            ],
            [
                "a registry with a trailing slash",
                { registry: "ghcr.io/acme/" },
                "dev",
                [
                    'registry: "ghcr.io/acme/" is not allowed (a registry host with optional port and path, e.g. "123456789012.dkr.ecr.eu-west-1.amazonaws.com", without a trailing "/")',
                ],
            ],
            [
                "an upper-case ingress domain",
                { ingress: { domain: "Med-AGI.example.org" } },
                "dev",
                ['ingress.domain: "Med-AGI.example.org" is not allowed (a lower-case DNS name such as "med-agi.example.org")'],
            ],
            [
                "an unknown pull policy",
                { imagePullPolicy: "Never" },
                "dev",
                ['imagePullPolicy: "Never" is not allowed (allowed: "IfNotPresent", "Always")'],
            ],
            [
                "an unknown spread policy",
                { topologySpread: { zone: "Sometimes" } },
                "dev",
                ['topologySpread.zone: "Sometimes" is not allowed (allowed: "ScheduleAnyway", "DoNotSchedule")'],
            ],
            [
                "an unknown per-service field",
                { services: { imaging: { replica: 2 } } },
                "dev",
                ["services.imaging.replica: unknown key (allowed: replicas, autoscaling, resources, tag, env)"],
            ],
            ["services given as a list", { services: ["imaging"] }, "dev", ['services: ["imaging"] is not allowed (expected object)']],
            [
                "an invalid environment variable name",
                { services: { ops: { env: { "LOG-LEVEL": "debug" } } } },
                "dev",
                ['services.ops.env.LOG-LEVEL: "LOG-LEVEL" is not allowed (an environment variable name)'],
            ],
            [
                "a credential in plain text",
                { slackWebhookUrl: "https://hooks.slack.com/services/T0/B0/SECRET" },
                "dev",
                [
                    "slackWebhookUrl: a plain-text value is not allowed (it is a credential: set it with `pulumi config set --secret med-agi:slackWebhookUrl <value>`)",
                ],
            ],
        ];

        const backupCases: [string, Record<string, unknown>, string, string[]][] = [
            [
                "staging without the cloud layer that provides its database, buckets and roles",
                { environment: "staging", ...PROD_ROUTING, pagerdutyRoutingKey: undefined },
                "staging",
                [
                    "cloud: is required (in staging: the AWS account, region, CIDRs, sizes and admin roles of the cloud layer (see docs/aws.md))",
                ],
            ],
            [
                "static S3 keys in prod",
                { ...PROD, objectStorage: { credentialsSecret: "minio-credentials" } },
                "prod",
                [
                    'objectStorage.credentialsSecret: "minio-credentials" is not allowed (in prod it is derived from the cloud layer: the backup jobs\' IRSA roles (infra/aws/iam.ts); static keys are not used in AWS; remove the key from Pulumi.prod.yaml)',
                ],
            ],
            [
                "an unencrypted database connection in prod",
                { ...PROD, backups: { postgresSslMode: "disable" } },
                "prod",
                ['backups.postgresSslMode: "disable" is not allowed in prod (use require or verify-full)'],
            ],
            [
                "an invalid bucket name",
                { objectStorage: { backupBucket: "Med_AGI" } },
                "dev",
                ["objectStorage.backupBucket: \"Med_AGI\" is not allowed (an S3 bucket name (3–63 lower-case letters, digits, '.', '-'))"],
            ],
            [
                "log rotation in the restricted namespace",
                { logrotate: { namespace: "med-agi" } },
                "dev",
                [
                    'logrotate.namespace: "med-agi" is not allowed (not "med-agi": that namespace enforces PSA restricted, which forbids hostPath)',
                ],
            ],
            [
                "a backup image on latest",
                { backups: { images: { postgres: "postgres:latest" } } },
                "dev",
                ['backups.images.postgres: "postgres:latest" is not allowed ("latest" is mutable: pin a version tag or digest)'],
            ],
        ];

        it.each(backupCases)("rejects %s", (_what, values, stack, expected) => {
            const parsed = JSON.parse(JSON.stringify(values)) as Record<string, unknown>; // drop undefined fields
            const secrets =
                stack === "prod"
                    ? PROD_SECRETS
                    : ["slackWebhookUrl", "siemToken", "backupSigningKey", "oidcClientSecret", "grafanaOidcClientSecret"];
            expect(rejectionProblems({ backupSigningKey: SIGNING_KEY, ...parsed }, stack, secrets)).toEqual(expected);
        });

        it("deploys no backup jobs in dev until there is a database, and deploys them once there is", () => {
            expect(backupsArgsFor(parseValues({}), {})).toBeUndefined();
            const args = backupsArgsFor(
                parseValues(
                    {
                        database: { host: "postgres.med-agi.svc.cluster.local" },
                        objectStorage: {
                            endpointUrl: "http://minio.med-agi.svc.cluster.local:9000",
                            credentialsSecret: "minio-credentials",
                        },
                        backupSigningKey: SIGNING_KEY,
                    },
                    "dev",
                    ["backupSigningKey"],
                ),
                { backupSigningKey: "the-key-as-a-pulumi-secret-output" },
            );
            expect(args).toMatchObject({
                environment: "dev",
                signingKey: "the-key-as-a-pulumi-secret-output",
                postgres: {
                    host: "postgres.med-agi.svc.cluster.local",
                    port: 5432,
                    passwordSecret: { name: "postgres-credentials", key: "password" },
                },
                s3: {
                    backupBucket: "med-agi-backups",
                    modelBucket: "med-agi-models",
                    endpointUrl: "http://minio.med-agi.svc.cluster.local:9000",
                    credentialsSecret: { name: "minio-credentials" },
                },
            });
        });

        it.each(cases)("rejects %s", (_what, values, stack, expected) => {
            expect(rejectionProblems(values, stack, stack === "prod" ? PROD_SECRETS : [])).toEqual(expected);
        });

        it("requires a team receiver, a SIEM collector and the credentials they need in prod, each named", () => {
            expect(rejectionProblems({ environment: "prod", serviceDefaults: { replicas: 2 }, ...PROD_CLOUD }, "prod")).toEqual([
                'backupSigningKey: is required while backup jobs are deployed (the HMAC key that signs every backup manifest, kept out of the bucket so a forged backup is refused); set it with: pulumi config set --secret med-agi:backupSigningKey "$(openssl rand -hex 32)"',
                "oidc: is required in prod (the OpenID Connect provider of every service, oauth2-proxy and Grafana): pulumi config set --path med-agi:oidc.issuerUrl https://<your-idp>/ && pulumi config set --path med-agi:oidc.clientId <client-id> && pulumi config set --secret med-agi:oidcClientSecret <client-secret>",
                "network.siemCidrs: is required (the SIEM collector's IPv4 CIDRs, needed in prod because siem.output is \"http\": Fluent Bit's egress is allowed only there, and a NetworkPolicy cannot select the host name (siem.host))",
                'alerting.team.kind: "none" is not allowed in prod (warnings must reach the team: "slack" or "email")',
                'siem.host: is required when siem.output is "http" (the SIEM collector host name)',
                "siem.deliveryAlarmEmail: is required in prod (who is told when audit events stop reaching the SIEM): pulumi config set --path med-agi:siem.deliveryAlarmEmail <address>",
                "pagerdutyRoutingKey: is required (PagerDuty Events v2 routing key: pages are mandatory in prod); set it with: pulumi config set --secret med-agi:pagerdutyRoutingKey <value>",
                "siemToken: is required (bearer token of the SIEM collector (siem.output http or alerting.siemWebhookUrl)); set it with: pulumi config set --secret med-agi:siemToken <value>",
            ]);
        });

        it("requires the ACME account address of the ClusterIssuer staging/prod declare", () => {
            expect(
                rejectionProblems(
                    { ...PROD, ingress: { domain: "med-agi.example.org", clusterIssuer: "letsencrypt-prod" } },
                    "prod",
                    PROD_SECRETS,
                ),
            ).toEqual([
                "ingress.acmeEmail: is required (the stack declares ClusterIssuer letsencrypt-prod (Let's Encrypt), whose ACME account needs an e-mail address; set it with: pulumi config set --path med-agi:ingress.acmeEmail <address>)",
            ]);
        });

        it("tags a missing credential so tools can tell it from a wrong value", () => {
            try {
                parseValues({ ...PROD, pagerdutyRoutingKey: undefined }, "prod", PROD_SECRETS);
                throw new Error("expected a rejection");
            } catch (err) {
                expect((err as ConfigValidationError).problems).toEqual([
                    expect.objectContaining({ path: "pagerdutyRoutingKey", missingSecret: "pagerdutyRoutingKey" }),
                ]);
            }
        });

        it("requires the manifest signing key wherever backup jobs run, tagged as a missing credential", () => {
            try {
                parseValues({ ...PROD, backupSigningKey: undefined }, "prod", PROD_SECRETS);
                throw new Error("expected a rejection");
            } catch (err) {
                expect((err as ConfigValidationError).problems).toEqual([
                    expect.objectContaining({ path: "backupSigningKey", missingSecret: "backupSigningKey" }),
                ]);
            }
            // No backup jobs (dev without a database): no key needed.
            expect(parseValues({}).secretsSet.has("backupSigningKey")).toBe(false);
        });

        it("refuses a signing key in plain text, or of the wrong shape, without echoing it", () => {
            expect(
                rejectionProblems(
                    { ...PROD, backupSigningKey: "plain-text-key-0123456789abcdef0123456789" },
                    "prod",
                    PROD_SECRETS.filter((k) => k !== "backupSigningKey"),
                ),
            ).toEqual([
                "backupSigningKey: a plain-text value is not allowed (it is a credential: set it with `pulumi config set --secret med-agi:backupSigningKey <value>`)",
            ]);
            const short = rejectionProblems({ ...PROD, backupSigningKey: "tooShort" }, "prod", PROD_SECRETS);
            expect(short).toEqual([
                "backupSigningKey: must be 32 to 64 characters of A-Z a-z 0-9 + / = _ - (generate one with: openssl rand -hex 32); the value is not shown",
            ]);
            expect(short.join("\n")).not.toContain("tooShort");
            // 32 characters is the shortest accepted, 64 the longest (one SHA-256 block).
            expect(() => parseValues({ ...PROD, backupSigningKey: "a".repeat(32) }, "prod", PROD_SECRETS)).not.toThrow();
            expect(() => parseValues({ ...PROD, backupSigningKey: "a".repeat(64) }, "prod", PROD_SECRETS)).not.toThrow();
            expect(rejectionProblems({ ...PROD, backupSigningKey: "a".repeat(31) }, "prod", PROD_SECRETS)).toHaveLength(1);
            expect(rejectionProblems({ ...PROD, backupSigningKey: "a".repeat(65) }, "prod", PROD_SECRETS)).toHaveLength(1);
            expect(
                rejectionProblems({ ...PROD, backupSigningKeyPrevious: SIGNING_KEY }, "prod", [
                    ...PROD_SECRETS,
                    "backupSigningKeyPrevious",
                ]),
            ).toEqual([
                "backupSigningKeyPrevious: equals backupSigningKey (after a rotation it holds the old key; unset it once no run signed with the old key is kept)",
            ]);
        });

        it("encrypts uploads with SSE-KMS by default, takes a KMS key ARN, and refuses no encryption outside dev", () => {
            const config = parseValues(PROD, "prod", PROD_SECRETS);
            expect(config.backups.serverSideEncryption).toBe("aws:kms");
            expect(config.backups.kmsKeyId).toBeUndefined();
            const key = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
            expect(parseValues({ ...PROD, backups: { kmsKeyId: key } }, "prod", PROD_SECRETS).backups.kmsKeyId).toBe(key);
            expect(rejectionProblems({ ...PROD, backups: { serverSideEncryption: "none" } }, "prod", PROD_SECRETS)).toEqual([
                'backups.serverSideEncryption: "none" is not allowed in prod (backups hold patient data: use "aws:kms")',
            ]);
            expect(rejectionProblems({ ...PROD, backups: { kmsKeyId: "alias/med-agi-backups" } }, "prod", PROD_SECRETS)).toEqual([
                'backups.kmsKeyId: "alias/med-agi-backups" is not allowed (a KMS key ARN such as "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab" (not an alias))',
            ]);
            expect(rejectionProblems({ ...PROD, backups: { serverSideEncryption: "AES256" } }, "prod", PROD_SECRETS)).toHaveLength(1);
            const dev = {
                database: { host: "postgres.med-agi.svc.cluster.local" },
                objectStorage: { endpointUrl: "http://minio.med-agi.svc.cluster.local:9000", credentialsSecret: "minio-credentials" },
                backupSigningKey: SIGNING_KEY,
            };
            expect(
                parseValues({ ...dev, backups: { serverSideEncryption: "none" } }, "dev", ["backupSigningKey"]).backups
                    .serverSideEncryption,
            ).toBe("none");
            expect(
                rejectionProblems({ ...dev, backups: { serverSideEncryption: "none", kmsKeyId: key } }, "dev", ["backupSigningKey"]),
            ).toEqual([
                'backups.kmsKeyId: is set but backups.serverSideEncryption is "none" (set serverSideEncryption to "aws:kms", or drop kmsKeyId)',
            ]);
        });

        it("reports every problem at once: a negative replica count and latest", () => {
            expect(rejectionProblems({ release: "latest", services: { imaging: { replicas: -1 } } })).toEqual([
                'release: "latest" is not allowed (a pinned release tag such as "v1.0.0"; "latest" is mutable and cannot be rolled back)',
                "services.imaging.replicas: -1 is not allowed (must be ≥ 1)",
            ]);
        });

        it("never echoes a plain-text credential", () => {
            const secret = "https://hooks.slack.com/services/T0/B0/SECRET";
            let message = "";
            try {
                parseValues({ slackWebhookUrl: secret, release: "latest" });
            } catch (err) {
                message = (err as Error).message;
            }
            expect(message).toContain("slackWebhookUrl: a plain-text value is not allowed");
            expect(message).not.toContain("SECRET");
        });

        it("names the stack and the number of problems in the error", () => {
            expect(() => parseValues({ release: "latest" }, "dev")).toThrow(
                /^Invalid configuration for stack "dev" \(1 problem; keys are under "med-agi:"\):/,
            );
        });
    });

    describe("quantities", () => {
        it("compares CPU and memory quantities numerically", () => {
            expect(quantityValue("250m")).toBeCloseTo(0.25);
            expect(quantityValue("1.5")).toBe(1.5);
            expect(quantityValue("512Mi")).toBe(512 * 2 ** 20);
            expect(quantityValue("1Gi")).toBeGreaterThan(quantityValue("1023Mi"));
            expect(quantityValue("1Gi")).toBe(quantityValue("1024Mi"));
        });
    });
});
