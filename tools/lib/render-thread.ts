/**
 * A group of stacks rendered one after another in a worker thread of
 * `npm run render`, each outcome posted as soon as it is known. The thread has
 * its own module registry, hence its own SDK state: groups render in parallel
 * in one process, isolated as separate processes would be, without paying a
 * process start per group.
 */
import { parentPort, workerData } from "node:worker_threads";

import { renderOneAfterAnother, type RenderJob } from "./render-stack";

void renderOneAfterAnother(workerData as RenderJob[], (outcome) => parentPort?.postMessage(outcome));
