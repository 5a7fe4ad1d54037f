/**
 * The Go tools the tests drive (tools/go/<tool>/, built and put on PATH by
 * tools/go-tools.sh, which `npm test` sources before jest). A test that needs
 * one asks for it here: a missing tool fails the test with its name and the
 * command that installs it, never skips it.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** The absolute path of the executable `command` on PATH; throws naming it when it is not there. */
export function goTool(command: string): string {
    for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
        if (dir === "") continue;
        const file = path.join(dir, command);
        try {
            fs.accessSync(file, fs.constants.X_OK);
            return file;
        } catch {
            // not in this directory
        }
    }
    throw new Error(
        `${command} is not on PATH: \`npm test\` builds it (tools/go-tools.sh, pinned in tools/go/); ` +
            `for a single jest run: \`. tools/go-tools.sh && npx jest <file>\``,
    );
}
