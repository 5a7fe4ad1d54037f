import { eksStandardSupportPolicy } from "../../policies/aws";
import { EKS_CALENDAR, standardSupportDaysLeft, standardSupportStatus } from "../../infra/aws/calendar";
import { KUBERNETES_VERSIONS } from "../../infra/aws/config";
import { runPolicies } from "../../tools/lib/policy-run";
import type { Plan } from "../../tools/lib/plan";

const day = (iso: string) => new Date(`${iso}T12:00:00Z`);

/** A plan holding one EKS cluster of `stack` at `version`. */
function eksPlan(stack: string, version: string): Plan {
    return {
        project: "med-agi",
        stack,
        outputs: {},
        resources: [
            {
                urn: `urn:pulumi:${stack}::med-agi::med-agi:aws:CloudLayer$aws:eks/cluster:Cluster::med-agi-${stack}-eks`,
                type: "aws:eks/cluster:Cluster",
                name: `med-agi-${stack}-eks`,
                parent: null,
                protect: false,
                inputs: { name: `med-agi-${stack}`, version },
            },
        ],
    };
}

async function verdict(stack: string, version: string, today: string): Promise<string[]> {
    const report = await runPolicies(eksPlan(stack, version), [eksStandardSupportPolicy(() => day(today))]);
    return report.findings.map((f) => f.message);
}

describe("the EKS support calendar", () => {
    it("records the end of standard support of each version as the AWS release calendar gives it", () => {
        expect(Object.fromEntries(Object.entries(EKS_CALENDAR).map(([v, e]) => [v, e.endOfStandardSupport]))).toEqual({
            "1.33": "2026-07-29",
            "1.34": "2026-12-02",
            "1.35": "2027-03-27",
            "1.36": "2027-08-02",
        });
    });

    it("allows only versions with add-ons and a Cluster Autoscaler image of the same minor", () => {
        expect(Object.keys(KUBERNETES_VERSIONS)).toEqual(["1.35", "1.36"]);
        expect(KUBERNETES_VERSIONS["1.35"].clusterAutoscalerImageTag.tag).toBe("v1.35.2");
        expect(KUBERNETES_VERSIONS["1.36"].clusterAutoscalerImageTag.tag).toBe("v1.36.1");
        for (const entry of Object.values(KUBERNETES_VERSIONS))
            for (const pin of Object.values(entry.addons)) expect(pin.source.length).toBeGreaterThan(40);
    });

    it("gives every line its source, and pins only add-on versions a source lists", () => {
        for (const entry of Object.values(EKS_CALENDAR)) expect(entry.source).toMatch(/endoflife\.date@[0-9a-f]{40}.*read 2026-12-04/);
        const pins = Object.fromEntries(
            Object.entries(KUBERNETES_VERSIONS).map(([v, e]) => [
                v,
                Object.fromEntries(Object.entries(e.addons).map(([a, p]) => [a, p.version])),
            ]),
        );
        expect(pins).toEqual({
            "1.35": {
                "vpc-cni": "eks-default",
                "kube-proxy": "v1.35.3-eksbuild.13",
                coredns: "v1.14.3-eksbuild.3",
                "aws-ebs-csi-driver": "eks-default",
            },
            "1.36": {
                "vpc-cni": "eks-default",
                "kube-proxy": "v1.36.0-eksbuild.14",
                coredns: "v1.14.3-eksbuild.3",
                "aws-ebs-csi-driver": "eks-default",
            },
        });
        for (const entry of Object.values(KUBERNETES_VERSIONS))
            for (const pin of Object.values(entry.addons))
                expect(pin.source).toMatch(
                    pin.version === "eks-default"
                        ? /UNCONFIRMED.*describe-addon-versions/
                        : new RegExp(`→ ${pin.version}.*describe-addon-versions`),
                );
    });

    it("counts whole days to the end of standard support, whatever the hour", () => {
        expect(standardSupportDaysLeft("1.35", day("2026-12-04"))).toBe(113);
        expect(standardSupportDaysLeft("1.35", new Date("2026-12-04T23:59:00Z"))).toBe(113);
        expect(standardSupportDaysLeft("1.34", day("2026-12-04"))).toBe(-2);
        expect(standardSupportDaysLeft("1.99", day("2026-12-04"))).toBeUndefined();
    });

    it("warns at 89 days left and not at 90", () => {
        expect(standardSupportStatus("1.35", day("2026-12-27")).level).toBe("ok");
        expect(standardSupportStatus("1.35", day("2026-12-28"))).toEqual({
            level: "warn",
            daysLeft: 89,
            message:
                'EKS 1.35 has 89 days of EKS standard support left (ends 2027-03-27); move cluster.version to a newer minor in the calendar (infra/aws/calendar.ts, docs/aws.md "Upgrading the cluster")',
        });
    });

    it("fails at 29 days left and only warns at 30", () => {
        expect(standardSupportStatus("1.35", day("2027-02-25")).level).toBe("warn");
        expect(standardSupportStatus("1.35", day("2027-02-26")).level).toBe("fail");
        expect(standardSupportStatus("1.33", day("2026-12-04")).message).toBe(
            'EKS 1.33 left EKS standard support on 2026-07-29 (128 days ago): the cluster runs in extended support at $0.60 instead of $0.10 per hour; move cluster.version to a newer minor in the calendar (infra/aws/calendar.ts, docs/aws.md "Upgrading the cluster")',
        );
    });

    it("leaves the committed stacks' version (1.35) without a warning on 2026-12-04", () => {
        expect(standardSupportStatus("1.35", day("2026-12-04")).level).toBe("ok");
    });
});

describe("policy aws-eks-standard-support", () => {
    it("fails prod at 29 days of standard support left and passes it at 30", async () => {
        expect(await verdict("prod", "1.35", "2027-02-25")).toEqual([]);
        expect(await verdict("prod", "1.35", "2027-02-26")).toEqual([
            'In prod, the EKS version has at least 30 days of standard support left (the render warns under 90).\nEKS med-agi-prod: EKS 1.35 has 29 days of EKS standard support left (ends 2027-03-27); move cluster.version to a newer minor in the calendar (infra/aws/calendar.ts, docs/aws.md "Upgrading the cluster").',
        ]);
    });

    it("fails prod on 1.33 (extended support) today, and leaves staging to the render's warning", async () => {
        expect(await verdict("prod", "1.33", "2026-12-04")).toHaveLength(1);
        expect(await verdict("staging", "1.33", "2026-12-04")).toEqual([]);
    });
});
