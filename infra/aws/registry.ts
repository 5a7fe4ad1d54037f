/**
 * ECR: one repository per service and one for the log rotator image, with
 * immutable tags (a release tag always means the same image, so rollback is
 * exact), scan on push, and a lifecycle that keeps the last N images.
 */
import * as ecr from "@pulumi/aws/ecr";
import type * as pulumi from "@pulumi/pulumi";

import { IMAGE_REPOSITORY_PREFIX, SERVICE_NAMES } from "../runbook";

/** Repository names: `med-agi/<service>` for the six services, and `med-agi/logrotate`. */
export function repositoryNames(): string[] {
    return [...SERVICE_NAMES, "logrotate"].map((name) => `${IMAGE_REPOSITORY_PREFIX}/${name}`);
}

/** The lifecycle policy: expire all but the newest `keep` images. */
export function keepLastImagesPolicy(keep: number): string {
    return JSON.stringify({
        rules: [
            {
                rulePriority: 1,
                description: `keep the last ${keep} images`,
                selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: keep },
                action: { type: "expire" },
            },
        ],
    });
}

/**
 * Declares the repositories; returns them by name. Only the one stack of the
 * account and region with `cloud.registry.create` calls this
 * (infra/aws/registry-owner.ts); in prod they are protected like the data,
 * since every release image (and so every rollback) lives there.
 */
export function createRegistry(prefix: string, keepImages: number, opts: pulumi.CustomResourceOptions): Record<string, ecr.Repository> {
    const out: Record<string, ecr.Repository> = {};
    for (const repo of repositoryNames()) {
        const name = `${prefix}-ecr-${repo.replace(/\//g, "-")}`;
        const repository = new ecr.Repository(
            name,
            {
                name: repo,
                imageTagMutability: "IMMUTABLE",
                imageScanningConfiguration: { scanOnPush: true },
                encryptionConfigurations: [{ encryptionType: "AES256" }],
                forceDelete: false,
            },
            opts,
        );
        new ecr.LifecyclePolicy(name, { repository: repository.name, policy: keepLastImagesPolicy(keepImages) }, opts);
        out[repo] = repository;
    }
    return out;
}
