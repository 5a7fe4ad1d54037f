import { matrixTests } from "./matrix";

matrixTests({
    stack: "prod",
    // RDS in the VPC (10.50.0.0/16); an address outside it.
    database: { kind: "external", address: "10.50.1.20", outside: "10.99.1.20" },
    // S3 at an address of the gateway endpoint's blocks (the render's mock: 198.51.100.0/25), STS's interface endpoint in its
    // own /28 (10.50.248.0/28), and a pod's address in the private subnet (the EKS private endpoint's, too) that is not STS.
    objectStore: { kind: "aws", s3: "198.51.100.10", sts: "10.50.248.5", notSts: "10.50.2.5" },
    // EKS's control-plane ENIs in the VPC.
    apiServer: { ip: "10.50.0.10", port: 443 },
    pacs: {
        ip: "192.0.2.5",
        outsideIp: "192.0.2.20",
        port: 11112,
        env: {
            PACS_HOST: "pacs.example.org",
            PACS_PORT: "11112",
            PACS_CALLING_AE_TITLE: "MEDAGI_IMAGING",
            PACS_CALLED_AE_TITLE: "PACS_PROD",
        },
    },
    siem: { ip: "192.0.2.150", port: 443 },
    // The IdP, inside network.oidcIssuerCidrs (192.0.2.64/27).
    oidc: { ip: "192.0.2.70" },
    tritonGpu: true,
    isolatedNamespaces: ["med-agi", "elastic-system", "logging", "med-agi-node", "monitoring"],
});
