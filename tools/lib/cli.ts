/**
 * The command-line boilerplate the tools share: options parsed with
 * `node:util`'s parseArgs, `--help`, and usage errors.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";

/** Reports a usage error (`<tool>: <message>`, then the usage) on stderr; returns its exit code, 2. */
export function usageError(tool: string, usage: string, message: string): number {
    process.stderr.write(`${tool}: ${message}\n\n${usage}\n`);
    return 2;
}

/**
 * Parses the command line, or returns the exit code when there is nothing
 * more to do: 2 after a usage error, 0 after printing the usage for `--help`.
 */
export function parseCommandLine<T extends ParseArgsConfig>(
    tool: string,
    usage: string,
    config: T,
): ReturnType<typeof parseArgs<T>> | number {
    let parsed;
    try {
        parsed = parseArgs(config);
    } catch (err) {
        return usageError(tool, usage, (err as Error).message);
    }
    if ((parsed.values as { help?: boolean }).help) {
        process.stdout.write(`${usage}\n`);
        return 0;
    }
    return parsed;
}
