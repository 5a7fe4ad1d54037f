/**
 * IPv4 addresses and CIDR blocks, as NetworkPolicy `ipBlock`s use them. Pure.
 * (IPv6 is not used by the platform: EKS and kind clusters here are IPv4.)
 */

/** An IPv4 CIDR block: the network address as an unsigned 32-bit number, and the prefix length. */
export interface Ipv4Block {
    readonly network: number;
    readonly prefix: number;
}

const OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
const ADDRESS = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}$`);

/** The address as an unsigned 32-bit number, or undefined when `text` is not a dotted-quad IPv4 address. */
export function parseIpv4(text: string): number | undefined {
    if (!ADDRESS.test(text)) return undefined;
    return text.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

/** The mask of a prefix length, unsigned. */
function mask(prefix: number): number {
    return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** Parses `a.b.c.d/n`; undefined when it is not one. `canonical` says whether the host bits are zero. */
export function parseCidr(text: string): (Ipv4Block & { readonly canonical: boolean }) | undefined {
    const slash = text.indexOf("/");
    if (slash < 0) return undefined;
    const address = parseIpv4(text.slice(0, slash));
    const prefixText = text.slice(slash + 1);
    if (address === undefined || !/^(3[0-2]|[12]?[0-9])$/.test(prefixText)) return undefined;
    const prefix = Number(prefixText);
    const network = (address & mask(prefix)) >>> 0;
    return { network, prefix, canonical: network === address };
}

/** Whether IPv4 `address` lies in `cidr`. Throws on a malformed argument (callers validate config first). */
export function cidrContains(cidr: string, address: string): boolean {
    const block = parseCidr(cidr);
    const ip = parseIpv4(address);
    if (block === undefined) throw new Error(`not an IPv4 CIDR: ${cidr}`);
    if (ip === undefined) throw new Error(`not an IPv4 address: ${address}`);
    return (ip & mask(block.prefix)) >>> 0 === block.network;
}

/** Whether every address of `inner` lies in `outer`. */
export function cidrWithin(inner: string, outer: string): boolean {
    const a = parseCidr(inner);
    const b = parseCidr(outer);
    if (a === undefined || b === undefined) throw new Error(`not an IPv4 CIDR: ${a === undefined ? inner : outer}`);
    return a.prefix >= b.prefix && (a.network & mask(b.prefix)) >>> 0 === b.network;
}

/** The private (RFC 1918) ranges: where in-cluster and VPC addresses live. */
export const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"] as const;

/** Link-local, where the cloud's instance metadata service answers (169.254.169.254): never a pod's destination. */
export const LINK_LOCAL = "169.254.0.0/16";
