/**
 * On-demand prices the cost table of `summary.md` uses (tools/lib/cost.ts):
 * USD per hour, Linux, by region. Storage, data transfer, NAT and endpoint
 * data processing, CloudWatch and S3 are not included (they depend on use).
 *
 * Source: the AWS pricing pages for eu-west-1 (Ireland) — aws.amazon.com/eks/pricing,
 * /ec2/pricing/on-demand, /rds/postgresql/pricing, /vpc/pricing (NAT gateway,
 * PrivateLink interface endpoint per AZ) — as of 2026-12-04. They were not
 * read from the Price List API here (no AWS account offline); confirm a row with
 * `aws pricing get-products --region us-east-1 --service-code AmazonEC2 --filters Type=TERM_MATCH,Field=instanceType,Value=g5.xlarge Type=TERM_MATCH,Field=regionCode,Value=eu-west-1 Type=TERM_MATCH,Field=operatingSystem,Value=Linux Type=TERM_MATCH,Field=tenancy,Value=Shared Type=TERM_MATCH,Field=preInstalledSw,Value=NA Type=TERM_MATCH,Field=capacitystatus,Value=Used`
 * (and `--service-code AmazonRDS` / `AmazonEKS` / `AmazonVPC` likewise).
 */
export const PRICES_AS_OF = "2026-12-04";

/** Hours in a month, as the AWS pricing calculator counts them. */
export const HOURS_PER_MONTH = 730;

export interface RegionPrices {
    readonly eksCluster: { readonly standard: number; readonly extended: number };
    readonly natGateway: number;
    /** Per interface endpoint per availability zone. */
    readonly interfaceEndpointPerAz: number;
    readonly ec2: Readonly<Record<string, number>>;
    /** RDS for PostgreSQL, single-AZ; multi-AZ (one standby) is twice this. */
    readonly rdsPostgres: Readonly<Record<string, number>>;
}

export const PRICES: Readonly<Record<string, RegionPrices>> = {
    "eu-west-1": {
        eksCluster: { standard: 0.1, extended: 0.6 },
        natGateway: 0.048,
        interfaceEndpointPerAz: 0.011,
        ec2: {
            "m6i.large": 0.107,
            "m6i.xlarge": 0.214,
            "m6i.2xlarge": 0.428,
            "g5.xlarge": 1.123,
            "g5.2xlarge": 1.353,
        },
        rdsPostgres: {
            "db.t4g.large": 0.142,
            "db.m6g.large": 0.178,
            "db.r6g.large": 0.281,
        },
    },
};
