/**
 * Config files the program deploys, as the render writes them: ConfigMaps and
 * Secrets annotated with {@link RENDER_DIR_ANNOTATION}.
 */
import * as path from "node:path";

import { RENDER_DIR_ANNOTATION } from "../../infra/k8s/annotations";
import { isKubernetesObject, SECRET_MASK, type Plan } from "./plan";

export { RENDER_DIR_ANNOTATION };

/** Files declared by ConfigMaps/Secrets annotated with {@link RENDER_DIR_ANNOTATION}: relative path → content. */
export function annotatedFiles(plan: Plan): Map<string, string> {
    const files = new Map<string, string>();
    for (const r of plan.resources.filter(isKubernetesObject)) {
        const metadata = (r.inputs.metadata ?? {}) as { annotations?: Record<string, string> };
        const dir = metadata.annotations?.[RENDER_DIR_ANNOTATION];
        if (dir === undefined || (r.inputs.kind !== "ConfigMap" && r.inputs.kind !== "Secret")) continue;
        const entries = { ...((r.inputs.data as object) ?? {}), ...((r.inputs.stringData as object) ?? {}) } as Record<string, unknown>;
        for (const [key, value] of Object.entries(entries)) {
            const rel = path.posix.normalize(path.posix.join(dir, key));
            if (rel.startsWith("..") || path.posix.isAbsolute(rel)) {
                throw new Error(`${r.urn}: ${RENDER_DIR_ANNOTATION}="${dir}" with key "${key}" escapes the render directory`);
            }
            if (files.has(rel)) throw new Error(`${r.urn}: render file ${rel} is declared twice`);
            const content =
                r.inputs.kind === "Secret" && r.inputs.data !== undefined && key in (r.inputs.data as object) && value !== SECRET_MASK
                    ? Buffer.from(String(value), "base64").toString("utf8")
                    : String(value);
            files.set(rel, content);
        }
    }
    return files;
}
