/**
 * Value formats shared by every config section (one definition each, so a
 * quantity or a name is accepted the same way everywhere). Each carries the
 * sentence shown when a value does not match: "what is allowed".
 */
import { z } from "zod";

/** A Kubernetes object name (DNS subdomain). */
export const k8sName = z
    .string()
    .regex(/^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/, "a Kubernetes object name (lower-case letters, digits, '-', '.')");

/** A lower-case DNS name, e.g. an ingress domain. */
export const dnsName = z
    .string()
    .regex(
        /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/,
        'a lower-case DNS name such as "med-agi.example.org"',
    );

/** A DNS host name (any case). */
export const hostName = z
    .string()
    .regex(/^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/, "a DNS host name");

/** A CPU quantity: millicores or cores. */
export const cpuQuantity = z.string().regex(/^([1-9][0-9]*m|[0-9]+(\.[0-9]{1,3})?)$/, 'a CPU quantity such as "250m" or "1.5"');

/** A memory or storage quantity in binary units. */
export const memoryQuantity = z.string().regex(/^[1-9][0-9]*(Ki|Mi|Gi|Ti)$/, 'a quantity in binary units such as "512Mi" or "2Gi"');

/** An https:// URL. */
export const httpsUrl = z.url({ protocol: /^https$/, error: "an https:// URL" });

/** An http:// or https:// URL (in-cluster endpoints may be plain http). */
export const httpUrl = z.url({ protocol: /^https?$/, error: "an http:// or https:// URL" });

/** OCI tag grammar; `latest` is refused because it is mutable and cannot be rolled back. */
export const imageTag = z
    .string()
    .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, "an image tag: letters, digits, '_', '.', '-', at most 128")
    .refine((tag) => tag !== "latest", 'a pinned release tag such as "v1.0.0"; "latest" is mutable and cannot be rolled back');

/** An image reference pinned by tag or digest; `latest` and untagged references are refused. */
export const pinnedImage = z
    .string()
    .regex(
        /^[a-z0-9]([a-z0-9._\/:-]*[a-z0-9])?(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[a-f0-9]{64})$/,
        'an image pinned by tag or digest, e.g. "postgres:15.13-bookworm"',
    )
    .refine((ref) => !/:latest$/.test(ref), '"latest" is mutable: pin a version tag or digest')
    .refine((ref) => /@sha256:|:[^/:]+$/.test(ref), "an image with an explicit tag or digest");

/** An S3 bucket name. */
export const bucketName = z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "an S3 bucket name (3–63 lower-case letters, digits, '.', '-')");
