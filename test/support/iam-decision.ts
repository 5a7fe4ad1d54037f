/**
 * What an IAM identity policy decides for one request, as AWS evaluates it
 * within one account without a permissions boundary or SCP: an explicit Deny
 * wins, else an Allow grants, else the request is implicitly denied
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).
 * `*` and `?` in Action and Resource are wildcards; actions compare without case.
 *
 * Conditions are not evaluated, and each side is read in the direction that
 * keeps a test's claim sound: a Deny with a Condition does not count as an
 * explicit deny (it may not apply), and an Allow with a Condition counts as an
 * allow (it may apply). So "explicit-deny" means denied whatever the request
 * carries, and "implicit-deny" means no statement could grant it.
 */
import type { PolicyDocument, PolicyStatement } from "../../infra/aws/iam";

export type Decision = "explicit-deny" | "allow" | "implicit-deny";

function globMatches(pattern: string, value: string, ignoreCase: boolean): boolean {
    const re = new RegExp(
        `^${pattern
            .split("")
            .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
            .join("")}$`,
        ignoreCase ? "i" : "",
    );
    return re.test(value);
}

function statementMatches(s: PolicyStatement, action: string, resource: string): boolean {
    const actions = typeof s.Action === "string" ? [s.Action] : s.Action;
    const resources = s.Resource === undefined ? [] : typeof s.Resource === "string" ? [s.Resource] : s.Resource;
    return actions.some((a) => globMatches(a, action, true)) && resources.some((r) => globMatches(r, resource, false));
}

export function decide(doc: PolicyDocument, action: string, resource: string): Decision {
    const matching = doc.Statement.filter((s) => statementMatches(s, action, resource));
    if (matching.some((s) => s.Effect === "Deny" && s.Condition === undefined)) return "explicit-deny";
    if (matching.some((s) => s.Effect === "Allow")) return "allow";
    return "implicit-deny";
}
