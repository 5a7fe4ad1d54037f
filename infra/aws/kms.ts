/**
 * The customer-managed KMS keys of the stack (cluster Secrets, RDS, S3), each
 * with an explicit key policy. See docs/aws.md, "Key
 * policies".
 *
 * - The account administers the key (never its data): the statement AWS
 *   recommends so that a key cannot become unmanageable, minus every
 *   cryptographic operation and minus CreateGrant, so IAM policies of the
 *   account can manage the key but cannot hand its data to anyone.
 * - The stack's own roles (by `aws:PrincipalArn`) use it, and only through the
 *   services that encrypt with it (`kms:ViaService`).
 * - AWS services that keep the key for a resource of their own (EKS Secrets
 *   encryption, RDS storage) create grants on behalf of the deploy roles,
 *   only as an AWS service (`kms:GrantIsForAWSResource`).
 */
import * as kms from "@pulumi/aws/kms";
import type * as pulumi from "@pulumi/pulumi";

import type { PolicyDocument, PolicyStatement } from "./iam";
import { dataSafety } from "./naming";

/** Managing the key without reading or writing its data, and without creating grants. */
export const KEY_ADMIN_ACTIONS = [
    "kms:CancelKeyDeletion",
    "kms:CreateAlias",
    "kms:DeleteAlias",
    "kms:DescribeKey",
    "kms:DisableKey",
    "kms:DisableKeyRotation",
    "kms:EnableKey",
    "kms:EnableKeyRotation",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListAliases",
    "kms:ListGrants",
    "kms:ListKeyPolicies",
    "kms:ListResourceTags",
    "kms:PutKeyPolicy",
    "kms:RevokeGrant",
    "kms:RotateKeyOnDemand",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateAlias",
    "kms:UpdateKeyDescription",
] as const;

/** The cryptographic operations of a symmetric data key. */
export const KEY_USE_ACTIONS = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"] as const;

/** Services that encrypt with the stack's keys (`kms:ViaService` is `<service>.<region>.amazonaws.com`). */
export type KeyService = "s3" | "rds" | "secretsmanager" | "eks";

export interface KeyPolicyArgs {
    readonly accountId: string;
    readonly region: string;
    /** The roles that use the key for data, and the services they use it through. */
    readonly users: { readonly roleArns: readonly string[]; readonly via: readonly KeyService[] };
    /**
     * The roles on whose behalf an AWS service creates a grant for its own resource (the deploy
     * roles: they create the cluster and the database). @default none
     */
    readonly grantsFor?: readonly string[];
}

/** The key policy: the account administers, the named roles use through the named services, services hold grants. */
export function keyPolicy(args: KeyPolicyArgs): PolicyDocument {
    const account = { AWS: `arn:aws:iam::${args.accountId}:root` };
    const statements: PolicyStatement[] = [
        { Sid: "AccountAdministersTheKey", Effect: "Allow", Principal: account, Action: [...KEY_ADMIN_ACTIONS], Resource: "*" },
        {
            Sid: "StackRolesUseTheKey",
            Effect: "Allow",
            Principal: account,
            Action: [...KEY_USE_ACTIONS],
            Resource: "*",
            Condition: {
                ArnEquals: { "aws:PrincipalArn": [...args.users.roleArns] },
                StringEquals: { "kms:ViaService": args.users.via.map((s) => `${s}.${args.region}.amazonaws.com`) },
            },
        },
    ];
    if (args.grantsFor !== undefined && args.grantsFor.length > 0) {
        statements.push({
            Sid: "ServicesHoldGrantsForTheirResources",
            Effect: "Allow",
            Principal: account,
            Action: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
            Resource: "*",
            Condition: { ArnEquals: { "aws:PrincipalArn": [...args.grantsFor] }, Bool: { "kms:GrantIsForAWSResource": true } },
        });
    }
    return { Version: "2012-10-17", Statement: statements };
}

/**
 * A KMS key with yearly rotation, a 30-day deletion window, an explicit key
 * policy ({@link keyPolicy}) and its alias `alias/<name>`. The key is data
 * (losing it loses what it encrypts): it gets {@link dataSafety}; the alias does not.
 */
export function rotatingKmsKey(
    name: string,
    description: pulumi.Input<string>,
    policy: KeyPolicyArgs,
    prod: boolean,
    opts: pulumi.CustomResourceOptions,
): kms.Key {
    const key = new kms.Key(
        name,
        { description, enableKeyRotation: true, deletionWindowInDays: 30, policy: JSON.stringify(keyPolicy(policy)) },
        { ...opts, ...dataSafety(prod) },
    );
    new kms.Alias(name, { name: `alias/${name}`, targetKeyId: key.keyId }, opts);
    return key;
}
