/**
 * One stack's render inside a worker thread of `npm run render`. Pulumi's
 * mocks are global to a module instance, and each worker thread has its own
 * module registry: stacks render in parallel in one process, isolated as
 * separate processes would be, without paying a process start per stack.
 */
import { parentPort, workerData } from "node:worker_threads";

import { renderOutcome, type RenderJob } from "./render-stack";

const job = workerData as RenderJob;
renderOutcome(job).then(
    (outcome) => parentPort?.postMessage(outcome),
    (err: unknown) => parentPort?.postMessage({ ok: false, stack: job.stack, kind: "program", message: String(err) }),
);
