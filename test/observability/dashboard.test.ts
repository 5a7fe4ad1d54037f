/**
 * The key-metrics dashboard: one panel per runbook metric with the runbook
 * threshold drawn, and every query valid PromQL (checked by promtool as
 * recording rules, with the Grafana variable substituted).
 */
import { SERVICE_NAMES } from "../../infra/runbook";
import { DASHBOARD_UID, dashboard, dashboardPanels } from "../../infra/observability";
import { run, scratchDir, writeYaml } from "./tools";

const panels = dashboardPanels({ services: SERVICE_NAMES });

interface Rect {
    readonly x: number;
    readonly y: number;
    readonly w: number;
    readonly h: number;
}
/** Whether two grid rectangles share area (touching edges do not). */
function rectanglesOverlap(a: Rect, b: Rect): boolean {
    return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}
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
        // The runbook's thresholds as literals: 1 %, 2 s, 90 %, 80 %.
        expect(redFrom(panel("Error rate"))).toBe(0.01);
        expect(redFrom(panel("P95 latency"))).toBe(2);
        expect(redFrom(panel("GPU utilisation"))).toBe(90);
        expect(redFrom(panel("Memory"))).toBe(0.8);
    });

    it("shows Triton health red below one ready GPU pod, with the CPU fallback beside it", () => {
        const triton = panel("Triton health");
        expect(triton.targets.map((t) => t.legendFormat)).toEqual(["triton (GPU)", "triton-cpu (CPU fallback)"]);
        const steps = (triton.fieldConfig.defaults as { thresholds: { steps: { color: string; value: number | null }[] } }).thresholds
            .steps;
        expect(steps).toEqual([
            { color: "red", value: null },
            { color: "green", value: 1 },
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

    it("keeps panels from overlapping: no two gridPos rectangles share any area, all within Grafana's 24 columns", () => {
        expect(panels.length).toBeGreaterThanOrEqual(5);
        for (const p of panels) {
            expect(p.gridPos.w).toBeGreaterThan(0);
            expect(p.gridPos.h).toBeGreaterThan(0);
            expect(p.gridPos.x).toBeGreaterThanOrEqual(0);
            expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
        }
        const overlapping = panels.flatMap((a, i) =>
            panels
                .slice(i + 1)
                .filter((b) => rectanglesOverlap(a.gridPos, b.gridPos))
                .map((b) => `${a.title} / ${b.title}`),
        );
        expect(overlapping).toEqual([]);
    });

    describe("rectanglesOverlap", () => {
        const r = (x: number, y: number, w: number, h: number) => ({ x, y, w, h });
        it("sees an overlap that does not share a corner", () => {
            // Same origin is not needed: a wide panel under a tall one.
            expect(rectanglesOverlap(r(0, 0, 12, 8), r(6, 4, 12, 8))).toBe(true);
            expect(rectanglesOverlap(r(4, 0, 4, 20), r(0, 8, 24, 4))).toBe(true);
        });
        it("lets panels touch along an edge", () => {
            expect(rectanglesOverlap(r(0, 0, 12, 8), r(12, 0, 12, 8))).toBe(false);
            expect(rectanglesOverlap(r(0, 0, 12, 8), r(0, 8, 12, 8))).toBe(false);
        });
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

describe("dashboard: data stores", () => {
    const health = {
        postgres: { cluster: "med-agi-postgres", instances: 1 },
        elasticsearch: { cluster: "med-agi-search", nodes: 1 },
        volumeClaims: ["med-agi-postgres-[0-9]+(-wal)?", "elasticsearch-data-med-agi-search-es-default-[0-9]+"],
    };
    const all = (dashboard({ services: SERVICE_NAMES, dataStoreHealth: health }) as { panels: ReturnType<typeof dashboardPanels> }).panels;
    const added = all.slice(panels.length);

    it("adds PostgreSQL readiness, Elasticsearch status and data-store volume fill after the key metrics", () => {
        expect(added.map((p) => p.title)).toEqual([
            "PostgreSQL: ready instances of med-agi-postgres",
            "Elasticsearch: cluster status of med-agi-search",
            "Data-store volumes (used / capacity)",
        ]);
        expect(new Set(all.map((p) => p.id)).size).toBe(all.length);
        const volume = added[2]!;
        expect(
            (volume.fieldConfig.defaults as { thresholds: { steps: { color: string; value: number | null }[] } }).thresholds.steps,
        ).toContainEqual({
            color: "red",
            value: 0.8,
        });
    });

    it("adds none where no data store is watched", () => {
        expect((dashboard({ services: SERVICE_NAMES }) as { panels: unknown[] }).panels).toHaveLength(panels.length);
    });

    it("keeps data-store panels clear of the others", () => {
        for (const [i, a] of all.entries()) for (const b of all.slice(i + 1)) expect(rectanglesOverlap(a.gridPos, b.gridPos)).toBe(false);
    });

    it("queries only valid PromQL (promtool check rules)", () => {
        const rules = added.flatMap((p) => p.targets.map((t) => ({ record: `dashboard:panel${p.id}:${t.refId}`, expr: t.expr })));
        const path = writeYaml(scratchDir("dashboard-datastores"), "panels.yaml", { groups: [{ name: "panels", rules }] });
        const r = run("promtool", ["check", "rules", path]);
        expect(r.stdout).toContain(`SUCCESS: ${rules.length} rules found`);
    });
});
