/**
 * Stack configuration of network isolation, composed by `infra/config.ts`:
 *
 * - `med-agi:pacs`: the external DICOM/PACS imaging talks to (host, port, AE
 *   titles) and the address block its egress is allowed to;
 * - `med-agi:network`: the address blocks NetworkPolicies need for peers they
 *   cannot select by label (the Kubernetes API server, the SIEM collector, the
 *   OIDC issuer), because a NetworkPolicy selects pods and IP blocks, never DNS names.
 */
import { z } from "zod";

import type { Environment } from "../environment";
import { hostName } from "../formats";
import { problem, type ConfigProblem } from "../validation";
import { cidrContains, parseCidr, parseIpv4 } from "./cidr";

/** The DICOM upper-layer port registered with IANA ("dicom", 11112/tcp). */
export const DICOM_PORT = 11112;

/** The widest block a PACS allow may name: one site's subnet, never a network's worth of addresses. */
export const PACS_MIN_PREFIX = 16;

/** The ports the in-cluster `kubernetes` Service forwards to: 443 on EKS, 6443 on kubeadm/kind/k3d. */
export const API_SERVER_PORTS = [443, 6443] as const;

/** A canonical IPv4 CIDR that is not `0.0.0.0/0` (a NetworkPolicy peer of everything is not an allow-list). */
export const ipv4Cidr = z.string().superRefine((value, ctx) => {
    const block = parseCidr(value);
    if (block === undefined) {
        ctx.addIssue({ code: "custom", message: 'an IPv4 CIDR such as "10.20.0.0/16"', input: value });
    } else if (!block.canonical) {
        ctx.addIssue({ code: "custom", message: "a CIDR whose host bits are zero (the network address of the block)", input: value });
    } else if (block.prefix === 0) {
        ctx.addIssue({ code: "custom", message: "a specific address block: /0 would allow every address", input: value });
    }
});

/** A DICOM Application Entity title: 1–16 characters of the default repertoire, no backslash or control characters, not only spaces. */
export const aeTitle = z
    .string()
    .regex(/^(?=.*[^ ])[\x20-\x5b\x5d-\x7e]{1,16}$/, "a DICOM AE title: 1 to 16 printable ASCII characters, no backslash, not only spaces");

/** `med-agi:pacs`: the external PACS imaging sends to and queries. */
export const pacsSchema = z
    .object({
        /** PACS host name or IPv4 address (imaging's PACS_HOST). */
        host: hostName,
        /** DICOM port. @default 11112 */
        port: z.number().int().min(1).max(65535).default(DICOM_PORT),
        /** The address block the PACS answers from: imaging's only DICOM egress. /16 or narrower. */
        cidr: ipv4Cidr.refine(
            // Malformed and /0 blocks are reported once, above.
            (c) => {
                const block = parseCidr(c);
                return block === undefined || block.prefix === 0 || block.prefix >= PACS_MIN_PREFIX;
            },
            `a block of /${PACS_MIN_PREFIX} or narrower (the PACS's own subnet, not a whole network)`,
        ),
        /** imaging's own AE title (PACS_CALLING_AE_TITLE). */
        callingAeTitle: aeTitle,
        /** The PACS's AE title (PACS_CALLED_AE_TITLE). */
        calledAeTitle: aeTitle,
    })
    .strict()
    .superRefine((pacs, ctx) => {
        // A literal address outside the allowed block could never be reached: say so now, not at the first study.
        if (parseIpv4(pacs.host) !== undefined && parseCidr(pacs.cidr) !== undefined && !cidrContains(pacs.cidr, pacs.host)) {
            ctx.addIssue({ code: "custom", path: ["host"], message: `an address inside pacs.cidr (${pacs.cidr})`, input: pacs.host });
        }
    });
export type PacsConfig = z.infer<typeof pacsSchema>;

const cidrList = z.array(ipv4Cidr).min(1);

/** `med-agi:network` */
export const networkSchema = z
    .object({
        /**
         * Where the API server answers behind the `kubernetes` Service, for the
         * pods that talk to it (operators, CloudNativePG instances, Fluent Bit,
         * config-backup) and for the operators' admission webhooks it calls.
         * @default the VPC CIDR (staging/prod: EKS's control-plane ENIs live there); dev: the private ranges
         */
        apiServerCidrs: cidrList.optional(),
        /** The SIEM collector's address blocks (siem.host is a name); required when siem.output is "http". */
        siemCidrs: cidrList.optional(),
        /**
         * The OIDC issuer's address blocks: HTTPS egress for oauth2-proxy and for
         * the services, which validate bearer tokens against the issuer's signing
         * keys (JWKS). Required when `oidc` is set.
         */
        oidcIssuerCidrs: cidrList.optional(),
    })
    .strict();
export type NetworkConfig = z.infer<typeof networkSchema>;

/**
 * Rules across sections: a SIEM shipped to over HTTP, and an OIDC issuer, need
 * the address blocks their clients' egress may reach (a NetworkPolicy cannot
 * select a host name).
 */
export function networkProblems(
    network: NetworkConfig,
    siem: { readonly output: "http" | "stdout" | "off"; readonly host: string | undefined },
    environment: Environment,
    oidcIssuerUrl?: string,
): ConfigProblem[] {
    const out: ConfigProblem[] = [];
    if (oidcIssuerUrl !== undefined && network.oidcIssuerCidrs === undefined) {
        out.push(
            problem(
                "network.oidcIssuerCidrs",
                undefined,
                `the OIDC issuer's IPv4 CIDRs, needed because oidc is set: oauth2-proxy and the services (which validate bearer tokens against the issuer's signing keys) may reach ${new URL(oidcIssuerUrl).host} on 443 only there, and a NetworkPolicy cannot select a host name`,
            ),
        );
    }
    if (siem.output === "http" && network.siemCidrs === undefined) {
        out.push(
            problem(
                "network.siemCidrs",
                undefined,
                `the SIEM collector's IPv4 CIDRs, needed in ${environment} because siem.output is "http": Fluent Bit's egress is allowed only there, and a NetworkPolicy cannot select the host name ${siem.host ?? "(siem.host)"}`,
            ),
        );
    }
    return out;
}
