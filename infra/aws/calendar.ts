/**
 * The vendor calendar of the cloud layer: for each EKS Kubernetes version the
 * end of standard and extended support, the managed add-on versions and the
 * Cluster Autoscaler image, each with its source. Nothing here can be asked
 * of AWS offline, so every line names where it was read and when; the
 * functions take the date as an argument, so their tests do not age.
 */

/** Days of standard support left below which the render warns. */
export const STANDARD_SUPPORT_WARN_DAYS = 90;
/** Days of standard support left below which the prod policy `aws-eks-standard-support` fails. */
export const STANDARD_SUPPORT_FAIL_DAYS = 30;

/**
 * Where the support dates come from. The AWS user guide's release-calendar
 * table (kubernetes-versions.html) is the primary source; the copy read here
 * is endoflife.date's, which scrapes that very table (its `release_table`
 * method on docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html,
 * columns "End of standard support" / "End of extended support"). The
 * awsdocs/amazon-eks-user-guide snapshot stored offline (4d52b4d, 2024-12-18)
 * stops at 1.31, so it could not be used.
 */
export const EKS_CALENDAR_SOURCE =
    "endoflife-date/endoflife.date@a70eca337600e7d721dc48112c271f98661d208b:products/amazon-eks.md (data of 2026-07-08, scraped from the AWS EKS user guide's kubernetes-versions.html release calendar), read 2026-12-04; 1.33–1.35 agree with aws-samples.github.io/sample-apex-skills eks-operation-review/references/cluster-lifecycle (“last verified 2026-04-24”)";

/** One EKS managed add-on version, and where it was read. */
export interface AddonPin {
    /**
     * `addonVersion` of the `aws.eks.Addon`; `"eks-default"` leaves it unset, so
     * EKS installs its default version for the cluster's Kubernetes version
     * (`aws eks create-addon` without `--addon-version`).
     */
    readonly version: string;
    readonly source: string;
}

export interface EksVersionEntry {
    /** First day of the 12 months of extended support ($0.60 instead of $0.10 per cluster-hour). */
    readonly endOfStandardSupport: string;
    readonly endOfExtendedSupport: string;
    /** Where both dates of this line were read. */
    readonly source: string;
    /** Managed add-ons the stack declares; undefined: the version is in the calendar but not deployable by this program. */
    readonly addons?: Readonly<Record<"vpc-cni" | "kube-proxy" | "coredns" | "aws-ebs-csi-driver", AddonPin>>;
    /** `registry.k8s.io/autoscaling/cluster-autoscaler` tag of the same minor (the chart README's rule). */
    readonly clusterAutoscalerImageTag?: { readonly tag: string; readonly source: string };
}

const EOL_DATE = (v: string, release: string) =>
    `${EKS_CALENDAR_SOURCE.split(" (")[0]}: releaseCycle "${v}" (EKS release ${release}); read 2026-12-04`;

const CA_SOURCE = (tag: string, commit: string) =>
    `kubernetes/autoscaler tag cluster-autoscaler-${tag.slice(1)} (${commit}, 2026-07-22), read in the snapshot of 55c37cd (2026-08-22) on 2026-12-04. Chart cluster-autoscaler-9.59.0 (5a0b98e, 2026-07-21) defaults to image v1.35.0 (values.yaml image.tag, appVersion 1.35.0); the stack overrides image.tag with this later patch of the cluster's minor. That the image was pushed to registry.k8s.io is not visible offline: \`crane ls registry.k8s.io/autoscaling/cluster-autoscaler | grep ^${tag}$\` (or \`docker manifest inspect registry.k8s.io/autoscaling/cluster-autoscaler:${tag}\`) confirms it`;

/**
 * The AWS user guide's "latest version of the Amazon EKS add-on type for each
 * Kubernetes version" tables. The awsdocs snapshot stored offline stops at
 * 1.31, and the stored copies of docs.aws.amazon.com differ by language and
 * date; the newest found is the Japanese markdown copy, which lists 1.36 and
 * 1.35 for kube-proxy and CoreDNS. Version strings are not translated.
 */
const ADDON_TABLE = (page: string, v: string, version: string) =>
    `AWS EKS user guide ${page} (docs.aws.amazon.com/ja_jp/eks/latest/userguide/${page}.md, stored copy; table row ${v} → ${version}), read 2026-12-04. The English copy stored is older (stops at 1.34). Confirm: \`aws eks describe-addon-versions --kubernetes-version ${v} --addon-name <name> --query 'addons[0].addonVersions[].addonVersion'\` lists it`;
const EKS_DEFAULT_VPC_CNI =
    "EKS default for the cluster's version (UNCONFIRMED pin): no stored copy of the AWS user guide's managing-vpc-cni table lists 1.35 or 1.36 (the newest found stop at 1.33, v1.20.1-eksbuild.3), so no eksbuild could be cited; EKS picks its default at create. `aws eks describe-addon-versions --kubernetes-version <v> --addon-name vpc-cni --query 'addons[0].addonVersions[?compatibilities[0].defaultVersion==`true`].addonVersion'` shows it; pin it here after the first `up` (`aws eks describe-addon --cluster-name <c> --addon-name vpc-cni --query addon.addonVersion`)";
const EKS_DEFAULT_EBS_CSI =
    "EKS default for the cluster's version (UNCONFIRMED pin): the AWS user guide keeps no per-Kubernetes-version table for aws-ebs-csi-driver (the driver's releases are not tied to a minor), and no citable list of the eksbuilds offered for 1.35/1.36 was found; EKS picks its default at create. `aws eks describe-addon-versions --kubernetes-version <v> --addon-name aws-ebs-csi-driver --query 'addons[0].addonVersions[?compatibilities[0].defaultVersion==`true`].addonVersion'` shows it";

/**
 * EKS versions by minor, each with its source. 1.33 and 1.34 stay listed so a
 * stack that still names them is told how long it has.
 */
export const EKS_CALENDAR = {
    "1.33": { endOfStandardSupport: "2026-07-29", endOfExtendedSupport: "2027-07-29", source: EOL_DATE("1.33", "2025-05-28") },
    "1.34": { endOfStandardSupport: "2026-12-02", endOfExtendedSupport: "2027-12-02", source: EOL_DATE("1.34", "2025-10-06") },
    "1.35": {
        endOfStandardSupport: "2027-03-27",
        endOfExtendedSupport: "2028-03-27",
        source: EOL_DATE("1.35", "2026-01-28"),
        addons: {
            "vpc-cni": { version: "eks-default", source: EKS_DEFAULT_VPC_CNI },
            "kube-proxy": { version: "v1.35.3-eksbuild.13", source: ADDON_TABLE("managing-kube-proxy", "1.35", "v1.35.3-eksbuild.13") },
            coredns: { version: "v1.14.3-eksbuild.3", source: ADDON_TABLE("managing-coredns", "1.35", "v1.14.3-eksbuild.3") },
            "aws-ebs-csi-driver": { version: "eks-default", source: EKS_DEFAULT_EBS_CSI },
        },
        clusterAutoscalerImageTag: { tag: "v1.35.2", source: CA_SOURCE("v1.35.2", "2d42588") },
    },
    "1.36": {
        endOfStandardSupport: "2027-08-02",
        endOfExtendedSupport: "2028-08-02",
        source: EOL_DATE("1.36", "2026-06-02"),
        addons: {
            "vpc-cni": { version: "eks-default", source: EKS_DEFAULT_VPC_CNI },
            "kube-proxy": { version: "v1.36.0-eksbuild.14", source: ADDON_TABLE("managing-kube-proxy", "1.36", "v1.36.0-eksbuild.14") },
            coredns: { version: "v1.14.3-eksbuild.3", source: ADDON_TABLE("managing-coredns", "1.36", "v1.14.3-eksbuild.3") },
            "aws-ebs-csi-driver": { version: "eks-default", source: EKS_DEFAULT_EBS_CSI },
        },
        clusterAutoscalerImageTag: { tag: "v1.36.1", source: CA_SOURCE("v1.36.1", "35e8a28") },
    },
} as const satisfies Readonly<Record<string, EksVersionEntry>>;
export type EksCalendarVersion = keyof typeof EKS_CALENDAR;

const DAY_MS = 24 * 60 * 60 * 1000;

function calendarEntry(version: string): EksVersionEntry | undefined {
    return (EKS_CALENDAR as Readonly<Record<string, EksVersionEntry>>)[version];
}

/** Whole days from `today` (UTC date) to the end of standard support of `version` (negative once past); undefined for a version not in the calendar. */
export function standardSupportDaysLeft(version: string, today: Date): number | undefined {
    const entry = calendarEntry(version);
    if (entry === undefined) return undefined;
    const day = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
    return Math.round((Date.parse(`${entry.endOfStandardSupport}T00:00:00Z`) - day) / DAY_MS);
}

/** The support state of a cluster version on `today`: ok, warn (< 90 days left), fail (< 30 days, or unknown). */
export function standardSupportStatus(
    version: string,
    today: Date,
): { readonly level: "ok" | "warn" | "fail"; readonly daysLeft: number | undefined; readonly message: string } {
    const daysLeft = standardSupportDaysLeft(version, today);
    const entry = calendarEntry(version);
    if (daysLeft === undefined || entry === undefined) {
        return {
            level: "fail",
            daysLeft,
            message: `EKS ${version} is not in the calendar of infra/aws/calendar.ts (known: ${Object.keys(EKS_CALENDAR).join(", ")})`,
        };
    }
    const end = entry.endOfStandardSupport;
    const when =
        daysLeft < 0
            ? `left EKS standard support on ${end} (${-daysLeft} days ago): the cluster runs in extended support at $0.60 instead of $0.10 per hour`
            : `has ${daysLeft} days of EKS standard support left (ends ${end})`;
    const message = `EKS ${version} ${when}; move cluster.version to a newer minor in the calendar (infra/aws/calendar.ts, docs/aws.md "Upgrading the cluster")`;
    if (daysLeft < STANDARD_SUPPORT_FAIL_DAYS) return { level: "fail", daysLeft, message };
    if (daysLeft < STANDARD_SUPPORT_WARN_DAYS) return { level: "warn", daysLeft, message };
    return { level: "ok", daysLeft, message };
}
