/**
 * `npm run smoke -- --base-url <url>`
 *
 * The post-deploy smoke checks (the runbook's health loop) from an operator's
 * machine: the same list as the in-cluster Job (infra/smoke). `--base-url
 * http://localhost` checks `http://localhost:<port>/health` per service, as
 * the runbook's loop does (with `kubectl port-forward`); a base URL holding
 * `{service}` (e.g. `https://{service}.med-agi.example.org`) is filled in per
 * service instead. Exits non-zero when any check is down.
 */

import { smokeChecks, type SmokeCheck } from "../infra/smoke/spec";
import { parseCommandLine, usageError } from "./lib/cli";

const USAGE = `usage: npm run smoke -- --base-url <url> [--timeout <seconds>]

  --base-url <url>   http://localhost (adds each service's port) or a URL with {service}
  --timeout <s>      per request; default 5
  --help             show this help`;

/** The URL of a check under a base URL (see the module comment). */
export function checkUrl(base: string, check: SmokeCheck): string {
    const trimmed = base.replace(/\/+$/, "");
    if (trimmed.includes("{service}")) return `${trimmed.replaceAll("{service}", check.service)}${check.path}`;
    const url = new URL(trimmed);
    url.port = String(check.port);
    return `${url.origin}${url.pathname.replace(/\/$/, "")}${check.path}`;
}

export interface SmokeResult {
    readonly name: string;
    readonly url: string;
    readonly ok: boolean;
    readonly detail: string;
}

/** Runs every check once; a check is up when it answers 2xx within the timeout. */
export async function runSmoke(base: string, timeoutSeconds = 5): Promise<SmokeResult[]> {
    return Promise.all(
        smokeChecks().map(async (check) => {
            const url = checkUrl(base, check);
            try {
                const res = await fetch(url, { signal: AbortSignal.timeout(timeoutSeconds * 1000) });
                await res.body?.cancel();
                return { name: check.name, url, ok: res.ok, detail: `HTTP ${res.status}` };
            } catch (err) {
                const cause = (err as { cause?: { code?: string } }).cause?.code;
                return { name: check.name, url, ok: false, detail: cause ?? (err as Error).message };
            }
        }),
    );
}

async function main(): Promise<number> {
    const parsed = parseCommandLine("smoke", USAGE, {
        options: { "base-url": { type: "string" }, timeout: { type: "string" }, help: { type: "boolean" } },
    });
    if (typeof parsed === "number") return parsed;
    const { values } = parsed;
    const base = values["base-url"];
    if (base === undefined) return usageError("smoke", USAGE, "--base-url is required");
    const timeout = Number(values.timeout ?? 5);
    if (!Number.isFinite(timeout) || timeout <= 0) {
        process.stderr.write(`smoke: --timeout ${values.timeout} is not allowed (a number of seconds > 0)\n`);
        return 2;
    }
    const results = await runSmoke(base, timeout);
    for (const r of results) process.stdout.write(`${r.ok ? "ok  " : "DOWN"} ${r.name.padEnd(34)} ${r.url} (${r.detail})\n`);
    const down = results.filter((r) => !r.ok).length;
    process.stdout.write(down === 0 ? `smoke: all ${results.length} checks passed\n` : `smoke: ${down} of ${results.length} checks down\n`);
    return down === 0 ? 0 : 1;
}

if (require.main === module) {
    main().then((code) => process.exit(code));
}
