/**
 * `npm run bench [-- --runs N]` — what operators pay, measured as they pay it:
 * the whole command as typed, wall clock, median of N runs, each figure a
 * ratio to the floor measured in the same loop (the one-resource Pulumi
 * program of tools/bench/floor.js, run with plain `node`).
 *
 * | row | command | goal |
 * |---|---|---|
 * | render prod | `npm run render -- --stack prod` | ≤ 2 × floor |
 * | render all | `npm run render` (dev, staging, prod) | ≤ 3.5 × floor |
 * | CLI start | the program as the Pulumi CLI's language host starts it (tools/bench/language-host.ts) | ≤ 2 × floor |
 * | scaling | marginal ms per resource at 600 synthetic services vs 60 | ≤ 1.5 × |
 *
 * Prints every figure next to the floor and its goal; exits 1 when one is missed.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";

import { languageHostLaunch } from "./bench/language-host";

const ROOT = path.resolve(__dirname, "..");
const LOADER = path.join(__dirname, "lib", "ts-loader.js");

interface Command {
    readonly label: string;
    readonly argv: readonly string[];
    /** Working directory and environment, when not the project root and this process's. */
    readonly cwd?: string;
    readonly env?: NodeJS.ProcessEnv;
    /** The ratio to the floor this row must stay within. */
    readonly goal?: number;
}

/** Wall-clock milliseconds of one run of `argv`; throws with its stderr when it fails. */
function timeOnce({ argv, cwd = ROOT, env = process.env }: Command): number {
    const [file, ...args] = argv;
    if (file === undefined) throw new Error("empty command");
    const started = process.hrtime.bigint();
    const r = spawnSync(file, args, { cwd, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    const millis = Number(process.hrtime.bigint() - started) / 1e6;
    if (r.status !== 0) throw new Error(`bench: \`${argv.join(" ")}\` (in ${cwd}) exited with ${r.status}:\n${r.stderr}`);
    return millis;
}

function median(samples: readonly number[]): number {
    const sorted = [...samples].sort((a, b) => a - b);
    const mid = sorted[Math.floor(sorted.length / 2)];
    if (mid === undefined) throw new Error("no samples");
    return mid;
}

/** Synthetic platforms: resources registered and wall ms, in one fresh process each. */
function synthetic(services: number, out: string): { resources: number; millis: number } {
    const started = process.hrtime.bigint();
    const r = spawnSync(
        process.execPath,
        ["-r", LOADER, path.join(__dirname, "bench", "worker.ts"), "--services", String(services), "--out", out],
        { cwd: ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
    );
    const millis = Number(process.hrtime.bigint() - started) / 1e6;
    const line = r.stdout.split("\n").find((l) => l.startsWith("@@bench "));
    if (r.status !== 0 || line === undefined) throw new Error(`bench: synthetic ${services} services failed:\n${r.stderr}`);
    return { resources: (JSON.parse(line.slice("@@bench ".length)) as { resources: number }).resources, millis };
}

function main(): number {
    const { values } = parseArgs({ options: { runs: { type: "string", default: "5" } } });
    const runs = Number(values.runs);
    if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs: ${values.runs} is not allowed (a whole number ≥ 1)`);
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "med-agi-bench-"));
    try {
        const npm = process.platform === "win32" ? "npm.cmd" : "npm";
        const floor: Command = {
            label: "floor: one-resource program, plain node",
            argv: [process.execPath, path.join(__dirname, "bench", "floor.js")],
        };
        const commands: Command[] = [
            floor,
            {
                label: "npm run render -- --stack prod",
                argv: [npm, "run", "-s", "render", "--", "--stack", "prod", "--out", path.join(scratch, "prod")],
                goal: 2,
            },
            {
                label: "npm run render (dev, staging, prod)",
                argv: [npm, "run", "-s", "render", "--", "--out", path.join(scratch, "all")],
                goal: 3.5,
            },
            { label: "program as the Pulumi CLI starts it (dev)", ...languageHostLaunch(ROOT, "dev"), goal: 2 },
        ];
        // Warm-up: the first run fills the transpile and compile caches, as a
        // user's first command after `npm ci` does once.
        for (const c of commands) timeOnce(c);
        // Interleaved, so that load on the machine weighs on every row alike.
        const samples = new Map<Command, number[]>(commands.map((c) => [c, []]));
        for (let i = 0; i < runs; i++) for (const c of commands) samples.get(c)?.push(timeOnce(c));
        const floorMs = median(samples.get(floor) ?? []);

        process.stdout.write(
            `bench: median of ${runs} runs, node ${process.version}, ${os.availableParallelism()} cores, floor ${floorMs.toFixed(0)} ms\n\n`,
        );
        process.stdout.write("| what the user runs | wall ms | × floor | goal | |\n|---|---:|---:|---:|---|\n");
        let failed = 0;
        for (const c of commands) {
            const ms = median(samples.get(c) ?? []);
            const ratio = ms / floorMs;
            const ok = c.goal === undefined || ratio <= c.goal;
            if (!ok) failed++;
            process.stdout.write(
                `| ${c.label} | ${ms.toFixed(0)} | ${ratio.toFixed(2)} | ${c.goal === undefined ? "—" : `≤ ${c.goal}`} | ${c.goal === undefined ? "" : ok ? "PASS" : "FAIL"} |\n`,
            );
        }

        // Per-resource scaling: the marginal cost per resource must not grow with size.
        // Every point is a median: a single short run varies by ±30 % on a shared VM, which the
        // marginal cost at 60 services (about 0.4 s over the 6-service base) magnifies; five runs
        // of the short ones, three of the long one.
        const medianOfRuns = (services: number, n: number) => {
            const all = Array.from({ length: n }, (_, i) => synthetic(services, path.join(scratch, `s${services}-${i}`)));
            return { resources: all[0]?.resources ?? 0, millis: median(all.map((r) => r.millis)) };
        };
        const s60 = medianOfRuns(60, 5);
        const s600 = medianOfRuns(600, 3);
        const s6 = medianOfRuns(6, 5);
        const marginal = (m: { resources: number; millis: number }) => (m.millis - s6.millis) / (m.resources - s6.resources);
        const scale = marginal(s600) / marginal(s60);
        const scaleOk = scale <= 1.5;
        if (!scaleOk) failed++;
        process.stdout.write(
            `\nscaling: 6 services ${s6.resources} resources ${s6.millis.toFixed(0)} ms; 60 → ${s60.resources} in ${s60.millis.toFixed(0)} ms ` +
                `(${marginal(s60).toFixed(2)} ms/resource); 600 → ${s600.resources} in ${s600.millis.toFixed(0)} ms (${marginal(s600).toFixed(2)} ms/resource)\n` +
                `${scaleOk ? "PASS" : "FAIL"} marginal ms/resource at 600 services ≤ 1.5 × at 60: ${scale.toFixed(2)}\n`,
        );
        process.stdout.write(`\n${failed === 0 ? "all goals met" : `${failed} goal(s) missed`}\n`);
        return failed === 0 ? 0 : 1;
    } finally {
        fs.rmSync(scratch, { recursive: true, force: true });
    }
}

process.exit(main());
