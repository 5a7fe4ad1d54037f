/**
 * Issue 19, finding 8: key policies and bucket policies that name the stack's
 * roles. Over the rendered staging and prod plans, with the resource policies
 * evaluated for requests of a known principal (test/support/resource-policy.ts).
 */
import type { PolicyDocument } from "../../infra/aws/iam";
import type { Plan } from "../../tools/lib/plan";
import { runStack } from "../support/harness";
import { resourcePolicyDecision, type Request } from "../support/resource-policy";
import { ofType, one } from "./cloud-assertions";

const ACCOUNT = "123456789012";
const REGION = "eu-west-1";
const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const TLS = { "aws:SecureTransport": true, "s3:TlsVersion": 1.3 };

const plans: Record<string, Plan> = {};
beforeAll(async () => {
    plans.staging = await runStack("staging");
    plans.prod = await runStack("prod");
});

const keyDoc = (plan: Plan, name: string): PolicyDocument => JSON.parse(one(plan, "aws:kms/key:Key", name).inputs.policy as string);
const keyRequest = (action: string, principal: string, context: Record<string, string | boolean> = {}): Request => ({
    action,
    resource: "*",
    account: ACCOUNT,
    context: { "aws:PrincipalArn": principal, ...context },
});
const viaS3 = { "kms:ViaService": `s3.${REGION}.amazonaws.com` };

describe.each(["staging", "prod"])("%s: KMS key policies name the stack's roles (issue 19, finding 8)", (stack) => {
    const prefix = `med-agi-${stack}`;
    const plan = () => plans[stack]!;

    it("gives every key an explicit policy", () => {
        const keys = ofType(plan(), "aws:kms/key:Key");
        expect(keys.map((k) => k.name)).toEqual([`${prefix}-eks-secrets`, `${prefix}-s3`, `${prefix}-rds`]);
        for (const k of keys) expect(typeof k.inputs.policy).toBe("string");
    });

    it("lets the data buckets' key be used through S3 by the bucket roles, the Firehose role and the operators, nobody else", () => {
        const use = keyDoc(plan(), `${prefix}-s3`).Statement.find((s) => s.Sid === "StackRolesUseTheKey")!;
        expect(use.Condition).toEqual({
            ArnEquals: {
                "aws:PrincipalArn": [
                    role(`${prefix}-triton`),
                    role(`${prefix}-model-backup`),
                    role(`med-agi-${stack}-deployer`),
                    role("med-agi-platform-admin"),
                    role(`med-agi-${stack}-break-glass`),
                    role(`${prefix}-postgres-backup`),
                    role(`${prefix}-config-backup`),
                    role(`${prefix}-backup-restore`),
                    role(`${prefix}-audit-firehose`),
                ],
            },
            StringEquals: { "kms:ViaService": ["s3.eu-west-1.amazonaws.com"] },
        });
        const other = stack === "prod" ? "staging" : "prod";
        const doc = keyDoc(plan(), `${prefix}-s3`);
        expect(resourcePolicyDecision(doc, keyRequest("kms:Decrypt", role(`med-agi-${other}-triton`), viaS3))).toBe("none");
        expect(resourcePolicyDecision(doc, keyRequest("kms:Decrypt", role(`${prefix}-cluster-autoscaler`), viaS3))).toBe("none");
    });

    it("keeps every role whose IAM policy uses a key able to use it (through S3, as SSE-KMS does)", () => {
        const keyByArn = new Map(ofType(plan(), "aws:kms/key:Key").map((k) => [`arn:aws:mock:::${k.name}`, k.name]));
        const users: string[] = [];
        for (const p of ofType(plan(), "aws:iam/rolePolicy:RolePolicy")) {
            for (const s of (JSON.parse(p.inputs.policy as string) as PolicyDocument).Statement) {
                const actions = typeof s.Action === "string" ? [s.Action] : s.Action;
                const resources = s.Resource === undefined ? [] : typeof s.Resource === "string" ? [s.Resource] : s.Resource;
                for (const arn of resources.filter((r) => keyByArn.has(r))) {
                    for (const action of actions) {
                        users.push(`${p.inputs.role as string} ${action}`);
                        const doc = keyDoc(plan(), keyByArn.get(arn)!);
                        expect([
                            p.inputs.role,
                            action,
                            resourcePolicyDecision(doc, keyRequest(action, role(p.inputs.role as string), viaS3)),
                        ]).toEqual([p.inputs.role, action, "allow"]);
                    }
                }
            }
        }
        expect(users.length).toBeGreaterThanOrEqual(6);
    });

    it("lets EKS and RDS keep their keys through grants made for the deploy roles, and the deploy roles read the master secret", () => {
        const grant = { "kms:GrantIsForAWSResource": true };
        for (const key of [`${prefix}-eks-secrets`, `${prefix}-rds`]) {
            const doc = keyDoc(plan(), key);
            expect(resourcePolicyDecision(doc, keyRequest("kms:CreateGrant", role(`med-agi-${stack}-deployer`), grant))).toBe("allow");
            expect(resourcePolicyDecision(doc, keyRequest("kms:CreateGrant", role(`${prefix}-triton`), grant))).toBe("none");
            expect(resourcePolicyDecision(doc, keyRequest("kms:CreateGrant", role(`med-agi-${stack}-deployer`)))).toBe("none");
        }
        const rds = keyDoc(plan(), `${prefix}-rds`);
        const viaSecrets = { "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com" };
        expect(resourcePolicyDecision(rds, keyRequest("kms:Decrypt", role(`med-agi-${stack}-deployer`), viaSecrets))).toBe("allow");
        expect(resourcePolicyDecision(rds, keyRequest("kms:Decrypt", role(`${prefix}-postgres-backup`), viaSecrets))).toBe("none");
        expect(resourcePolicyDecision(rds, keyRequest("kms:Decrypt", role(`med-agi-${stack}-deployer`)))).toBe("none");
    });
});

describe.each(["staging", "prod"])("%s: bucket policies name the stack's roles (issue 19, finding 8)", (stack) => {
    const prefix = `med-agi-${stack}`;
    const plan = () => plans[stack]!;
    const bucketDoc = (name: string): PolicyDocument =>
        JSON.parse(one(plan(), "aws:s3/bucketPolicy:BucketPolicy", `${prefix}-${name}`).inputs.policy as string);
    const s3Request = (action: string, resource: string, principal: string): Request => ({
        action,
        resource,
        account: ACCOUNT,
        context: { ...TLS, "aws:PrincipalArn": principal },
    });
    const buckets = {
        models: `med-agi-models-${stack}-123456789012`,
        backups: `med-agi-backups-${stack}-123456789012`,
        "audit-failed": `med-agi-siem-failed-${stack}-123456789012`,
    };

    it("lets only the backup roles and the operators touch the backups bucket's objects", () => {
        const deny = bucketDoc("backups").Statement.find((s) => s.Sid === "DenyObjectsOutsideTheStack")!;
        expect(deny).toEqual({
            Sid: "DenyObjectsOutsideTheStack",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: `arn:aws:s3:::${buckets.backups}/*`,
            Condition: {
                ArnNotEquals: {
                    "aws:PrincipalArn": [
                        role(`${prefix}-postgres-backup`),
                        role(`${prefix}-model-backup`),
                        role(`${prefix}-config-backup`),
                        role(`${prefix}-backup-restore`),
                        role(`med-agi-${stack}-deployer`),
                        role("med-agi-platform-admin"),
                        role(`med-agi-${stack}-break-glass`),
                    ],
                },
            },
        });
    });

    it.each(Object.keys(buckets))("denies %s's objects and listing to a role of the account outside the stack", (b) => {
        const bucket = buckets[b as keyof typeof buckets];
        const doc = bucketDoc(b);
        const other = stack === "prod" ? "staging" : "prod";
        for (const stranger of [role(`med-agi-${other}-triton`), role(`${prefix}-cluster-autoscaler`), role("some-admin")]) {
            for (const action of ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:PutObjectRetention"]) {
                expect([
                    stranger,
                    action,
                    resourcePolicyDecision(doc, s3Request(action, `arn:aws:s3:::${bucket}/any/key`, stranger)),
                ]).toEqual([stranger, action, "deny"]);
            }
            expect(resourcePolicyDecision(doc, s3Request("s3:ListBucket", `arn:aws:s3:::${bucket}`, stranger))).toBe("deny");
            // Bucket management stays with IAM: the deploy role manages the bucket whatever its ARN.
            for (const action of ["s3:PutBucketPolicy", "s3:PutLifecycleConfiguration", "s3:PutBucketVersioning", "s3:GetBucketPolicy"]) {
                expect(resourcePolicyDecision(doc, s3Request(action, `arn:aws:s3:::${bucket}`, stranger))).toBe("none");
            }
        }
        expect(
            resourcePolicyDecision(doc, s3Request("s3:GetObject", `arn:aws:s3:::${bucket}/k`, role(`med-agi-${stack}-break-glass`))),
        ).toBe("none");
    });

    it("keeps every role whose IAM policy reaches a data bucket able to reach it", () => {
        let checked = 0;
        for (const p of ofType(plan(), "aws:iam/rolePolicy:RolePolicy")) {
            for (const s of (JSON.parse(p.inputs.policy as string) as PolicyDocument).Statement) {
                if (s.Effect !== "Allow") continue;
                const actions = typeof s.Action === "string" ? [s.Action] : s.Action;
                const resources = s.Resource === undefined ? [] : typeof s.Resource === "string" ? [s.Resource] : s.Resource;
                for (const [b, bucket] of Object.entries(buckets)) {
                    for (const resource of resources.filter((r) => r.startsWith(`arn:aws:s3:::${bucket}`))) {
                        for (const action of actions) {
                            const got = resourcePolicyDecision(
                                bucketDoc(b),
                                s3Request(action, resource.replace(/\*$/, "k"), role(p.inputs.role as string)),
                            );
                            expect([p.inputs.role, action, resource, got]).toEqual([p.inputs.role, action, resource, "none"]);
                            checked++;
                        }
                    }
                }
            }
        }
        expect(checked).toBeGreaterThanOrEqual(15);
    });

    it("still refuses requests without TLS, whoever asks", () => {
        const doc = bucketDoc("backups");
        const r = s3Request("s3:GetObject", `arn:aws:s3:::${buckets.backups}/postgres/x`, role(`${prefix}-backup-restore`));
        expect(resourcePolicyDecision(doc, { ...r, context: { ...r.context, "aws:SecureTransport": false } })).toBe("deny");
    });
});
