/**
 * Strict schema validation of rendered Kubernetes objects, the way
 * `kubectl apply --validate=strict` and the API server judge them, offline.
 *
 * - Built-in kinds: the OpenAPI definitions, as JSON Schema, of the Kubernetes
 *   version a stack targets: 1.33.0 or 1.35.0
 *   (test/fixtures/schemas/kubernetes-v<version>.json, see SOURCES.md there).
 * - PrometheusRule and ServiceMonitor: the `openAPIV3Schema` of the CRDs that
 *   the kube-prometheus-stack chart installs (prometheus-operator v0.88.1),
 *   with `metadata` checked as a Kubernetes ObjectMeta, as the API server does.
 * - CloudNativePG `Cluster` (operator 1.30.0, chart cloudnative-pg 0.29.0) and
 *   ECK `Elasticsearch` v1 (ECK 3.5.0), the same way.
 *
 * ajv does the validating (with RE2JS for the Go regular expressions of CRD patterns). "Strict" is what kubeconform and openapi2jsonschema
 * `--strict` mean by it: every schema that lists its `properties` and says
 * nothing about others gets `additionalProperties: false`, so an unknown or
 * misspelt field is an error (kubectl's default field validation since 1.27)
 * rather than being silently dropped. Schemas that are free-form maps
 * (`additionalProperties: {…}`) or `x-kubernetes-preserve-unknown-fields` stay open.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { CORE_SCHEMA, load } from "js-yaml";
import { RE2JS } from "re2js";

/**
 * The Kubernetes versions (minor → vendored schema) whose schemas are here: a
 * stack is validated against the version it targets (test/manifests/schema.test.ts).
 */
export const KUBERNETES_SCHEMAS = {
    "1.33": {
        version: "1.33.0",
        file: "kubernetes-v1.33.0.json",
        sha256: "58ea1d4c5b1c7d13fecab9aaad1a2a3187607b704219ddf1794211bfcb3cdb12",
    },
    "1.35": {
        version: "1.35.0",
        file: "kubernetes-v1.35.0.json",
        sha256: "8390593209c0aa7d759c14b4f8609f2f7b1ecb010d1b99cf1ce29643a14870bb",
    },
} as const;
export type KubernetesMinor = keyof typeof KUBERNETES_SCHEMAS;

export const SCHEMA_DIR = path.resolve(__dirname, "../fixtures/schemas");

/**
 * The vendored schema files and their SHA-256, as recorded in SOURCES.md: a
 * hand edit (or a silent swap) of a fixture fails the test that checks these.
 */
export const SCHEMA_FILES = {
    kubernetes133: KUBERNETES_SCHEMAS["1.33"],
    kubernetes135: KUBERNETES_SCHEMAS["1.35"],
    prometheusRules: { file: "crd-prometheusrules.yaml", sha256: "c53489c680df0b199176bed36a3314f7dba87c4e2cb739c6ac47586f0b0d38e7" },
    serviceMonitors: { file: "crd-servicemonitors.yaml", sha256: "4a17f9c905a2a2919e1035a267348619ed89dac45f037059e79d93129fd340fe" },
    podMonitors: { file: "crd-podmonitors.yaml", sha256: "82b82db5776fa6bdbe85cb8599ed1b4d6f09e18f3e50016f5b25854dcca24e79" },
    /** CloudNativePG 1.30.0 `Cluster` (postgresql.cnpg.io/v1), byte-identical upstream; the cloudnative-pg 0.29.0 chart installs the same spec. */
    cnpgClusters: { file: "crd-cnpg-clusters.yaml", sha256: "ae47f4a00f6e998faef57e480f9a3960cd48ea16a79270861fc7442601507472" },
    /** ECK 3.5.0 `Elasticsearch`: the upstream file's first 11073 lines, i.e. only the v1 (storage) version; v1beta1 cut (SOURCES.md). */
    eckElasticsearches: {
        file: "crd-eck-elasticsearches-v1.yaml",
        sha256: "37eacfa0211256ebe06b44cdf7663a88a997bdb33972714b940bb5e53bcf6717",
    },
    /** External Secrets 2.9.0 `ExternalSecret` (external-secrets.io/v1 served; v1beta1 not served, so not loaded), byte-identical upstream. */
    esoExternalSecrets: {
        file: "crd-eso-externalsecrets.yaml",
        sha256: "5044be5a610ca90a075f34f03ed20b462695c43387ba9410db7f4250e47b1e2f",
    },
    /** External Secrets 2.9.0 `SecretStore` (external-secrets.io/v1), byte-identical upstream. */
    esoSecretStores: { file: "crd-eso-secretstores.yaml", sha256: "7f750858d393913915a2f15daff9e1d2f56ca207c09920c055d7a68cceacb641" },
    /** cert-manager v1.21.1 `ClusterIssuer` (cert-manager.io/v1), `deploy/crds/` byte-identical upstream (the chart templates the same spec). */
    certManagerClusterIssuers: {
        file: "crd-cert-manager-clusterissuers.yaml",
        sha256: "30008001b78aafb8e110af61359561104b5fafc3a4dc6ac0013245d0ee3fe4ca",
    },
} as const;

/** The vendored CRDs, loaded for every version they serve. */
const CRD_FILES = [
    SCHEMA_FILES.prometheusRules.file,
    SCHEMA_FILES.serviceMonitors.file,
    SCHEMA_FILES.podMonitors.file,
    SCHEMA_FILES.cnpgClusters.file,
    SCHEMA_FILES.eckElasticsearches.file,
    SCHEMA_FILES.esoExternalSecrets.file,
    SCHEMA_FILES.esoSecretStores.file,
    SCHEMA_FILES.certManagerClusterIssuers.file,
] as const;

/**
 * kube-prometheus-stack releases whose PrometheusRule and ServiceMonitor CRDs
 * are byte-identical to the vendored ones (prometheus-operator v0.88.1): every
 * tag from 81.2.5 to 81.6.9 ships the same two blobs. 82.0.0 moves to v0.89.0.
 */
export const CRD_CHART_RANGE = { chart: "kube-prometheus-stack", from: "81.2.5", to: "81.6.9", operator: "v0.88.1" } as const;

/**
 * The operator charts whose CRDs are vendored for the data stores, by chart
 * name: cloudnative-pg 0.29.0 (operator 1.30.0; its `Cluster` CRD spec equals
 * the operator's `config/crd/bases` one) and eck-operator 3.5.0.
 */
export const CRD_OPERATOR_RELEASES: Readonly<Record<string, string>> = {
    "cloudnative-pg": "0.29.0",
    "eck-operator": "3.5.0",
    "external-secrets": "2.9.0",
    "cert-manager": "v1.21.1",
};

/**
 * Kinds that are deliberately not schema-checked, with the reason. Anything
 * else without a schema fails validation. Empty: every kind the program
 * renders today has its schema here.
 */
export const UNVALIDATED_KINDS: Readonly<Record<string, string>> = {};

/** OpenAPI vendor extensions that carry no validation ajv could apply: declared so ajv's own strict mode accepts them. */
const VENDOR_KEYWORDS = [
    "x-kubernetes-group-version-kind",
    "x-kubernetes-list-map-keys",
    "x-kubernetes-list-type",
    "x-kubernetes-map-type",
    "x-kubernetes-patch-merge-key",
    "x-kubernetes-patch-strategy",
    "x-kubernetes-unions",
    "x-kubernetes-int-or-string",
    "x-kubernetes-preserve-unknown-fields",
    "x-kubernetes-embedded-resource",
    "x-kubernetes-validations",
    // OpenAPI's annotation keyword (used by the External Secrets CRDs): documentation only.
    "example",
];

type Schema = Record<string, unknown>;

/**
 * CRD `pattern`s are Go regular expressions (RE2: `(?i)` and friends), which
 * the API server evaluates with Go's regexp; RE2JS is the same engine in
 * JavaScript, so patterns match here exactly as there.
 *
 * ajv caches compiled patterns under `String(regExp)`: the object must print
 * as its own pattern, or every pattern after the first one compiled is
 * evaluated with that first one (the Quantity pattern of a CRD then judged
 * `4Gi` against the Prometheus duration pattern).
 */
const re2 = Object.assign(
    (pattern: string) => {
        const re = RE2JS.compile(pattern);
        return { test: (s: string) => re.matcher(s).find(), toString: () => `re2js:${pattern}` };
    },
    { code: "re2js" },
);

const isObject = (v: unknown): v is Schema => v !== null && typeof v === "object" && !Array.isArray(v);
const mapValues = (o: Schema, f: (v: unknown) => unknown): Schema => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)]));

/**
 * The strict flavour of a schema: `additionalProperties: false` wherever
 * `properties` are listed and nothing is said about others. Values under
 * `enum`, `default` and `example` are data, not schemas, and are left alone;
 * `properties` and `definitions` are maps of schemas.
 */
export function strictSchema(schema: unknown): unknown {
    if (Array.isArray(schema)) return schema.map(strictSchema);
    if (!isObject(schema)) return schema;
    const out: Schema = {};
    for (const [key, value] of Object.entries(schema)) {
        if (key === "enum" || key === "default" || key === "example" || key.startsWith("x-kubernetes-")) out[key] = value;
        else if ((key === "properties" || key === "definitions") && isObject(value)) out[key] = mapValues(value, strictSchema);
        else out[key] = strictSchema(value);
    }
    if (out.properties !== undefined && out.additionalProperties === undefined && out["x-kubernetes-preserve-unknown-fields"] !== true) {
        out.additionalProperties = false;
    }
    return out;
}

const crds = new Map<string, CustomResourceDefinition>();

/**
 * A vendored CRD, parsed once per test file (validators only read it). YAML
 * 1.2's core schema, as the `yaml` package and the API server's YAML decoder
 * read these files (checked equal on all of them), with js-yaml: 5× faster on
 * the 0.5–0.8 MB CRDs.
 */
function readCrd(file: string): CustomResourceDefinition {
    let crd = crds.get(file);
    if (crd === undefined) crds.set(file, (crd = load(fs.readFileSync(file, "utf8"), { schema: CORE_SCHEMA }) as CustomResourceDefinition));
    return crd;
}

/** `group/version` + kind, the key objects are looked up by (`v1/Secret`, `apps/v1/Deployment`). */
const gvk = (apiVersion: string, kind: string) => `${apiVersion}/${kind}`;

interface CustomResourceDefinition {
    spec: { group: string; names: { kind: string }; versions: { name: string; served: boolean; schema?: { openAPIV3Schema?: Schema } }[] };
}

export interface ObjectProblem {
    /** JSON pointer into the object, e.g. `/spec/template/spec/containers/0`. */
    readonly path: string;
    readonly message: string;
}

function describe(error: ErrorObject): ObjectProblem {
    const params = error.params as Record<string, unknown>;
    const detail =
        error.keyword === "additionalProperties"
            ? ` "${String(params.additionalProperty)}"`
            : error.keyword === "enum"
              ? ` (${JSON.stringify(params.allowedValues)})`
              : "";
    return { path: error.instancePath || "/", message: `${error.message ?? error.keyword}${detail}` };
}

/**
 * Validates Kubernetes objects (plain JSON, as parsed from kubernetes.yaml)
 * against their schemas: built-in kinds against those of Kubernetes
 * `kubernetes` (a minor version with a vendored schema), custom resources
 * against the vendored CRDs.
 */
export class ManifestValidator {
    private readonly ajv: Ajv;
    /** GVK → schema reference (`kubernetes#/definitions/…` or a CRD version's `$id`). */
    private readonly refs = new Map<string, string>();
    private readonly compiled = new Map<string, ValidateFunction>();
    /** The Kubernetes release whose built-in kinds this validator knows, e.g. "1.33.0". */
    readonly kubernetesVersion: string;

    constructor(kubernetes: KubernetesMinor, dir: string = SCHEMA_DIR) {
        const schemaFile = KUBERNETES_SCHEMAS[kubernetes];
        this.kubernetesVersion = schemaFile.version;
        const k8sSchemaId = `urn:med-agi:schema:kubernetes:v${schemaFile.version}`;
        const objectMeta = `${k8sSchemaId}#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta`;
        this.ajv = new Ajv({
            allErrors: true,
            strict: true,
            strictTypes: false,
            validateFormats: true,
            inlineRefs: false,
            // Unoptimised code compiles in two thirds of the time, and only ~1,000 objects are validated.
            code: { regExp: re2, optimize: false },
        });
        addFormats(this.ajv);
        this.ajv.addVocabulary(VENDOR_KEYWORDS);

        const k8s = JSON.parse(fs.readFileSync(path.join(dir, schemaFile.file), "utf8")) as { definitions: Schema };
        this.ajv.addSchema({ $id: k8sSchemaId, ...(strictSchema(k8s) as Schema) });
        for (const [name, def] of Object.entries(k8s.definitions)) {
            const kinds = (def as { "x-kubernetes-group-version-kind"?: { group: string; version: string; kind: string }[] })[
                "x-kubernetes-group-version-kind"
            ];
            // Shared meta types (DeleteOptions, WatchEvent) claim every group; the first claim wins and none is a kind we render.
            for (const k of kinds ?? []) {
                const key = gvk(k.group === "" ? k.version : `${k.group}/${k.version}`, k.kind);
                if (!this.refs.has(key)) this.refs.set(key, `${k8sSchemaId}#/definitions/${name}`);
            }
        }

        for (const file of CRD_FILES) {
            const crd = readCrd(path.join(dir, file));
            for (const version of crd.spec.versions.filter((v) => v.served)) {
                const schema = version.schema?.openAPIV3Schema;
                if (schema === undefined) throw new Error(`${file}: version ${version.name} has no openAPIV3Schema`);
                const id = `urn:med-agi:schema:crd:${crd.spec.group}:${version.name}:${crd.spec.names.kind}`;
                const properties = { ...(schema.properties as Schema), metadata: { $ref: objectMeta } };
                this.ajv.addSchema({ $id: id, ...(strictSchema({ ...schema, properties }) as Schema) });
                this.refs.set(gvk(`${crd.spec.group}/${version.name}`, crd.spec.names.kind), id);
            }
        }
    }

    /** Whether objects of this apiVersion and kind have a schema here. */
    has(apiVersion: string, kind: string): boolean {
        return this.refs.has(gvk(apiVersion, kind));
    }

    /**
     * Problems of one object (empty: valid). Throws for an object without
     * apiVersion/kind, or of a kind that has no schema and is not listed in
     * {@link UNVALIDATED_KINDS}; returns `undefined` for a listed one.
     */
    validate(obj: unknown): ObjectProblem[] | undefined {
        if (!isObject(obj) || typeof obj.apiVersion !== "string" || typeof obj.kind !== "string") {
            throw new Error(`not a Kubernetes object (no apiVersion/kind): ${JSON.stringify(obj).slice(0, 200)}`);
        }
        const key = gvk(obj.apiVersion, obj.kind);
        const ref = this.refs.get(key);
        if (ref === undefined) {
            if (obj.kind in UNVALIDATED_KINDS) return undefined;
            throw new Error(
                `no schema for ${obj.apiVersion} ${obj.kind} (Kubernetes ${this.kubernetesVersion} or a vendored CRD); add its CRD or list it in UNVALIDATED_KINDS with the reason`,
            );
        }
        let validate = this.compiled.get(key);
        if (validate === undefined) {
            validate = this.ajv.compile({ $ref: ref });
            this.compiled.set(key, validate);
        }
        return validate(obj) ? [] : (validate.errors ?? []).map(describe);
    }
}

/** SHA-256 of a fixture file, to compare with {@link SCHEMA_FILES}. */
export function fixtureSha256(file: string, dir: string = SCHEMA_DIR): string {
    return createHash("sha256")
        .update(fs.readFileSync(path.join(dir, file)))
        .digest("hex");
}
