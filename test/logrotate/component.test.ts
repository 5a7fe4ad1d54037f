/** The LogRotation component under Pulumi's mock runtime. */
import { LogRotation, logrotateConfig } from "../../infra/logrotate";
import { runUnderMocks } from "../../tools/lib/mock-run";
import type { Plan, PlannedResource } from "../../tools/lib/plan";

let plan: Plan;
beforeAll(async () => {
    plan = await runUnderMocks({ project: "med-agi", stack: "dev", values: {}, secretKeys: [] }, () => {
        new LogRotation("logrotate", { image: "registry.example/med-agi/logrotate:3.21.0-bookworm" });
    });
});

// Tests read deep into plain inputs.
const ofType = (type: string): (PlannedResource & { inputs: any })[] => plan.resources.filter((r) => r.type === type);

describe("LogRotation component", () => {
    it("puts the rotator in its own namespace with PSA privileged (hostPath is forbidden under restricted)", () => {
        const ns = ofType("kubernetes:core/v1:Namespace");
        expect(ns).toHaveLength(1);
        expect(ns[0]?.inputs.metadata.name).toBe("med-agi-node");
        expect(ns[0]?.inputs.metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("privileged");
    });

    it("publishes both configs in a ConfigMap the render writes under logrotate/", () => {
        const cm = ofType("kubernetes:core/v1:ConfigMap");
        expect(cm).toHaveLength(1);
        expect(cm[0]?.inputs.metadata.annotations).toEqual({ "render.med-agi.io/dir": "logrotate" });
        expect(cm[0]?.inputs.data).toEqual({ "med-agi": logrotateConfig("host"), "med-agi-k8s": logrotateConfig("kubernetes") });
        expect(cm[0]?.inputs.metadata.namespace).toBe("med-agi-node");
    });

    it("registers the DaemonSet with the given image, children named after the component", () => {
        const ds = ofType("kubernetes:apps/v1:DaemonSet");
        expect(ds).toHaveLength(1);
        expect(ds[0]?.name).toBe("logrotate-daemonset");
        expect(ds[0]?.inputs.spec.template.spec.containers[0].image).toBe("registry.example/med-agi/logrotate:3.21.0-bookworm");
        expect(ofType("med-agi:logrotate:LogRotation").map((r) => r.name)).toEqual(["logrotate"]);
    });
});
