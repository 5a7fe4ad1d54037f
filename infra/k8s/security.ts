/**
 * Pod Security Admission `restricted` defaults, shared by every workload in
 * the `med-agi` namespace. These are the defaults, not options: a workload
 * that needs less (a host-path log rotator, say) lives in its own namespace.
 */
import type * as k8s from "@pulumi/kubernetes";

type PodSecurityContext = k8s.types.input.core.v1.PodSecurityContext;
type SecurityContext = k8s.types.input.core.v1.SecurityContext;

/** The unprivileged UID/GID our images run as (no root, no host user overlap). */
export const DEFAULT_RUN_AS = { user: 10001, group: 10001 } as const;

/** Pod-level: non-root, fixed UID/GID, fsGroup for writable volumes, RuntimeDefault seccomp. */
export function restrictedPodSecurityContext(runAs: { user: number; group: number } = DEFAULT_RUN_AS): PodSecurityContext {
    return {
        runAsNonRoot: true,
        runAsUser: runAs.user,
        runAsGroup: runAs.group,
        fsGroup: runAs.group,
        fsGroupChangePolicy: "OnRootMismatch",
        seccompProfile: { type: "RuntimeDefault" },
    };
}

/** Container-level: no privilege escalation, read-only root filesystem, all capabilities dropped. */
export function restrictedContainerSecurityContext(): SecurityContext {
    return {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        privileged: false,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
    };
}

/** Pod Security Admission labels for a namespace at `level`, enforced, audited and warned. */
export function podSecurityLabels(level: "restricted" | "baseline" | "privileged"): Record<string, string> {
    return {
        "pod-security.kubernetes.io/enforce": level,
        "pod-security.kubernetes.io/enforce-version": "latest",
        "pod-security.kubernetes.io/audit": level,
        "pod-security.kubernetes.io/audit-version": "latest",
        "pod-security.kubernetes.io/warn": level,
        "pod-security.kubernetes.io/warn-version": "latest",
    };
}
