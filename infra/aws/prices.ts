/**
 * On-demand prices the cost table of `summary.md` uses (tools/lib/cost.ts):
 * USD per hour, Linux, by region. Storage, data transfer, NAT and endpoint
 * data processing, CloudWatch and S3 are not included (they depend on use).
 *
 * Each row says where it was checked (2026-12-04, offline: no AWS account, no
 * live pricing page). A row marked UNCONFIRMED is the previous engineer's
 * figure for eu-west-1 that no stored public copy of AWS's prices could
 * confirm or refute; it stays until `aws pricing get-products` (below, run
 * once with an account) confirms it, and docs/aws.md lists it under "What only
 * a real AWS account can confirm". Confirm a row with
 * `aws pricing get-products --region us-east-1 --service-code AmazonEC2 --filters Type=TERM_MATCH,Field=instanceType,Value=g5.xlarge Type=TERM_MATCH,Field=regionCode,Value=eu-west-1 Type=TERM_MATCH,Field=operatingSystem,Value=Linux Type=TERM_MATCH,Field=tenancy,Value=Shared Type=TERM_MATCH,Field=preInstalledSw,Value=NA Type=TERM_MATCH,Field=capacitystatus,Value=Used --query 'PriceList[0]' --output text | jq '.terms.OnDemand[].priceDimensions[].pricePerUnit.USD'`
 * (RDS: `--service-code AmazonRDS --filters Type=TERM_MATCH,Field=instanceType,Value=db.r6g.large Type=TERM_MATCH,Field=regionCode,Value=eu-west-1 Type=TERM_MATCH,Field=databaseEngine,Value=PostgreSQL Type=TERM_MATCH,Field=deploymentOption,Value=Single-AZ`
 * and `Value=Multi-AZ`; interface endpoints: `--service-code AmazonVPC --filters Type=TERM_MATCH,Field=regionCode,Value=eu-west-1 Type=TERM_MATCH,Field=usagetype,Value=EU-VpcEndpoint-Hours`;
 * NAT: `--service-code AmazonEC2 --filters Type=TERM_MATCH,Field=regionCode,Value=eu-west-1 Type=TERM_MATCH,Field=usagetype,Value=EU-NatGateway-Hours`;
 * EKS: `--service-code AmazonEKS --filters Type=TERM_MATCH,Field=regionCode,Value=eu-west-1`).
 */
export const PRICES_AS_OF = "2026-12-04";

/** The rows no public source could confirm offline (docs/aws.md, "What only a real AWS account can confirm"). */
export const UNCONFIRMED_PRICES: Readonly<Record<string, readonly string[]>> = {
    "eu-west-1": [
        "interfaceEndpointPerAz",
        "ec2.m6i.large",
        "ec2.m6i.xlarge",
        "ec2.m6i.2xlarge",
        "ec2.g5.xlarge",
        "ec2.g5.2xlarge",
        "rdsPostgres.db.t4g.large",
        "rdsPostgres.db.m6g.large",
        "rdsPostgres.db.r6g.large",
    ],
};

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
        // Confirmed: $0.10 per cluster-hour in standard support, $0.60 in total in extended
        // support (AWS Containers blog "Amazon EKS extended support for Kubernetes versions
        // pricing", aws.amazon.com/blogs/containers/amazon-eks-extended-support-for-kubernetes-versions-pricing,
        // effective 2024-04-01, stored copy read 2026-12-04); the same figures in vantage.sh
        // "Amazon EKS extended support cost". Not region-dependent in either source.
        eksCluster: { standard: 0.1, extended: 0.6 },
        // Confirmed: AWS Price List offer file AmazonEC2/20260925174521/eu-west-1/index.json
        // (publicationDate 2026-09-25), row EU-NatGateway-Hours $0.048/Hrs, as copied verbatim
        // into a public repository's test fixture (README "AmazonEC2 / eu-west-1 capture",
        // retrieved 2026-10-02; index file id 71229168471), read 2026-12-04.
        natGateway: 0.048,
        // UNCONFIRMED for eu-west-1 (usagetype EU-VpcEndpoint-Hours): the stored copies found
        // give only us-east-1's $0.01 per endpoint per AZ-hour.
        interfaceEndpointPerAz: 0.011,
        // UNCONFIRMED for eu-west-1, every row: no stored copy of the AWS Price List or of the
        // EC2 on-demand page for eu-west-1 lists these types (copies found are us-east-1 only).
        ec2: {
            "m6i.large": 0.107,
            "m6i.xlarge": 0.214,
            "m6i.2xlarge": 0.428,
            "g5.xlarge": 1.123,
            "g5.2xlarge": 1.353,
        },
        // UNCONFIRMED for eu-west-1, every row (RDS for PostgreSQL, Single-AZ); the doubling for
        // Multi-AZ is AWS's own description (RDS user guide, USER_OnDemandDBInstances: a
        // Multi-AZ instance is billed for the primary and the standby), not a price read here.
        rdsPostgres: {
            "db.t4g.large": 0.142,
            "db.m6g.large": 0.178,
            "db.r6g.large": 0.281,
        },
    },
};
