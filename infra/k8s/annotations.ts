/**
 * Annotations the project's tooling reads.
 *
 * `render.med-agi.io/dir` on a ConfigMap or Secret asks the offline render to
 * write each of its data keys as a file into that directory of the render
 * output (`.` for the top level) — how alertmanager.yaml, the dashboards and
 * the logrotate configs reach `out/<stack>/`.
 */
export const RENDER_DIR_ANNOTATION = "render.med-agi.io/dir";
