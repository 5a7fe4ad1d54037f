/**
 * The deploy runner: a self-hosted GitHub Actions runner inside the VPC, so
 * that `pulumi up` reaches what it manages. The EKS API
 * is private (public only to the operators' CIDRs) and RDS admits only the
 * cluster; a hosted `ubuntu-latest` runner reaches neither.
 *
 * One instance in a private subnet, kept by an Auto Scaling group of 1 (a lost
 * instance comes back), AL2023 resolved from AWS's public SSM parameter,
 * IMDSv2 only, an encrypted root volume, no public address, no SSH key and no
 * inbound rule: operators reach it with SSM Session Manager. Its security
 * group's only peers are the EKS control plane (443, a rule on the cluster
 * security group) and PostgreSQL (5432, a rule in the database's group); its
 * egress is HTTPS (GitHub, the state backend, AWS APIs through the NAT and
 * the VPC endpoints) and PostgreSQL. AWS credentials for `pulumi up` come from
 * the workflow's OIDC role (aws-actions/configure-aws-credentials), not from
 * the instance role, which only has AmazonSSMManagedInstanceCore.
 */
import * as autoscaling from "@pulumi/aws/autoscaling";
import * as ec2 from "@pulumi/aws/ec2";
import * as iam from "@pulumi/aws/iam";
import * as pulumi from "@pulumi/pulumi";

import { POSTGRES_PORT } from "./database";
import { serviceTrustPolicy } from "./iam";

/** The runner's label: workflows select it with `runs-on: [self-hosted, linux, x64, med-agi-<stack>]`. */
export function runnerLabel(stack: string): string {
    return `med-agi-${stack}`;
}

/** AL2023 x86_64, as AWS publishes it (EC2 resolves the parameter at launch: a replaced instance gets the current AMI). */
export const RUNNER_AMI = "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64";

/** The instance type: `npm ci`, the render and `pulumi up` of one stack fit in 2 vCPU / 8 GiB. */
export const RUNNER_INSTANCE_TYPE = "m6i.large";

/** The instance role's only policy: Session Manager (no SSH). */
export const RUNNER_ROLE_POLICIES = ["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"] as const;

/**
 * First boot: the packages the runner needs and its user. Registering it with
 * GitHub needs a one-hour token, so that step is the operator's, through
 * Session Manager (docs/aws.md "Deploy runner").
 */
export function runnerUserData(): string {
    return [
        "#!/bin/bash",
        "set -euo pipefail",
        "dnf install -y git tar gzip libicu jq",
        "id runner >/dev/null 2>&1 || useradd --create-home --shell /bin/bash runner",
        "",
    ].join("\n");
}

/** The runner's security-group rules, as data (tested; the render shows them). */
export function runnerEgress(vpcCidr: string): ec2.SecurityGroupArgs["egress"] {
    return [
        {
            protocol: "tcp",
            fromPort: 443,
            toPort: 443,
            cidrBlocks: ["0.0.0.0/0"],
            description: "HTTPS: GitHub, the state backend, AWS APIs, the EKS API",
        },
        {
            protocol: "tcp",
            fromPort: POSTGRES_PORT,
            toPort: POSTGRES_PORT,
            cidrBlocks: [vpcCidr],
            description: "PostgreSQL: the RDS instance",
        },
    ];
}

export interface RunnerArgs {
    readonly prefix: string;
    readonly stack: string;
    readonly accountId: string;
    readonly vpcId: pulumi.Input<string>;
    readonly vpcCidr: string;
    readonly subnetIds: pulumi.Input<string>[];
    /** The EKS cluster security group (the control plane's ENIs): the runner gets 443 there. */
    readonly clusterSecurityGroupId: pulumi.Input<string>;
}

export interface Runner {
    readonly securityGroupId: pulumi.Output<string>;
    readonly roleArn: pulumi.Output<string>;
    readonly label: string;
}

/** Declares the runner's role, security group, its rule on the cluster, and its instance. */
export function createRunner(args: RunnerArgs, opts: pulumi.CustomResourceOptions): Runner {
    const name = `${args.prefix}-deploy-runner`;
    const role = new iam.Role(
        name,
        { name, assumeRolePolicy: JSON.stringify(serviceTrustPolicy("ec2.amazonaws.com", args.accountId)) },
        opts,
    );
    const attachments = RUNNER_ROLE_POLICIES.map(
        (arn) => new iam.RolePolicyAttachment(`${name}-${arn.split("/").pop()}`, { role: role.name, policyArn: arn }, opts),
    );
    const profile = new iam.InstanceProfile(name, { name, role: role.name }, opts);
    const sg = new ec2.SecurityGroup(
        name,
        {
            name,
            vpcId: args.vpcId,
            description: "The deploy runner: no inbound; out to HTTPS and PostgreSQL",
            ingress: [],
            egress: runnerEgress(args.vpcCidr),
        },
        opts,
    );
    new ec2.SecurityGroupRule(
        `${name}-eks-api`,
        {
            type: "ingress",
            securityGroupId: args.clusterSecurityGroupId,
            sourceSecurityGroupId: sg.id,
            protocol: "tcp",
            fromPort: 443,
            toPort: 443,
            description: "EKS private API endpoint from the deploy runner",
        },
        opts,
    );
    const template = new ec2.LaunchTemplate(
        name,
        {
            namePrefix: `${name}-`,
            imageId: RUNNER_AMI,
            instanceType: RUNNER_INSTANCE_TYPE,
            iamInstanceProfile: { arn: profile.arn },
            vpcSecurityGroupIds: [sg.id],
            metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
            blockDeviceMappings: [
                { deviceName: "/dev/xvda", ebs: { volumeSize: 50, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" } },
            ],
            userData: Buffer.from(runnerUserData()).toString("base64"),
            tagSpecifications: [{ resourceType: "instance", tags: { Name: name, "med-agi.io/runner-label": runnerLabel(args.stack) } }],
        },
        opts,
    );
    new autoscaling.Group(
        name,
        {
            name,
            minSize: 1,
            maxSize: 1,
            desiredCapacity: 1,
            vpcZoneIdentifiers: args.subnetIds,
            launchTemplate: { id: template.id, version: pulumi.interpolate`${template.latestVersion}` },
            healthCheckType: "EC2",
        },
        { ...opts, dependsOn: attachments },
    );
    return { securityGroupId: sg.id, roleArn: role.arn, label: runnerLabel(args.stack) };
}
