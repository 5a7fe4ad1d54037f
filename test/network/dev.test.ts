import { matrixTests } from "./matrix";

matrixTests({
    stack: "dev",
    database: { kind: "in-cluster" },
    objectStore: { kind: "in-cluster", port: 8333 },
    // kind's API server on the control-plane node (the docker network), port 6443.
    apiServer: { ip: "172.18.0.2", port: 6443 },
    tritonGpu: false,
    isolatedNamespaces: ["med-agi", "cnpg-system", "elastic-system", "logging", "med-agi-node", "monitoring"],
});
