/**
 * The monthly cost of what a cloud stack declares, from its plan and the dated
 * price table (infra/aws/prices.ts): the EKS control plane (standard or
 * extended support, by the calendar on `today`), nodes at their pools' desired
 * sizes, the deploy runner, NAT gateways, RDS and the interface endpoints.
 * Storage and traffic are not included, and the table says so.
 */
import { standardSupportDaysLeft } from "../../infra/aws/calendar";
import { HOURS_PER_MONTH, PRICES, PRICES_AS_OF } from "../../infra/aws/prices";
import type { Plan, PlannedResource } from "./plan";

export interface CostLine {
    readonly item: string;
    readonly quantity: number;
    /** USD per hour for one. */
    readonly hourly: number;
    /** USD per month for all. */
    readonly monthly: number;
}

export interface CostTable {
    readonly region: string;
    readonly lines: CostLine[];
    readonly total: number;
    /** Items the table could not price (no row for the type). */
    readonly unpriced: string[];
}

const ofType = (plan: Plan, type: string) => plan.resources.filter((r) => r.type === type);
/** The few input fields read here; plan inputs are untyped JSON. */
interface PricedInputs {
    readonly region?: string;
    readonly version?: string;
    readonly instanceTypes?: readonly string[];
    readonly instanceType?: string;
    readonly scalingConfig?: { readonly desiredSize?: number };
    readonly desiredCapacity?: number;
    readonly launchTemplate?: { readonly id?: string };
    readonly instanceClass?: string;
    readonly multiAz?: boolean;
    readonly vpcEndpointType?: string;
    readonly subnetIds?: readonly unknown[];
}
const inputs = (r: PlannedResource) => r.inputs as PricedInputs;
const round2 = (n: number) => Math.round(n * 100) / 100;

/** The stack's AWS region (its explicit provider's), or undefined for a stack without AWS. */
function regionOf(plan: Plan): string | undefined {
    const provider = ofType(plan, "pulumi:providers:aws")[0];
    return provider === undefined ? undefined : String(inputs(provider).region);
}

/** The cost table of a plan on `today`, or undefined when the plan has no EKS cluster. */
export function costTable(plan: Plan, today: Date): CostTable | undefined {
    const cluster = ofType(plan, "aws:eks/cluster:Cluster")[0];
    const region = regionOf(plan);
    if (cluster === undefined || region === undefined) return undefined;
    const prices = PRICES[region];
    const lines: CostLine[] = [];
    const unpriced: string[] = [];
    const add = (item: string, quantity: number, hourly: number | undefined) => {
        if (hourly === undefined) {
            unpriced.push(item);
            return;
        }
        lines.push({ item, quantity, hourly, monthly: round2(quantity * hourly * HOURS_PER_MONTH) });
    };
    if (prices === undefined) return { region, lines, total: 0, unpriced: [`everything: no prices for ${region}`] };

    const version = String(inputs(cluster).version);
    const extended = (standardSupportDaysLeft(version, today) ?? -1) < 0;
    add(
        `EKS control plane ${version} (${extended ? "extended" : "standard"} support)`,
        1,
        extended ? prices.eksCluster.extended : prices.eksCluster.standard,
    );
    for (const ng of ofType(plan, "aws:eks/nodeGroup:NodeGroup")) {
        const type = String(inputs(ng).instanceTypes?.[0]);
        add(`node group ${ng.name}: ${type} × desired size`, Number(inputs(ng).scalingConfig?.desiredSize ?? 0), prices.ec2[type]);
    }
    const templates = new Map(ofType(plan, "aws:ec2/launchTemplate:LaunchTemplate").map((t) => [`${t.name}-id`, t]));
    for (const asg of ofType(plan, "aws:autoscaling/group:Group")) {
        const template = templates.get(String(inputs(asg).launchTemplate?.id));
        const type = template === undefined ? "unknown" : String(inputs(template).instanceType);
        add(`${asg.name}: ${type}`, Number(inputs(asg).desiredCapacity ?? 0), prices.ec2[type]);
    }
    add("NAT gateways", ofType(plan, "aws:ec2/natGateway:NatGateway").length, prices.natGateway);
    for (const db of ofType(plan, "aws:rds/instance:Instance")) {
        const cls = String(inputs(db).instanceClass);
        const multiAz = inputs(db).multiAz === true;
        const single = prices.rdsPostgres[cls];
        add(`RDS PostgreSQL ${cls}${multiAz ? " multi-AZ" : ""}`, 1, single === undefined ? undefined : single * (multiAz ? 2 : 1));
    }
    const endpointAzs = ofType(plan, "aws:ec2/vpcEndpoint:VpcEndpoint")
        .filter((e) => inputs(e).vpcEndpointType === "Interface")
        .reduce((n, e) => n + (inputs(e).subnetIds?.length ?? 0), 0);
    add("interface endpoints (per endpoint per AZ)", endpointAzs, prices.interfaceEndpointPerAz);
    return { region, lines, total: round2(lines.reduce((s, l) => s + l.monthly, 0)), unpriced };
}

const usd = (n: number) => `$${n.toFixed(2)}`;

/** The Markdown section of summary.md. */
export function costMarkdown(table: CostTable): string[] {
    return [
        "## Monthly cost (on-demand)",
        "",
        `Prices: ${table.region}, on-demand, infra/aws/prices.ts (as of ${PRICES_AS_OF}); ${HOURS_PER_MONTH} hours a month. **Not included:** storage (EBS, RDS, S3), data transfer, NAT and endpoint data processing, CloudWatch, Firehose.`,
        "",
        "| item | quantity | USD/hour each | USD/month |",
        "|---|---:|---:|---:|",
        ...table.lines.map((l) => `| ${l.item} | ${l.quantity} | ${l.hourly.toFixed(3)} | ${usd(l.monthly)} |`),
        `| **total** | | | **${usd(table.total)}** |`,
        ...(table.unpriced.length === 0 ? [] : ["", `Not priced (no row in the table): ${table.unpriced.join("; ")}.`]),
        "",
    ];
}

/** One line for the PR diff: the monthly cost before and after, or undefined when neither plan has one. */
export function costChangeLine(base: Plan, head: Plan, today: Date): string | undefined {
    const before = costTable(base, today);
    const after = costTable(head, today);
    if (before === undefined && after === undefined) return undefined;
    const b = before?.total ?? 0;
    const a = after?.total ?? 0;
    const delta = round2(a - b);
    return `Monthly cost (on-demand, storage and traffic not included): ${usd(b)} → ${usd(a)} (${delta >= 0 ? "+" : "−"}${usd(Math.abs(delta))})`;
}
