/** `med-agi:pacs` and `med-agi:network`: defaults, and every bad value named with what is allowed. */
import { cidrContains, cidrWithin, parseCidr } from "../../infra/network/cidr";
import { pacsClientEnv } from "../../infra/network/pacs";
import { parseValues, rejectionProblems } from "../support/config-fixtures";

const PACS = { host: "pacs.example.org", cidr: "192.0.2.0/28", callingAeTitle: "MEDAGI_IMAGING", calledAeTitle: "PACS" };

describe("pacs config", () => {
    it("is absent by default: no PACS, no env", () => {
        expect(parseValues({}).pacs).toBeUndefined();
        expect(pacsClientEnv(undefined)).toEqual([]);
    });

    it("defaults the DICOM port to 11112 and gives imaging the four variables", () => {
        const pacs = parseValues({ pacs: PACS }).pacs;
        expect(pacs?.port).toBe(11112);
        expect(pacsClientEnv(pacs)).toEqual([
            { name: "PACS_HOST", value: "pacs.example.org" },
            { name: "PACS_PORT", value: "11112" },
            { name: "PACS_CALLING_AE_TITLE", value: "MEDAGI_IMAGING" },
            { name: "PACS_CALLED_AE_TITLE", value: "PACS" },
        ]);
        expect(parseValues({ pacs: { ...PACS, port: 104 } }).pacs?.port).toBe(104);
    });

    it("refuses 0.0.0.0/0, a non-CIDR, a CIDR with host bits and a block wider than /16, naming key and value", () => {
        expect(rejectionProblems({ pacs: { ...PACS, cidr: "0.0.0.0/0" } })).toEqual([
            'pacs.cidr: "0.0.0.0/0" is not allowed (a specific address block: /0 would allow every address)',
        ]);
        expect(rejectionProblems({ pacs: { ...PACS, cidr: "pacs.example.org" } })).toEqual([
            'pacs.cidr: "pacs.example.org" is not allowed (an IPv4 CIDR such as "10.20.0.0/16")',
        ]);
        expect(rejectionProblems({ pacs: { ...PACS, cidr: "192.0.2.7/28" } })).toEqual([
            'pacs.cidr: "192.0.2.7/28" is not allowed (a CIDR whose host bits are zero (the network address of the block))',
        ]);
        expect(rejectionProblems({ pacs: { ...PACS, cidr: "10.0.0.0/15" } })).toEqual([
            'pacs.cidr: "10.0.0.0/15" is not allowed (a block of /16 or narrower (the PACS\'s own subnet, not a whole network))',
        ]);
        expect(parseValues({ pacs: { ...PACS, cidr: "10.0.0.0/16" } }).pacs?.cidr).toBe("10.0.0.0/16");
    });

    it("refuses a literal host address outside the block, and bad AE titles and ports, all at once", () => {
        const found = rejectionProblems({
            pacs: { ...PACS, host: "192.0.2.99", port: 0, callingAeTitle: "THIS_TITLE_IS_TOO_LONG", calledAeTitle: "BAD\\AE" },
        });
        expect(found).toEqual(
            expect.arrayContaining([
                "pacs.port: 0 is not allowed (must be ≥ 1)",
                'pacs.callingAeTitle: "THIS_TITLE_IS_TOO_LONG" is not allowed (a DICOM AE title: 1 to 16 printable ASCII characters, no backslash, not only spaces)',
                'pacs.calledAeTitle: "BAD\\\\AE" is not allowed (a DICOM AE title: 1 to 16 printable ASCII characters, no backslash, not only spaces)',
            ]),
        );
        expect(found).toContain('pacs.host: "192.0.2.99" is not allowed (an address inside pacs.cidr (192.0.2.0/28))');
        expect(found).toHaveLength(4);
        expect(rejectionProblems({ pacs: { ...PACS, host: "192.0.2.99" } })).toEqual([
            'pacs.host: "192.0.2.99" is not allowed (an address inside pacs.cidr (192.0.2.0/28))',
        ]);
        expect(parseValues({ pacs: { ...PACS, host: "192.0.2.14" } }).pacs?.host).toBe("192.0.2.14");
        expect(parseValues({ pacs: { ...PACS, callingAeTitle: "A".repeat(16) } }).pacs?.callingAeTitle).toHaveLength(16);
        expect(rejectionProblems({ pacs: { ...PACS, callingAeTitle: "    " } })).toHaveLength(1);
        expect(rejectionProblems({ pacs: { ...PACS, extra: 1 } })).toEqual([
            "pacs.extra: unknown key (allowed: host, port, cidr, callingAeTitle, calledAeTitle)",
        ]);
    });
});

describe("network config", () => {
    it("needs the SIEM's CIDRs when Fluent Bit ships over HTTP, and names the host it cannot select", () => {
        expect(
            rejectionProblems({ siem: { output: "http", host: "siem.example.org" }, siemToken: undefined }).filter((m) =>
                m.startsWith("network."),
            ),
        ).toEqual([
            "network.siemCidrs: is required (the SIEM collector's IPv4 CIDRs, needed in dev because siem.output is \"http\": Fluent Bit's egress is allowed only there, and a NetworkPolicy cannot select the host name siem.example.org)",
        ]);
        expect(parseValues({}).network.siemCidrs).toBeUndefined();
    });

    it("refuses /0 and malformed blocks in every list", () => {
        expect(rejectionProblems({ network: { apiServerCidrs: ["0.0.0.0/0"], oidcIssuerCidrs: ["10.0.0.0/33"], siemCidrs: [] } })).toEqual([
            'network.apiServerCidrs.0: "0.0.0.0/0" is not allowed (a specific address block: /0 would allow every address)',
            "network.siemCidrs: [] is not allowed (must have at least 1 items)",
            'network.oidcIssuerCidrs.0: "10.0.0.0/33" is not allowed (an IPv4 CIDR such as "10.20.0.0/16")',
        ]);
    });

    it("defaults ingress.controllerNamespace to traefik", () => {
        expect(parseValues({}).ingress.controllerNamespace).toBe("traefik");
        expect(parseValues({ ingress: { controllerNamespace: "nginx-internal" } }).ingress.controllerNamespace).toBe("nginx-internal");
    });
});

describe("IPv4 blocks", () => {
    it("contains the first and last address of a block and nothing either side", () => {
        expect(cidrContains("192.0.2.0/28", "192.0.2.0")).toBe(true);
        expect(cidrContains("192.0.2.0/28", "192.0.2.15")).toBe(true);
        expect(cidrContains("192.0.2.0/28", "192.0.2.16")).toBe(false);
        expect(cidrContains("192.0.2.16/28", "192.0.2.15")).toBe(false);
        expect(cidrContains("0.0.0.0/0", "255.255.255.255")).toBe(true);
        expect(cidrContains("10.0.0.1/32", "10.0.0.1")).toBe(true);
    });

    it("parses only dotted quads with a 0–32 prefix, and says whether host bits are set", () => {
        expect(parseCidr("10.1.0.0/16")).toEqual({ network: 0x0a010000, prefix: 16, canonical: true });
        expect(parseCidr("10.1.2.3/16")?.canonical).toBe(false);
        for (const bad of ["10.1.0.0", "10.1.0.0/", "10.1.0/16", "256.1.0.0/16", "10.1.0.0/33", "01.1.0.0/16"])
            expect([bad, parseCidr(bad)]).toEqual([bad, undefined]);
    });

    it("knows when one block lies within another", () => {
        expect(cidrWithin("10.1.2.0/24", "10.0.0.0/8")).toBe(true);
        expect(cidrWithin("10.0.0.0/8", "10.1.2.0/24")).toBe(false);
        expect(cidrWithin("11.0.0.0/24", "10.0.0.0/8")).toBe(false);
    });
});

describe("enforcement on EKS", () => {
    it("turns on the VPC CNI's network policy agent, without which EKS enforces no NetworkPolicy", async () => {
        const { ADDON_CONFIGURATION } = await import("../../infra/aws/cluster");
        expect(ADDON_CONFIGURATION["vpc-cni"]).toEqual({ enableNetworkPolicy: "true" });
    });
});
