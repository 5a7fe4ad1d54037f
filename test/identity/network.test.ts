/**
 * The services validate API bearer tokens against the issuer's keys: with the
 * issuer's address blocks configured they reach exactly those blocks on 443,
 * without them nothing beyond what docs/network.md lists (only oauth2-proxy
 * reaches public addresses).
 */
import { networkPolicies, type NetworkPlanArgs } from "../../infra/network/spec";

const BASE: NetworkPlanArgs = {
    namespace: "med-agi",
    services: [{ name: "ekg", port: 8016, database: false, inference: false, pacs: false }],
    ingressControllerNamespace: "traefik",
    monitoringNamespace: "monitoring",
    database: { kind: "in-cluster" },
    objectStore: { kind: "in-cluster", implementation: "seaweedfs", port: 8333 },
    tritonGpu: false,
    backups: [],
    apiServer: { cidrs: ["10.0.0.0/8"], ports: [443] },
    operators: { eck: "elastic-system" },
};

const ekgEgress = (args: NetworkPlanArgs) =>
    networkPolicies(args).find((p) => p.name === "ekg-egress")!.spec.egress as {
        to: { ipBlock?: { cidr: string } }[];
        ports: { port: number }[];
    }[];
const httpsBlocks = (args: NetworkPlanArgs) =>
    ekgEgress(args)
        .filter((e) => e.ports.some((p) => p.port === 443))
        .flatMap((e) => e.to.map((t) => t.ipBlock?.cidr));

describe("the services' egress to the OIDC issuer", () => {
    it("is exactly the issuer's blocks on 443 when OIDC is set and the blocks are known", () => {
        expect(httpsBlocks({ ...BASE, oidcIssuer: { cidrs: ["198.51.100.0/24"] } })).toEqual(["198.51.100.0/24"]);
    });

    it("is absent without OIDC, and absent without the blocks (never every public address)", () => {
        // Without OIDC, or without its blocks, the program passes no issuer (infra/program.ts).
        expect(httpsBlocks({ ...BASE })).toEqual([]);
    });
});
