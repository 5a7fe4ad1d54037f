/**
 * Renders the project as it is at a git ref (and checks commits out for
 * `npm run rollback`), for `npm run diff -- --base <ref>`:
 * the ref is checked out in a temporary `git worktree` and rendered there by
 * its own render tool, so the base is exactly what that commit would deploy.
 *
 * node_modules: when the ref's package-lock.json is the checkout's, the
 * worktree gets a symlink to this checkout's node_modules — offline, instant,
 * and the same packages the lock names. When the lock differs, the ref needs
 * its own packages: `npm ci --prefer-offline` installs them in the worktree
 * (from npm's cache when it holds them; online otherwise).
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export interface GitRender {
    /** Directory holding one `<stack>/plan.json` per stack. */
    readonly outDir: string;
    /** How node_modules was provided: "symlink" or "npm ci". */
    readonly modules: "symlink" | "npm ci";
    /** Removes the worktree and the output. */
    readonly cleanup: () => void;
}

function git(cwd: string, args: string[]): string {
    return execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** A commit checked out in a temporary worktree, with node_modules. */
export interface Worktree {
    readonly dir: string;
    readonly commit: string;
    readonly modules: "symlink" | "npm ci";
    readonly cleanup: () => void;
}

/** Checks `ref` out in a temporary `git worktree` and gives it node_modules (see the module comment). */
export function prepareWorktree(root: string, ref: string, log: (line: string) => void = () => {}): Worktree {
    let commit: string;
    try {
        commit = git(root, ["rev-parse", "--verify", `${ref}^{commit}`]).trim();
    } catch {
        throw new Error(`${ref}: not a commit in ${root} (fetch it first, e.g. git fetch origin ${ref})`);
    }
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "med-agi-worktree-"));
    const dir = path.join(tmp, "src");
    git(root, ["worktree", "add", "--detach", dir, commit]);
    const cleanup = () => {
        try {
            git(root, ["worktree", "remove", "--force", dir]);
        } catch {
            // already gone
        }
        fs.rmSync(tmp, { recursive: true, force: true });
    };
    try {
        const lockHere = readOrEmpty(path.join(root, "package-lock.json"));
        const lockThere = readOrEmpty(path.join(dir, "package-lock.json"));
        let modules: Worktree["modules"];
        if (lockHere === lockThere && fs.existsSync(path.join(root, "node_modules"))) {
            fs.symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"), "dir");
            modules = "symlink";
        } else {
            log(`${ref}'s package-lock.json differs from this checkout's: npm ci in the worktree`);
            execFileSync("npm", ["ci", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts"], {
                cwd: dir,
                stdio: ["ignore", "ignore", "inherit"],
            });
            modules = "npm ci";
        }
        return { dir, commit, modules, cleanup };
    } catch (err) {
        cleanup();
        throw err;
    }
}

/** Renders `ref` of the repository at `root` into a temporary directory. */
export function renderGitRef(root: string, ref: string, log: (line: string) => void = () => {}): GitRender {
    const wt = prepareWorktree(root, ref, (l) => log(`diff: ${l}`));
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "med-agi-base-out-"));
    const cleanup = () => {
        wt.cleanup();
        fs.rmSync(outDir, { recursive: true, force: true });
    };
    try {
        log(`diff: rendering ${ref} (${wt.commit.slice(0, 12)}) in a temporary worktree (node_modules: ${wt.modules})`);
        execFileSync(process.execPath, ["-r", "./tools/lib/ts-loader.js", "tools/render.ts", "--out", outDir], {
            cwd: wt.dir,
            stdio: ["ignore", "ignore", "inherit"],
        });
        return { outDir, modules: wt.modules, cleanup };
    } catch (err) {
        cleanup();
        throw err;
    }
}

function readOrEmpty(file: string): string {
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
}
