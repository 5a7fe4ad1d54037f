/**
 * The key-metrics dashboard: one panel per runbook metric with the runbook
 * threshold drawn, and every query valid PromQL (checked by promtool as
 * recording rules, with the Grafana variable substituted).
 */
import { KEY_METRICS, SERVICE_NAMES } from "../../infra/runbook";
import { DASHBOARD_UID, dashboard, dashboardPanels } from "../../infra/observability";
import { run, scratchDir, writeYaml } from "./tools";

const panels = dashboardPanels({ services: SERVICE_NAMES });
const panel = (title: string) => panels.find((p) => p.title.startsWith(title))!;
const redFrom = (p: ReturnType<typeof panel>) =>
    (
        (p.fieldConfig.defaults as { thresholds: { steps: { color: string; value: number | null }[] } }).thresholds.steps.find(
            (s) => s.color === "red",
        ) ?? {}
    ).value;

describe("dashboard", () => {
    it("has a stable uid and a service variable offering every service", () => {
        const d = dashboard({ services: SERVICE_NAMES }) as {
            uid: string;
            templating: { list: { name: string; query: string; allValue?: string }[] };
        };
        expect(d.uid).toBe(DASHBOARD_UID);
        const service = d.templating.list.find((v) => v.name === "service")!;
        expect(service.query).toBe("imaging,ekg,eval,anchor,modelcards,ops");
        expect(service.allValue).toBe("imaging|ekg|eval|anchor|modelcards|ops");
    });

    it("shows each runbook key metric with its threshold in red", () => {
        expect(redFrom(panel("Error rate"))).toBe(KEY_METRICS.errorRate.threshold);
        expect(redFrom(panel("P95 latency"))).toBe(KEY_METRICS.latencyP95.threshold);
        expect(redFrom(panel("GPU utilisation"))).toBe(KEY_METRICS.gpuUtilization.threshold);
        expect(redFrom(panel("Memory"))).toBe(KEY_METRICS.memoryUsage.threshold);
    });

    it("shows Triton health red below one ready GPU pod, with the CPU fallback beside it", () => {
        const triton = panel("Triton health");
        expect(triton.targets.map((t) => t.legendFormat)).toEqual(["triton (GPU)", "triton-cpu (CPU fallback)"]);
        const steps = (triton.fieldConfig.defaults as { thresholds: { steps: { color: string; value: number | null }[] } }).thresholds
            .steps;
        expect(steps).toEqual([
            { color: "red", value: null },
            { color: "green", value: KEY_METRICS.tritonHealth.threshold },
        ]);
    });

    it("shows Triton's inference rate and queue time per pool (GPU against the CPU fallback)", () => {
        expect(panel("Triton inference rate by pool").targets[0]!.expr).toBe(
            'sum by (pool) (rate(nv_inference_request_success{namespace="med-agi"}[5m]))',
        );
        const queue = panel("Triton queue time per request");
        expect(queue.targets[0]!.expr).toContain("nv_inference_queue_duration_us");
        expect(queue.targets[0]!.legendFormat).toBe("{{pool}}");
        expect((queue.fieldConfig.defaults as { unit: string }).unit).toBe("ms");
    });

    it("breaks request panels down per service", () => {
        for (const title of ["Error rate", "P95 latency", "Request rate"]) {
            expect(panel(title).targets[0]!.expr).toContain('service=~"$service"');
            expect(panel(title).targets[0]!.legendFormat).toBe("{{service}}");
        }
    });

    it("keeps panels from overlapping", () => {
        const cells = new Set(panels.map((p) => `${p.gridPos.x},${p.gridPos.y}`));
        expect(cells.size).toBe(panels.length);
    });

    it("queries only valid PromQL (promtool check rules)", () => {
        const rules = panels.flatMap((p) =>
            p.targets.map((t) => ({ record: `dashboard:panel${p.id}:${t.refId}`, expr: t.expr.split("$service").join("imaging") })),
        );
        const path = writeYaml(scratchDir("dashboard"), "dashboard-queries.yaml", { groups: [{ name: "dashboard", rules }] });
        const r = run("promtool", ["check", "rules", path]);
        expect(r.stdout).toContain(`SUCCESS: ${rules.length} rules found`);
        expect(r.status).toBe(0);
    });
});
