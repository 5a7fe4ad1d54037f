/**
 * The VPC: public subnets for load balancers only, private subnets for the
 * nodes and the database, NAT (one per AZ in prod, one in staging), and VPC
 * endpoints that keep image pulls and STS calls off the NAT, each with a
 * policy (endpoints.ts) and the interface endpoints in small subnets of their
 * own, so a NetworkPolicy can name exactly the STS endpoint's addresses.
 */
import * as ec2 from "@pulumi/aws/ec2";
import * as pulumi from "@pulumi/pulumi";

import { ecrEndpointPolicy, type EndpointPolicyArgs, s3EndpointPolicy, stsEndpointPolicy } from "./endpoints";

/** Subnet tags the AWS Load Balancer Controller (and the in-tree controller) select subnets by. */
export const LB_SUBNET_TAGS = {
    public: { "kubernetes.io/role/elb": "1" },
    private: { "kubernetes.io/role/internal-elb": "1" },
} as const;

/** Interface endpoints that cut NAT traffic: image pulls (ECR API + registry) and IRSA token exchange (STS). */
export const INTERFACE_ENDPOINT_SERVICES = ["ecr.api", "ecr.dkr", "sts"] as const;

/**
 * The CIDR of subnet `index` of size `/newPrefix` inside `vpcCidr`.
 * Pure; throws when the subnet does not fit.
 */
export function subnetCidr(vpcCidr: string, newPrefix: number, index: number): string {
    const [address, prefixText] = vpcCidr.split("/");
    const prefix = Number(prefixText);
    const octets = (address ?? "").split(".").map(Number);
    const [o0, o1, o2, o3] = octets;
    if (o0 === undefined || o1 === undefined || o2 === undefined || o3 === undefined) throw new Error(`not an IPv4 CIDR: ${vpcCidr}`);
    if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255))
        throw new Error(`not an IPv4 CIDR: ${vpcCidr}`);
    if (newPrefix < prefix || newPrefix > 28) throw new Error(`a /${newPrefix} subnet does not fit ${vpcCidr}`);
    const count = 2 ** (newPrefix - prefix);
    if (index < 0 || index >= count) throw new Error(`subnet ${index} of /${newPrefix} does not fit ${vpcCidr} (${count} available)`);
    const base = ((o0 << 24) | (o1 << 16) | (o2 << 8) | o3) >>> 0;
    const network = prefix === 0 ? 0 : (base & (~0 << (32 - prefix))) >>> 0;
    const start = (network + index * 2 ** (32 - newPrefix)) >>> 0;
    return `${[start >>> 24, (start >>> 16) & 255, (start >>> 8) & 255, start & 255].join(".")}/${newPrefix}`;
}

/**
 * The subnet plan: per zone, a private subnet (a quarter of the VPC: nodes,
 * pods with the VPC CNI, the database) and a small public one (load balancers,
 * NAT gateways). With a /16: private /18s, public /22s from the last quarter.
 */
export function subnetPlan(vpcCidr: string, zones: readonly string[]): { zone: string; privateCidr: string; publicCidr: string }[] {
    const prefix = Number(vpcCidr.split("/")[1]);
    if (zones.length > 3) throw new Error(`at most 3 zones fit the subnet plan (got ${zones.length})`);
    return zones.map((zone, i) => ({
        zone,
        privateCidr: subnetCidr(vpcCidr, prefix + 2, i),
        // The last quarter, cut into sixteenths of it: public subnets are small.
        publicCidr: subnetCidr(subnetCidr(vpcCidr, prefix + 2, 3), prefix + 6, i),
    }));
}

/**
 * The interface endpoints' subnets: per zone a /28 for STS and a /28 for
 * ECR, cut from the last eighth of the VPC's last quarter (the public
 * subnets take its first three sixteenths). The STS /28s hold nothing but the
 * STS endpoint's network interfaces, so they are the whole of "STS" for a
 * NetworkPolicy, which cannot select a security group. With a /16:
 * 10.x.248.0/28, .16/28, .32/28 (STS) and .48/28, .64/28, .80/28 (ECR).
 */
export function endpointSubnetPlan(vpcCidr: string, zones: readonly string[]): { zone: string; stsCidr: string; ecrCidr: string }[] {
    const prefix = Number(vpcCidr.split("/")[1]);
    if (zones.length > 3) throw new Error(`at most 3 zones fit the subnet plan (got ${zones.length})`);
    const block = subnetCidr(subnetCidr(vpcCidr, prefix + 2, 3), prefix + 5, 7);
    return zones.map((zone, i) => ({ zone, stsCidr: subnetCidr(block, 28, i), ecrCidr: subnetCidr(block, 28, 3 + i) }));
}

/** How many NAT gateways: one per zone in prod (a zone outage keeps egress), one in staging (cost). */
export function natGatewayCount(prod: boolean, zones: number): number {
    return prod ? zones : 1;
}

export interface NetworkArgs {
    readonly prefix: string;
    readonly cidr: string;
    readonly zones: readonly string[];
    readonly region: string;
    readonly clusterName: string;
    readonly prod: boolean;
    /** The account, the stack's buckets and role prefix: what the endpoint policies let through. */
    readonly endpointPolicy: EndpointPolicyArgs;
}

export interface Network {
    readonly vpcId: pulumi.Output<string>;
    readonly privateSubnetIds: pulumi.Output<string>[];
    readonly publicSubnetIds: pulumi.Output<string>[];
    readonly natGatewayCount: number;
    /**
     * The CIDR blocks of the region's S3 prefix list, as the S3 gateway endpoint
     * reports them: the only addresses pods need for S3 (NetworkPolicy cannot
     * select an AWS prefix list, so infra/network allows HTTPS to these blocks).
     */
    readonly s3Cidrs: pulumi.Output<string[]>;
    /** The STS endpoint's subnets: the only addresses pods need for IRSA's token exchange. */
    readonly stsCidrs: readonly string[];
}

/** Declares the VPC and everything in it. */
export function createNetwork(args: NetworkArgs, opts: pulumi.CustomResourceOptions): Network {
    const name = args.prefix;
    const vpc = new ec2.Vpc(
        `${name}-vpc`,
        { cidrBlock: args.cidr, enableDnsHostnames: true, enableDnsSupport: true, tags: { Name: name } },
        opts,
    );
    const clusterTag = { [`kubernetes.io/cluster/${args.clusterName}`]: "shared" };

    const igw = new ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: { Name: name } }, opts);
    const publicRoutes = new ec2.RouteTable(
        `${name}-public`,
        { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }], tags: { Name: `${name}-public` } },
        opts,
    );

    const plan = subnetPlan(args.cidr, args.zones);
    const nats = natGatewayCount(args.prod, plan.length);
    const publicSubnets: ec2.Subnet[] = [];
    const natGateways: ec2.NatGateway[] = [];
    for (const [i, p] of plan.entries()) {
        const subnet = new ec2.Subnet(
            `${name}-public-${p.zone}`,
            {
                vpcId: vpc.id,
                cidrBlock: p.publicCidr,
                availabilityZone: p.zone,
                mapPublicIpOnLaunch: false,
                tags: { Name: `${name}-public-${p.zone}`, ...LB_SUBNET_TAGS.public, ...clusterTag },
            },
            opts,
        );
        new ec2.RouteTableAssociation(`${name}-public-${p.zone}`, { subnetId: subnet.id, routeTableId: publicRoutes.id }, opts);
        publicSubnets.push(subnet);
        if (i < nats) {
            const eip = new ec2.Eip(`${name}-nat-${p.zone}`, { domain: "vpc", tags: { Name: `${name}-nat-${p.zone}` } }, opts);
            natGateways.push(
                new ec2.NatGateway(
                    `${name}-nat-${p.zone}`,
                    { allocationId: eip.id, subnetId: subnet.id, connectivityType: "public", tags: { Name: `${name}-nat-${p.zone}` } },
                    { ...opts, dependsOn: [igw] },
                ),
            );
        }
    }

    const privateSubnets: ec2.Subnet[] = [];
    const privateRouteTables: ec2.RouteTable[] = [];
    for (const [i, p] of plan.entries()) {
        const nat = natGateways[Math.min(i, natGateways.length - 1)];
        if (nat === undefined) throw new Error("no NAT gateway declared");
        const routes = new ec2.RouteTable(
            `${name}-private-${p.zone}`,
            { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id }], tags: { Name: `${name}-private-${p.zone}` } },
            opts,
        );
        const subnet = new ec2.Subnet(
            `${name}-private-${p.zone}`,
            {
                vpcId: vpc.id,
                cidrBlock: p.privateCidr,
                availabilityZone: p.zone,
                mapPublicIpOnLaunch: false,
                tags: { Name: `${name}-private-${p.zone}`, ...LB_SUBNET_TAGS.private, ...clusterTag },
            },
            opts,
        );
        new ec2.RouteTableAssociation(`${name}-private-${p.zone}`, { subnetId: subnet.id, routeTableId: routes.id }, opts);
        privateSubnets.push(subnet);
        privateRouteTables.push(routes);
    }

    // S3 through a gateway endpoint (free): model pulls and backups never cross the NAT, and go nowhere else.
    const s3Endpoint = new ec2.VpcEndpoint(
        `${name}-s3`,
        {
            vpcId: vpc.id,
            serviceName: `com.amazonaws.${args.region}.s3`,
            vpcEndpointType: "Gateway",
            routeTableIds: privateRouteTables.map((t) => t.id),
            policy: JSON.stringify(s3EndpointPolicy(args.endpointPolicy)),
            tags: { Name: `${name}-s3` },
        },
        opts,
    );
    // The interface endpoints live in subnets of their own (endpointSubnetPlan), reachable from the private subnets only.
    const endpointPlan = endpointSubnetPlan(args.cidr, args.zones);
    const endpointSubnets = (kind: "sts" | "ecr") =>
        endpointPlan.map((p, i) => {
            const subnet = new ec2.Subnet(
                `${name}-${kind}-endpoint-${p.zone}`,
                {
                    vpcId: vpc.id,
                    cidrBlock: kind === "sts" ? p.stsCidr : p.ecrCidr,
                    availabilityZone: p.zone,
                    mapPublicIpOnLaunch: false,
                    tags: { Name: `${name}-${kind}-endpoint-${p.zone}` },
                },
                opts,
            );
            const routes = privateRouteTables[i];
            if (routes !== undefined) {
                new ec2.RouteTableAssociation(`${name}-${kind}-endpoint-${p.zone}`, { subnetId: subnet.id, routeTableId: routes.id }, opts);
            }
            return subnet;
        });
    const subnetsFor = { sts: endpointSubnets("sts"), ecr: endpointSubnets("ecr") };
    const endpointSg = new ec2.SecurityGroup(
        `${name}-endpoints`,
        {
            vpcId: vpc.id,
            description: "HTTPS from the private subnets to the interface endpoints",
            ingress: [
                {
                    protocol: "tcp",
                    fromPort: 443,
                    toPort: 443,
                    cidrBlocks: plan.map((p) => p.privateCidr),
                    description: "HTTPS from the private subnets (nodes and pods)",
                },
            ],
            tags: { Name: `${name}-endpoints` },
        },
        opts,
    );
    const policies: Record<(typeof INTERFACE_ENDPOINT_SERVICES)[number], string> = {
        "ecr.api": JSON.stringify(ecrEndpointPolicy()),
        "ecr.dkr": JSON.stringify(ecrEndpointPolicy()),
        sts: JSON.stringify(stsEndpointPolicy(args.endpointPolicy)),
    };
    for (const service of INTERFACE_ENDPOINT_SERVICES) {
        new ec2.VpcEndpoint(
            `${name}-${service.replace(".", "-")}`,
            {
                vpcId: vpc.id,
                serviceName: `com.amazonaws.${args.region}.${service}`,
                vpcEndpointType: "Interface",
                privateDnsEnabled: true,
                subnetIds: (service === "sts" ? subnetsFor.sts : subnetsFor.ecr).map((s) => s.id),
                securityGroupIds: [endpointSg.id],
                policy: policies[service],
                tags: { Name: `${name}-${service}` },
            },
            opts,
        );
    }

    return {
        vpcId: vpc.id,
        privateSubnetIds: privateSubnets.map((s) => s.id),
        publicSubnetIds: publicSubnets.map((s) => s.id),
        natGatewayCount: nats,
        s3Cidrs: s3Endpoint.cidrBlocks,
        stsCidrs: endpointPlan.map((p) => p.stsCidr),
    };
}
