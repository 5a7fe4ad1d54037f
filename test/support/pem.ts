/** Self-signed certificates made by the real openssl, for tests that need a PEM CA bundle on disk. */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** A one-day self-signed certificate for `cn`, written to `<dir>/<cn>.pem` (key beside it); returns the PEM. */
export function selfSignedCert(dir: string, cn: string): string {
    const out = join(dir, `${cn}.pem`);
    const r = spawnSync(
        "openssl",
        [
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            `/CN=${cn}`,
            "-keyout",
            join(dir, `${cn}.key`),
            "-out",
            out,
        ],
        { encoding: "utf8" },
    );
    if (r.status !== 0) throw new Error(`openssl req for ${cn} failed: ${r.stderr}`);
    return readFileSync(out, "utf8");
}
