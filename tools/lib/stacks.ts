/**
 * The stacks of a project (its Pulumi.<stack>.yaml files). A module of its own,
 * without the YAML parser, so that `npm run render` lists the stacks and
 * starts its worker threads before its own thread loads anything else.
 */
import * as fs from "node:fs";

/** Stacks that have a `Pulumi.<stack>.yaml` in `root`, sorted dev, staging, prod first. */
export function listStacks(root: string): string[] {
    const order = ["dev", "staging", "prod"];
    const stacks = fs
        .readdirSync(root)
        .map((f) => /^Pulumi\.(.+)\.ya?ml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined);
    const rank = (s: string) => (order.includes(s) ? order.indexOf(s) : order.length);
    return stacks.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}
