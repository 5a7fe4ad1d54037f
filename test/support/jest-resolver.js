"use strict";
/**
 * Jest resolver: resolves as Jest does, except that the SDK subsystems no test
 * calls (tools/lib/deferred-modules.js: the function serializer with
 * TypeScript's 9 MB compiler and npm's arborist, the Automation API, …)
 * resolve to stand-in files that load the real module on first use. Every
 * test file has its own module registry, so without this each of the ~80
 * files that load the SDK evaluated those ~480 modules again: about 1 CPU-s
 * per file. A test that uses one (pulumi.automation, serializeFunction) gets
 * the real module through the stand-in.
 *
 * A stand-in is a two-line file under node_modules/.cache, one per deferred
 * module, written once (atomically, as several workers may race) and
 * requiring the real module by its path; requires from that directory are
 * never redirected, so the stand-in reaches the real module.
 */
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

const { deferrableModules } = require("../../tools/lib/deferred-modules");

const ROOT = path.resolve(__dirname, "..", "..");
const STAND_INS = path.join(ROOT, "node_modules", ".cache", "med-agi-jest-stand-ins");
const HELPER = path.join(ROOT, "tools", "lib", "deferred-modules.js");
const DEFERRED = process.env.MED_AGI_DEFER_SDK_EXTRAS === "0" ? new Set() : new Set(deferrableModules());
const written = new Map();

/** The stand-in file for the real module at `filename`, written on first use. */
function standInFile(filename) {
    let file = written.get(filename);
    if (file !== undefined) return file;
    const source = `"use strict";\nmodule.exports = require(${JSON.stringify(HELPER)}).standIn(() => require(${JSON.stringify(filename)}));\n`;
    const key = crypto.createHash("sha256").update(source).digest("hex").slice(0, 16);
    file = path.join(STAND_INS, `${path.basename(filename, path.extname(filename))}-${key}.js`);
    if (!fs.existsSync(file)) {
        try {
            fs.mkdirSync(STAND_INS, { recursive: true });
            const tmp = `${file}.${process.pid}.tmp`;
            fs.writeFileSync(tmp, source);
            fs.renameSync(tmp, file);
        } catch {
            file = filename; // a read-only node_modules: the real module, loaded now (only slower)
        }
    }
    written.set(filename, file);
    return file;
}

module.exports = (request, options) => {
    const resolved = options.defaultResolver(request, options);
    if (!DEFERRED.has(resolved) || options.basedir === STAND_INS) return resolved;
    return standInFile(resolved);
};
