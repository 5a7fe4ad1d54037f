/**
 * A group of stacks rendered one after another in a worker thread of
 * `npm run render`, each outcome posted as soon as it is known. The thread has
 * its own module registry, hence its own SDK state: groups render in parallel
 * in one process, isolated as separate processes would be, without paying a
 * process start per group.
 */
import { parentPort, workerData } from "node:worker_threads";

import { renderOutcome, type RenderJob, type RenderOutcome } from "./render-stack";

async function renderGroup(jobs: readonly RenderJob[]): Promise<void> {
    for (const job of jobs) {
        const outcome: RenderOutcome = await renderOutcome(job).catch((err: unknown) => ({
            ok: false as const,
            stack: job.stack,
            kind: "program" as const,
            message: String(err),
        }));
        parentPort?.postMessage(outcome);
    }
}

void renderGroup(workerData as RenderJob[]);
