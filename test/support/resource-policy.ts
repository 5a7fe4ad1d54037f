/**
 * What a resource policy (bucket policy, key policy) says about one request
 * with a known context, evaluating the condition operators these policies use
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html):
 * ArnEquals/ArnNotEquals/ArnLike (exact or `*` glob), StringEquals/StringLike,
 * Bool and NumericLessThan. Several values of one key are ORed, several keys
 * and operators ANDed. A key missing from the context makes a positive
 * operator false and a negated one (`...Not...`) true, as AWS does.
 * Principals are matched on `AWS` account roots (any principal of that
 * account) and `*`. Returns the statements that apply, by Sid.
 */
import type { PolicyDocument, PolicyStatement } from "../../infra/aws/iam";

export interface Request {
    readonly action: string;
    readonly resource: string;
    /** The caller's account (for a `Principal: {AWS: ...:root}`). */
    readonly account: string;
    readonly context: Readonly<Record<string, string | boolean | number>>;
}

const glob = (pattern: string, value: string, ignoreCase = false): boolean =>
    new RegExp(
        `^${pattern
            .split("")
            .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
            .join("")}$`,
        ignoreCase ? "i" : "",
    ).test(value);

const list = <T>(v: T | readonly T[] | undefined): readonly T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v as T]);

function principalMatches(s: PolicyStatement, account: string): boolean {
    if (s.Principal === "*") return true;
    return list(s.Principal?.AWS).some((p) => p === "*" || p === `arn:aws:iam::${account}:root`);
}

function operatorHolds(op: string, key: string, expected: readonly (string | boolean)[], context: Request["context"]): boolean {
    const negated = op.includes("Not");
    const actual = context[key];
    if (actual === undefined) return negated;
    const one = (e: string | boolean): boolean => {
        switch (op.replace("Not", "")) {
            case "ArnEquals":
            case "ArnLike":
            case "StringLike":
                return glob(String(e), String(actual));
            case "StringEquals":
                return String(e) === String(actual);
            case "Bool":
                return String(e) === String(actual);
            case "NumericLessThan":
                return Number(actual) < Number(e);
            default:
                throw new Error(`condition operator ${op} is not evaluated here`);
        }
    };
    const any = expected.some(one);
    return negated ? !any : any;
}

function conditionHolds(s: PolicyStatement, context: Request["context"]): boolean {
    return Object.entries(s.Condition ?? {}).every(([op, keys]) =>
        Object.entries(keys).every(([key, v]) => operatorHolds(op, key, list(v as string | boolean | readonly string[]), context)),
    );
}

/** The statements of `doc` that apply to the request (principal, action, resource and condition all match). */
export function applying(doc: PolicyDocument, r: Request): PolicyStatement[] {
    return doc.Statement.filter(
        (s) =>
            principalMatches(s, r.account) &&
            list(s.Action).some((a) => glob(a, r.action, true)) &&
            list(s.Resource).some((p) => glob(p, r.resource)) &&
            conditionHolds(s, r.context),
    );
}

/** "deny" when a Deny applies, "allow" when an Allow does, else "none" (the resource policy grants nothing). */
export function resourcePolicyDecision(doc: PolicyDocument, r: Request): "deny" | "allow" | "none" {
    const hits = applying(doc, r);
    if (hits.some((s) => s.Effect === "Deny")) return "deny";
    return hits.some((s) => s.Effect === "Allow") ? "allow" : "none";
}
