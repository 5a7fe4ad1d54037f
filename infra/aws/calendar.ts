/**
 * The vendor calendar of the cloud layer: for each EKS Kubernetes version the
 * end of standard and extended support, the managed add-on versions and the
 * Cluster Autoscaler image, each with its source. Nothing here can be asked
 * of AWS offline, so every line names where it was read and when; the
 * functions take the date as an argument, so their tests do not age.
 */

/** Days of standard support left below which the render warns (issue 18). */
export const STANDARD_SUPPORT_WARN_DAYS = 90;
/** Days of standard support left below which the prod policy `aws-eks-standard-support` fails. */
export const STANDARD_SUPPORT_FAIL_DAYS = 30;

/** Where the support dates come from (read 2026-12-04). */
export const EKS_CALENDAR_SOURCE =
    "AWS EKS user guide, kubernetes-versions.html, “Amazon EKS Kubernetes release calendar” (docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html), read 2026-12-04";

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
    /** Managed add-ons the stack declares; undefined: the version is in the calendar but not deployable by this program. */
    readonly addons?: Readonly<Record<"vpc-cni" | "kube-proxy" | "coredns" | "aws-ebs-csi-driver", AddonPin>>;
    /** `registry.k8s.io/autoscaling/cluster-autoscaler` tag of the same minor (the chart README's rule). */
    readonly clusterAutoscalerImageTag?: { readonly tag: string; readonly source: string };
}

const CA_SOURCE =
    "kubernetes/autoscaler tags cluster-autoscaler-1.36.1 / cluster-autoscaler-1.35.2 (2026-07-22), released with chart cluster-autoscaler-9.59.0 (/work/shared/notes/charts-and-images.md §7)";
const EKS_DEFAULT_ADDON =
    "EKS default for the cluster's version: the AWS EKS user guide's add-on version tables (managing-vpc-cni, managing-kube-proxy, managing-coredns, ebs-csi) stored offline stop at 1.34, so no eksbuild pin for this minor could be read; EKS picks its default at create (`aws eks describe-addon-versions --kubernetes-version <v> --addon-name <a> --query 'addons[0].addonVersions[?compatibilities[0].defaultVersion]'` shows it)";

/**
 * EKS versions by minor. Dates: {@link EKS_CALENDAR_SOURCE}; 1.33 and 1.34 stay
 * listed so a stack that still names them is told how long it has.
 */
export const EKS_CALENDAR = {
    "1.33": { endOfStandardSupport: "2026-07-29", endOfExtendedSupport: "2027-07-29" },
    "1.34": { endOfStandardSupport: "2026-12-02", endOfExtendedSupport: "2027-12-02" },
    "1.35": {
        endOfStandardSupport: "2027-03-27",
        endOfExtendedSupport: "2028-03-27",
        addons: {
            "vpc-cni": { version: "eks-default", source: EKS_DEFAULT_ADDON },
            "kube-proxy": { version: "eks-default", source: EKS_DEFAULT_ADDON },
            coredns: { version: "eks-default", source: EKS_DEFAULT_ADDON },
            "aws-ebs-csi-driver": { version: "eks-default", source: EKS_DEFAULT_ADDON },
        },
        clusterAutoscalerImageTag: { tag: "v1.35.2", source: CA_SOURCE },
    },
    "1.36": {
        endOfStandardSupport: "2027-08-02",
        endOfExtendedSupport: "2028-08-02",
        addons: {
            "vpc-cni": { version: "eks-default", source: EKS_DEFAULT_ADDON },
            "kube-proxy": { version: "eks-default", source: EKS_DEFAULT_ADDON },
            coredns: { version: "eks-default", source: EKS_DEFAULT_ADDON },
            "aws-ebs-csi-driver": { version: "eks-default", source: EKS_DEFAULT_ADDON },
        },
        clusterAutoscalerImageTag: { tag: "v1.36.1", source: CA_SOURCE },
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
