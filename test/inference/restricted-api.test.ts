/**
 * Triton's model control and other admin APIs need a key: every Triton pod of every stack starts with the restricted-API
 * flags of the pinned release, the key comes from a Secret only Triton reads,
 * and the failover gate asks only the open health API.
 */
import type { Plan } from "../../tools/lib/plan";
import { k8sObject, runStack } from "../support/harness";

const STACKS = ["dev", "staging", "prod"] as const;
const plans = {} as Record<(typeof STACKS)[number], Plan>;
beforeAll(async () => {
    for (const stack of STACKS) plans[stack] = await runStack(stack);
}, 120_000);

const TRITONS = { dev: ["triton"], staging: ["triton", "triton-cpu"], prod: ["triton", "triton-cpu"] };
const APIS = "model-repository,model-config,shared-memory,statistics,trace,logging";

describe.each(STACKS)("%s", (stack) => {
    it("restricts model control, config, shared memory, statistics, trace and logging on HTTP and gRPC to the admin key", () => {
        for (const name of TRITONS[stack]) {
            const c = k8sObject(plans[stack], "Deployment", name).spec.template.spec.containers.find((x: any) => x.name === "triton");
            expect(c.args.filter((a: string) => a.includes("restricted"))).toEqual([
                `--http-restricted-api=${APIS}:triton-admin-key=$(TRITON_ADMIN_KEY)`,
                `--grpc-restricted-protocol=${APIS}:triton-admin-key=$(TRITON_ADMIN_KEY)`,
            ]);
            expect(c.args).toContain("--model-control-mode=explicit");
            expect(c.env).toContainEqual({
                name: "TRITON_ADMIN_KEY",
                valueFrom: { secretKeyRef: { name: "triton-admin-key", key: "key" } },
            });
        }
        const secret = k8sObject(plans[stack], "Secret", "triton-admin-key");
        expect(secret.stringData).toEqual({ key: "[secret]" });
    });

    it("leaves health, metadata and inference open: the probes and the failover gate ask health only", () => {
        for (const name of TRITONS[stack]) {
            const spec = k8sObject(plans[stack], "Deployment", name).spec.template.spec;
            const triton = spec.containers.find((x: any) => x.name === "triton");
            for (const probe of ["startupProbe", "livenessProbe"]) expect(triton[probe].httpGet.path).toMatch(/^\/v2\/health\//);
            for (const api of ["health", "metadata", "inference"]) expect(APIS.split(",")).not.toContain(api);
        }
    });
});
