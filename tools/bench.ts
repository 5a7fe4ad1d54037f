/**
 * `npm run bench` — render cost, measured the way operators pay it: one fresh
 * process per render (tsx + Pulumi SDK + mock runtime + program + files),
 * wall-clock time, median of several runs.
 *
 * Prints per stack and for synthetic platforms of 6, 60 and 600 services the
 * wall time, resource count and ms per resource, next to the floor (a
 * one-resource program run the same way), and checks the targets:
 *   - prod render ≤ 2 × the floor;
 *   - marginal cost per resource at 600 services ≤ 1.5 × that at 60.
 * Exits 1 when a target is missed.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";

const ROOT = path.resolve(__dirname, "..");

interface Measurement {
    readonly label: string;
    readonly resources: number;
    readonly millis: number;
}

function once(args: string[], out: string): { resources: number; millis: number } {
    const started = process.hrtime.bigint();
    const r = spawnSync(process.execPath, ["--import", "tsx", path.join(__dirname, "bench", "worker.ts"), ...args, "--out", out], {
        cwd: ROOT,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
    });
    const millis = Number(process.hrtime.bigint() - started) / 1e6;
    const line = r.stdout.split("\n").find((l) => l.startsWith("@@bench "));
    if (r.status !== 0 || line === undefined) throw new Error(`bench worker ${args.join(" ")} failed:\n${r.stderr}`);
    return { resources: (JSON.parse(line.slice("@@bench ".length)) as { resources: number }).resources, millis };
}

function measure(label: string, args: string[], runs: number, scratch: string): Measurement {
    const samples = Array.from({ length: runs }, (_, i) => once(args, path.join(scratch, `${label.replace(/\W+/g, "-")}-${i}`)));
    const sorted = samples.map((s) => s.millis).sort((a, b) => a - b);
    const first = samples[0];
    const median = sorted[Math.floor(sorted.length / 2)];
    if (first === undefined || median === undefined) throw new Error("no samples");
    return { label, resources: first.resources, millis: median };
}

function main(): number {
    const { values } = parseArgs({ options: { runs: { type: "string" } } });
    const runs = Number(values.runs ?? "3");
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "med-agi-bench-"));
    try {
        const floor = measure("floor (1 resource)", ["--mode", "floor"], runs, scratch);
        const [dev, staging, prod] = ["dev", "staging", "prod"].map((s) =>
            measure(`stack ${s}`, ["--mode", "stack", "--stack", s], runs, scratch),
        );
        const [s6, s60, s600] = [6, 60, 600].map((n) =>
            measure(`synthetic ${n} services`, ["--mode", "synthetic", "--services", String(n)], n >= 600 ? 1 : runs, scratch),
        );
        const marginal = (m: Measurement) => (m.millis - floor.millis) / Math.max(1, m.resources - floor.resources);

        if (!dev || !staging || !prod || !s6 || !s60 || !s600) throw new Error("missing measurement");
        const rows = [floor, dev, staging, prod, s6, s60, s600];
        process.stdout.write(
            `render benchmark: median of ${runs} fresh-process runs (600 services: 1 run), node ${process.version}, ${os.cpus().length} cores\n\n`,
        );
        process.stdout.write(
            `| run | resources | wall ms | ms/resource | × floor | marginal ms/resource |\n|---|---:|---:|---:|---:|---:|\n`,
        );
        for (const m of rows) {
            process.stdout.write(
                `| ${m.label} | ${m.resources} | ${m.millis.toFixed(0)} | ${(m.millis / m.resources).toFixed(2)} | ${(m.millis / floor.millis).toFixed(2)} | ${m === floor ? "—" : marginal(m).toFixed(2)} |\n`,
            );
        }
        const prodRatio = prod.millis / floor.millis;
        const scaleRatio = marginal(s600) / marginal(s60);
        const checks = [
            { name: "prod render ≤ 2 × floor", value: prodRatio, limit: 2 },
            { name: "marginal ms/resource at 600 services ≤ 1.5 × at 60", value: scaleRatio, limit: 1.5 },
        ];
        process.stdout.write("\n");
        for (const c of checks) process.stdout.write(`${c.value <= c.limit ? "PASS" : "FAIL"} ${c.name}: ${c.value.toFixed(2)}\n`);
        return checks.every((c) => c.value <= c.limit) ? 0 : 1;
    } finally {
        fs.rmSync(scratch, { recursive: true, force: true });
    }
}

process.exit(main());
