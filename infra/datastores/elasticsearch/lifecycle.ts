/**
 * Index lifecycle of the log and audit data streams (the indices are kept
 * for a configured time), as pure builders: the ILM policy and index template documents, the
 * script that PUTs them, and the Job that runs it.
 *
 * Mechanism: ECK's StackConfigPolicy would declare ILM policies and index
 * templates natively, but it needs an Enterprise licence (this platform runs
 * ECK's free Basic licence). Instead a Kubernetes Job PUTs
 * `_ilm/policy/<name>` and `_index_template/<name>` (both idempotent upserts)
 * over TLS, verifying ECK's CA, as a file-realm user that can manage ILM and
 * templates and read no document. The Job and its ConfigMap are named after a
 * hash of the documents, so a retention change replaces them and `pulumi up`
 * runs the Job again; an unchanged config leaves them alone.
 */
import { createHash } from "node:crypto";

import type * as k8s from "@pulumi/kubernetes";

import { selectorLabels } from "../../k8s/labels";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../../k8s/security";
import { ephemeralStorage, withEphemeralStorage } from "../../k8s/storage";
import { retentionToDays } from "../config";
import { ELASTICSEARCH_URL } from "./spec";
import { ELASTICSEARCH_CA, LIFECYCLE_SEARCH_USER, SEARCH_STREAM_PREFIX, type SearchStreamKind } from "./users";

/** The curl image the Job runs (tag 8.21.0 of curl/curl-container; docs/versions.md). */
export const LIFECYCLE_IMAGE = "quay.io/curl/curl:8.21.0";

/** Rollover of a data stream's write index (chosen: a day, or 50 GB per primary shard, whichever first). */
export const ROLLOVER = { maxAge: "1d", maxPrimaryShardSize: "50gb" } as const;

/** Name of the ILM policy (and index template) of a kind. */
export function lifecyclePolicyName(kind: SearchStreamKind): string {
    return `med-agi-${kind}`;
}

/** An ILM policy body (`PUT _ilm/policy/<name>`). */
export interface IlmPolicy {
    readonly policy: {
        readonly _meta: Record<string, string>;
        readonly phases: {
            readonly hot: { readonly min_age: string; readonly actions: Record<string, unknown> };
            readonly delete: { readonly min_age: string; readonly actions: { readonly delete: Record<string, unknown> } };
        };
    };
}

/**
 * The ILM policy: hot (rollover daily), then delete `retention` after
 * rollover. A document is therefore kept at least `retention` and at most
 * `retention` + one rollover period.
 */
export function ilmPolicy(kind: SearchStreamKind, retention: string): IlmPolicy {
    retentionToDays(retention); // refuses anything but whole days
    return {
        policy: {
            _meta: { managed_by: "pulumi (med-agi infra/datastores)", retention },
            phases: {
                hot: {
                    min_age: "0ms",
                    actions: {
                        rollover: { max_age: ROLLOVER.maxAge, max_primary_shard_size: ROLLOVER.maxPrimaryShardSize },
                        set_priority: { priority: kind === "audit" ? 100 : 50 },
                    },
                },
                delete: { min_age: retention, actions: { delete: { delete_searchable_snapshot: true } } },
            },
        },
    };
}

/** The composable index template (`PUT _index_template/<name>`) that makes `med-agi-<kind>-*` data streams under the policy. */
export function indexTemplate(kind: SearchStreamKind, replicas: number): Record<string, unknown> {
    return {
        index_patterns: [`${SEARCH_STREAM_PREFIX[kind]}*`],
        data_stream: {},
        // Above the built-in templates (100, `logs-*-*` and friends) so ours always applies.
        priority: 500,
        template: {
            settings: { "index.lifecycle.name": lifecyclePolicyName(kind), "index.number_of_replicas": replicas },
            mappings: { properties: { "@timestamp": { type: "date" } } },
        },
        _meta: { managed_by: "pulumi (med-agi infra/datastores)" },
    };
}

/** One request the Job makes. */
export interface LifecycleRequest {
    /** Path under the Elasticsearch URL, e.g. `_ilm/policy/med-agi-logs`. */
    readonly path: string;
    /** ConfigMap key holding the JSON body. */
    readonly file: string;
    readonly body: unknown;
}

/** Policies first (a template names its policy), then templates. */
export function lifecycleRequests(retention: { readonly logs: string; readonly audit: string }, replicas: number): LifecycleRequest[] {
    const kinds: SearchStreamKind[] = ["logs", "audit"];
    return [
        ...kinds.map((k) => ({ path: `_ilm/policy/${lifecyclePolicyName(k)}`, file: `ilm-${k}.json`, body: ilmPolicy(k, retention[k]) })),
        ...kinds.map((k) => ({
            path: `_index_template/${lifecyclePolicyName(k)}`,
            file: `template-${k}.json`,
            body: indexTemplate(k, replicas),
        })),
    ];
}

/** Where the Job mounts things. */
export const LIFECYCLE_PATHS = { documents: "/lifecycle", ca: "/etc/med-agi/elasticsearch-ca", tmp: "/tmp" } as const;

/** Tries and pause while waiting for the cluster (chosen: 40 × 15 s = 10 min for a first start). */
export const LIFECYCLE_WAIT = { attempts: 40, intervalSeconds: 15 } as const;

/**
 * The Job's script (POSIX sh + curl). Waits for the cluster to be at least
 * yellow, then PUTs each document and fails on any non-2xx answer. The
 * password goes to curl through a config file, never on its command line.
 */
export function lifecycleScript(
    requests: readonly LifecycleRequest[],
    wait: { readonly attempts: number; readonly intervalSeconds: number } = LIFECYCLE_WAIT,
    p: { readonly documents: string; readonly ca: string; readonly tmp: string } = LIFECYCLE_PATHS,
): string {
    return [
        "#!/bin/sh",
        "# Applies the med-agi index lifecycle policies and index templates (idempotent PUTs).",
        "set -eu",
        `umask 077`,
        `printf 'user = "%s:%s"\\n' "$ELASTICSEARCH_USERNAME" "$ELASTICSEARCH_PASSWORD" > ${p.tmp}/auth.curlrc`,
        `es() { curl --silent --show-error --fail-with-body --cacert ${p.ca}/ca.crt --config ${p.tmp}/auth.curlrc "$@"; }`,
        "n=0",
        `until es "$ELASTICSEARCH_URL/_cluster/health?wait_for_status=yellow&timeout=30s" > /dev/null; do`,
        "  n=$((n + 1))",
        `  if [ "$n" -ge ${wait.attempts} ]; then echo "Elasticsearch at $ELASTICSEARCH_URL is not ready" >&2; exit 1; fi`,
        `  sleep ${wait.intervalSeconds}`,
        "done",
        // One statement per request: under `set -e` a failing command inside an `&&` list would not stop the script.
        ...requests.flatMap((r) => [
            `es -X PUT -H 'Content-Type: application/json' --data-binary @${p.documents}/${r.file} "$ELASTICSEARCH_URL/${r.path}"`,
            `echo " PUT ${r.path}"`,
        ]),
        "",
    ].join("\n");
}

/** The ConfigMap data: the script and one JSON file per request. */
export function lifecycleConfigData(requests: readonly LifecycleRequest[]): Record<string, string> {
    return {
        "apply.sh": lifecycleScript(requests),
        ...Object.fromEntries(requests.map((r) => [r.file, `${JSON.stringify(r.body, null, 2)}\n`])),
    };
}

/** First 10 hex digits of the SHA-256 of the ConfigMap data: changes exactly when a document or the script does. */
export function lifecycleHash(data: Record<string, string>): string {
    const canonical = JSON.stringify(
        Object.keys(data)
            .sort()
            .map((k) => [k, data[k]]),
    );
    return createHash("sha256").update(canonical).digest("hex").slice(0, 10);
}

/** The workload's name: its pods' `app.kubernetes.io/name`, its ServiceAccount, and the prefix of its Job and ConfigMap. */
export const LIFECYCLE_NAME = "search-lifecycle";

/** The Job and ConfigMap name for these documents. */
export function lifecycleName(data: Record<string, string>): string {
    return `${LIFECYCLE_NAME}-${lifecycleHash(data)}`;
}

/** The Job's requests and limits; capacity validation reads the same (infra/aws/workloads.ts). */
export const LIFECYCLE_RESOURCES = { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m", memory: "64Mi" } } as const;

/** The Job's own ServiceAccount (no API access: its token is not mounted). */
export const LIFECYCLE_SERVICE_ACCOUNT = LIFECYCLE_NAME;

/** The Job's spec (its ConfigMap is `name`, the lifecycle user's credentials its file-realm Secret). */
export function lifecycleJobSpec(name: string, url: string = ELASTICSEARCH_URL): k8s.types.input.batch.v1.JobSpec {
    const p = LIFECYCLE_PATHS;
    const secret = LIFECYCLE_SEARCH_USER.fileRealmSecret;
    return {
        backoffLimit: 4,
        activeDeadlineSeconds: 1800,
        template: {
            metadata: { labels: selectorLabels(LIFECYCLE_NAME) },
            spec: {
                restartPolicy: "Never",
                serviceAccountName: LIFECYCLE_SERVICE_ACCOUNT,
                automountServiceAccountToken: false,
                // The image's user is a name (curl_user); a numeric one lets the kubelet check runAsNonRoot.
                securityContext: restrictedPodSecurityContext({ user: 65534, group: 65534 }),
                containers: [
                    {
                        name: "apply",
                        image: LIFECYCLE_IMAGE,
                        command: ["/bin/sh", `${p.documents}/apply.sh`],
                        env: [
                            { name: "ELASTICSEARCH_URL", value: url },
                            { name: "ELASTICSEARCH_USERNAME", valueFrom: { secretKeyRef: { name: secret, key: "username" } } },
                            { name: "ELASTICSEARCH_PASSWORD", valueFrom: { secretKeyRef: { name: secret, key: "password" } } },
                        ],
                        securityContext: restrictedContainerSecurityContext(),
                        // Node disk: its /tmp is memory-backed, so only its logs.
                        resources: withEphemeralStorage(
                            { requests: { ...LIFECYCLE_RESOURCES.requests }, limits: { ...LIFECYCLE_RESOURCES.limits } },
                            ephemeralStorage("8Mi"),
                        ),
                        volumeMounts: [
                            { name: "documents", mountPath: p.documents, readOnly: true },
                            { name: "ca", mountPath: p.ca, readOnly: true },
                            { name: "tmp", mountPath: p.tmp },
                        ],
                    },
                ],
                volumes: [
                    { name: "documents", configMap: { name } },
                    { name: "ca", secret: { secretName: ELASTICSEARCH_CA.name, items: [{ key: ELASTICSEARCH_CA.key, path: "ca.crt" }] } },
                    { name: "tmp", emptyDir: { medium: "Memory", sizeLimit: "1Mi" } },
                ],
            },
        },
    };
}
