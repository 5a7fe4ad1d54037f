/** The customer-managed KMS keys of the stack (cluster Secrets, RDS, S3). */
import * as kms from "@pulumi/aws/kms";
import type * as pulumi from "@pulumi/pulumi";

import { dataSafety } from "./naming";

/**
 * A KMS key with yearly rotation and a 30-day deletion window, and its alias
 * `alias/<name>`. The key is data (losing it loses what it encrypts): it gets
 * {@link dataSafety}; the alias does not.
 */
export function rotatingKmsKey(
    name: string,
    description: pulumi.Input<string>,
    prod: boolean,
    opts: pulumi.CustomResourceOptions,
): kms.Key {
    const key = new kms.Key(name, { description, enableKeyRotation: true, deletionWindowInDays: 30 }, { ...opts, ...dataSafety(prod) });
    new kms.Alias(name, { name: `alias/${name}`, targetKeyId: key.keyId }, opts);
    return key;
}
