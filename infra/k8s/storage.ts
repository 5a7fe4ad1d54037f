/**
 * Node disk (ephemeral storage) per container: a request the scheduler counts
 * when it places the pod, and a limit past which the kubelet evicts it. The
 * limit covers the disk-backed emptyDirs the container writes (each already
 * bounded by its `sizeLimit`) plus its own logs, which the kubelet keeps on
 * the node until it rotates them (10Mi × 5 files by default). Memory-backed
 * emptyDirs count against memory, not here. Pure.
 */

/** The kubelet's container log allowance (containerLogMaxSize 10Mi × containerLogMaxFiles 5), with headroom. */
export const LOG_ALLOWANCE = "64Mi";

/** One container's ephemeral-storage request and limit. */
export interface EphemeralStorage {
    readonly request: string;
    readonly limit: string;
}

const UNITS = { Ki: 1, Mi: 1024, Gi: 1024 ** 2, Ti: 1024 ** 3 } as const;

/** A quantity in binary units (`512Mi`, `20Gi`) in KiB; throws naming the value otherwise. */
function kib(quantity: string): number {
    const m = /^([1-9][0-9]*)(Ki|Mi|Gi|Ti)$/.exec(quantity);
    if (m === null)
        throw new Error(
            `ephemeral storage: ${JSON.stringify(quantity)} is not allowed (a quantity in binary units such as "512Mi" or "20Gi")`,
        );
    return Number(m[1]) * UNITS[m[2] as keyof typeof UNITS];
}

/** KiB as the largest binary unit that divides it: 21233664 → `20736Mi`, 1048576 → `1Gi`. */
function quantity(kibs: number): string {
    for (const unit of ["Ti", "Gi", "Mi"] as const) {
        if (kibs % UNITS[unit] === 0) return `${kibs / UNITS[unit]}${unit}`;
    }
    return `${kibs}Ki`;
}

/**
 * A limit of the disk-backed emptyDirs `writes` (their size limits) plus the
 * log allowance, and the request `request`, or the limit where that is smaller
 * (a small configured work dir).
 */
export function ephemeralStorage(request: string, writes: readonly string[] = []): EphemeralStorage {
    const limit = [...writes, LOG_ALLOWANCE].reduce((sum, q) => sum + kib(q), 0);
    return { request: kib(request) > limit ? quantity(limit) : request, limit: quantity(limit) };
}

/** `resources` with `storage` added as the `ephemeral-storage` request and limit. */
export function withEphemeralStorage<R extends { requests?: Record<string, string>; limits?: Record<string, string> }>(
    resources: R,
    storage: EphemeralStorage,
): R & { requests: Record<string, string>; limits: Record<string, string> } {
    return {
        ...resources,
        requests: { ...resources.requests, "ephemeral-storage": storage.request },
        limits: { ...resources.limits, "ephemeral-storage": storage.limit },
    };
}
