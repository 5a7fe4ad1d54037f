/**
 * How a med-agi policy is declared: name, description, the runbook line or
 * standard it enforces (`rationale`), the fix (`remediationSteps`), a
 * deliberate enforcement level, and a config schema whose defaults are the
 * runbook's values (imported from `infra/runbook.ts`, never copied).
 *
 * Only types come from `@pulumi/policy` here: loading its runtime starts
 * nothing, but the modules of this folder stay cheap to import for the
 * offline runner (`tools/lib/policy-run.ts`).
 */
import type {
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";

/** What every med-agi policy carries beyond the SDK's fields. */
export interface Rationale {
    /** The runbook line (quoted) or the standard (named, with its control) this policy enforces. */
    readonly rationale: string;
    /** The area module it lives in. */
    readonly area: PolicyArea;
}

export type PolicyArea = "runbook" | "kubernetes" | "aws" | "data-safety";

export type MedAgiResourcePolicy = ResourceValidationPolicy &
    Rationale & {
        /** The type tokens it can apply to (under its default config); undefined: any. */
        readonly appliesTo: readonly string[] | undefined;
    };
export type MedAgiStackPolicy = StackValidationPolicy &
    Rationale & {
        /** The only resource types it looks at: it is handed the stack's resources of these types, nothing else. */
        readonly reads: readonly string[];
    };
export type MedAgiPolicy = MedAgiResourcePolicy | MedAgiStackPolicy;

/** A resource class as `isType` sees it: only its Pulumi type token matters (works for CRDs, loads no SDK). */
type ResourceClass = Parameters<ResourceValidationArgs["isType"]>[0];

/** The class-shaped matcher for a type token, for `args.isType(...)` / `resource.isType(...)`. */
export function typeOf(token: string): ResourceClass {
    return { __pulumiType: token } as unknown as ResourceClass;
}

/** Whether `resource` is of one of `tokens`, asked through the engine's own `isType`. */
export function isOneOf(resource: { isType: ResourceValidationArgs["isType"] }, tokens: readonly string[]): boolean {
    return tokens.some((t) => resource.isType(typeOf(t)));
}

type ConfigProperties<C> = { readonly [K in keyof C]: Omit<PolicyConfigJSONSchema, "default"> };

interface CommonSpec<C extends object> {
    readonly name: string;
    readonly description: string;
    readonly rationale: string;
    readonly remediationSteps: string;
    readonly enforcementLevel: Exclude<EnforcementLevel, "remediate">;
    readonly area: PolicyArea;
    /** Config defaults: values imported from infra/runbook.ts (and the components' defaults). */
    readonly defaults: C;
    /** JSON schema of each config key (its `default` is taken from `defaults`). */
    readonly schema: ConfigProperties<C>;
}

function configSchema<C extends object>(spec: CommonSpec<C>): PolicyConfigSchema {
    const properties: PolicyConfigSchema["properties"] = {};
    for (const key of Object.keys(spec.schema) as (keyof C & string)[]) {
        properties[key] = { ...spec.schema[key], default: spec.defaults[key] as PolicyConfigJSONSchema["default"] };
    }
    return { properties };
}

/** What every policy declares, resource or stack: its metadata and config schema. */
function commonFields<C extends object>(spec: CommonSpec<C>) {
    return {
        name: spec.name,
        description: spec.description,
        rationale: spec.rationale,
        area: spec.area,
        remediationSteps: spec.remediationSteps,
        enforcementLevel: spec.enforcementLevel,
        configSchema: configSchema(spec),
    };
}

/**
 * The effective config: the CLI applies the schema's defaults itself, but
 * `getConfig()` returns `{}` outside it, so the defaults are applied here too.
 */
function effectiveConfig<C extends object>(defaults: C, getConfig: () => object): C {
    return { ...defaults, ...(getConfig() as Partial<C>) };
}

/** A policy over one resource at a time, for resources of `types`. */
export function resourcePolicy<C extends object>(
    spec: CommonSpec<C> & {
        /** Types it applies to; a function of the config when the config lists them. */
        readonly types: readonly string[] | ((args: ResourceValidationArgs, config: C) => boolean);
        /** With `types` a function: the types it applies to under the default config (what an offline run uses). */
        readonly defaultTypes?: readonly string[];
        readonly validate: (
            props: Record<string, any>,
            args: ResourceValidationArgs,
            report: ReportViolation,
            config: C,
        ) => void | Promise<void>;
    },
): MedAgiResourcePolicy {
    const types = spec.types;
    const validateResource = (args: ResourceValidationArgs, report: ReportViolation) => {
        const config = effectiveConfig(spec.defaults, () => args.getConfig());
        const applies = typeof types === "function" ? types(args, config) : isOneOf(args, types);
        if (!applies)
            return args.notApplicable(
                typeof types === "function" ? "not a resource this policy's config lists" : `applies to ${types.join(", ")}`,
            );
        return spec.validate(args.props, args, report, config);
    };
    // One type: let the engine skip other resources without calling us (the SDK's own fast path).
    if (typeof types !== "function" && types.length === 1) Object.assign(validateResource, { __pulumiType: types[0] });
    return {
        ...commonFields(spec),
        appliesTo: typeof types === "function" ? spec.defaultTypes : types,
        validateResource,
    };
}

/** A policy over the whole stack (existence, relations between resources). */
export function stackPolicy<C extends object>(
    spec: CommonSpec<C> & {
        /** The resource types the policy reads; `args.resources` holds only these. */
        readonly reads: readonly string[];
        readonly validate: (args: StackValidationArgs, report: ReportViolation, config: C) => void | Promise<void>;
    },
): MedAgiStackPolicy {
    return {
        ...commonFields(spec),
        reads: spec.reads,
        // The declared types only, under the CLI as offline: what it reads is what it says it reads,
        // so the offline runner may send it just those resources and get the same answer.
        validateStack: (args, report) =>
            spec.validate(
                { ...args, resources: args.resources.filter((r) => isOneOf(r, spec.reads)) },
                report,
                effectiveConfig(spec.defaults, () => args.getConfig()),
            ),
    };
}

export type { PolicyResource, ReportViolation, ResourceValidationArgs, StackValidationArgs };
