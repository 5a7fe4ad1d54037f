/** The LogRotation component under Pulumi's mock runtime. */
import * as pulumi from "@pulumi/pulumi";

interface Registered {
    type: string;
    name: string;
    inputs: any;
}
const registered: Registered[] = [];
pulumi.runtime.setMocks(
    {
        newResource: (args) => {
            registered.push({ type: args.type, name: args.name, inputs: args.inputs });
            return { id: `${args.name}-id`, state: args.inputs };
        },
        call: (args) => args.inputs,
    },
    "med-agi",
    "dev",
    false,
);

import { LogRotation, logrotateConfig } from "../../infra/logrotate";

let component: LogRotation;
beforeAll(async () => {
    component = new LogRotation("logrotate", { image: "registry.example/med-agi/logrotate:3.21.0-bookworm" });
    await new Promise<void>((resolve) => pulumi.all([component.namespace, component.configMapName]).apply(() => resolve()));
    await new Promise((r) => setImmediate(r));
});
const ofType = (t: string): Registered[] => registered.filter((r) => r.type === t);

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

    it("registers the DaemonSet with the given image, children named after the component", async () => {
        const ds = ofType("kubernetes:apps/v1:DaemonSet");
        expect(ds).toHaveLength(1);
        expect(ds[0]?.name).toBe("logrotate-daemonset");
        expect(ds[0]?.inputs.spec.template.spec.containers[0].image).toBe("registry.example/med-agi/logrotate:3.21.0-bookworm");
        expect(ofType("med-agi:logrotate:LogRotation").map((r) => r.name)).toEqual(["logrotate"]);
    });
});
