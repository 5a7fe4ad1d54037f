/**
 * No credential reaches a render file. The prod stack is rendered with every
 * credential key set (`secure:` values, which the render stands in for with a
 * distinctive value per key), written to disk by the real writer, and every
 * file is searched for those values. Secrets still show their keys, each value
 * masked, in kubernetes.yaml and plan.json alike.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { SECRET_CONFIG_KEYS } from "../../infra/config";
import { SECRET_MASK, type Plan } from "../../tools/lib/plan";
import { secretPlaceholder } from "../../tools/lib/project";
import { renderFiles, writeRender } from "../../tools/lib/render-stack";
import { runStack } from "../support/harness";
import { parseManifests } from "../support/manifest-yaml";

const out = fs.mkdtempSync(path.join(os.tmpdir(), "secrets-render-"));
afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

/** The value the program receives for each credential: `offline-placeholder-for-med-agi-<key>`. */
const VALUES = SECRET_CONFIG_KEYS.map((key) => secretPlaceholder(`med-agi:${key}`));

let plan: Plan;
beforeAll(async () => {
    plan = await runStack("prod", Object.fromEntries(SECRET_CONFIG_KEYS.map((key) => [key, { secure: "ciphertext" }])));
    writeRender(out, renderFiles(plan));
});

const grep = (pattern: string) => spawnSync("grep", ["-rlF", "--", pattern, out], { encoding: "utf8" });

describe("prod rendered with every credential set", () => {
    it("sets all eleven credentials, each to a distinctive value", () => {
        expect(SECRET_CONFIG_KEYS).toEqual([
            "pagerdutyRoutingKey",
            "slackWebhookUrl",
            "smtpPassword",
            "siemToken",
            "grafanaAdminPassword",
            "databaseAdminPassword",
            "backupSigningKey",
            "backupSigningKeyPrevious",
            "oidcClientSecret",
            "grafanaOidcClientSecret",
            "oauth2ProxyCookieSecret",
        ]);
        expect(new Set(VALUES).size).toBe(11);
        for (const value of VALUES) expect(value).toMatch(/^offline-placeholder-for-med-agi-[A-Za-z0-9]+$/);
    });

    it("writes none of their values into any file of the render", () => {
        const files = fs.readdirSync(out, { recursive: true, encoding: "utf8" }).filter((f) => fs.statSync(path.join(out, f)).isFile());
        expect(files).toEqual(expect.arrayContaining(["plan.json", "kubernetes.yaml", "alertmanager.yaml", "summary.md"]));
        for (const value of VALUES) {
            const r = grep(value);
            expect({ value, files: r.stdout }).toEqual({ value, files: "" });
            expect(r.status).toBe(1); // grep: 1 = no match (2 would be an error)
        }
        // The search does find what is there: a plain config value of the same stack.
        expect(grep("siem-collector.example.org").stdout).toContain("plan.json");
    });

    it("shows each Secret's keys with every value masked in kubernetes.yaml", () => {
        const docs = parseManifests(fs.readFileSync(path.join(out, "kubernetes.yaml"), "utf8"));
        const secrets = Object.fromEntries(docs.filter((d) => d.kind === "Secret").map((d) => [d.metadata.name, d.stringData]));
        // Each database role's Secret: the connection and the generated password, every value masked.
        const roleSecret = Object.fromEntries(
            ["PGDATABASE", "PGHOST", "PGPASSWORD", "PGPORT", "PGSSLMODE", "PGSSLROOTCERT", "PGUSER", "password", "username"].map((k) => [
                k,
                SECRET_MASK,
            ]),
        );
        const roles = [
            "anchor",
            "ekg",
            "eval",
            "imaging",
            "medagi",
            "medagi-backup",
            "medagi-readonly",
            "medagi-restore",
            "modelcards",
            "ops",
        ];
        for (const role of roles) expect({ role, data: secrets[`postgres-${role}`] }).toEqual({ role, data: roleSecret });
        // Each Elasticsearch user: ECK's file-realm Secret, and for a service its client Secret (envFrom).
        const searchUsers = ["anchor", "ekg", "eval", "imaging", "modelcards", "ops"];
        for (const user of [...searchUsers, "metrics", "lifecycle"]) {
            expect({ user, data: secrets[`elasticsearch-user-medagi-${user}`] }).toEqual({
                user,
                data: { username: SECRET_MASK, password: SECRET_MASK, roles: SECRET_MASK },
            });
        }
        for (const service of searchUsers) {
            expect({ service, data: secrets[`elasticsearch-${service}`] }).toEqual({
                service,
                data: { ELASTICSEARCH_USERNAME: SECRET_MASK, ELASTICSEARCH_PASSWORD: SECRET_MASK },
            });
        }
        expect(secrets["elasticsearch-roles"]).toEqual({ "roles.yml": SECRET_MASK });
        const others = Object.fromEntries(
            Object.entries(secrets).filter(
                ([name]) => !roles.some((role) => name === `postgres-${role}`) && !name.startsWith("elasticsearch-"),
            ),
        );
        expect(others).toEqual({
            "med-agi-backup-signing": { key: SECRET_MASK, "previous-key": SECRET_MASK },
            "alertmanager-med-agi-receivers": {
                "pagerduty-routing-key": SECRET_MASK,
                "slack-webhook-url": SECRET_MASK,
                "smtp-password": SECRET_MASK,
                "siem-token": SECRET_MASK,
            },
            "alertmanager-med-agi": { "alertmanager.yaml": SECRET_MASK },
            "grafana-admin": { "admin-user": SECRET_MASK, "admin-password": SECRET_MASK },
            "fluent-bit-siem": { token: SECRET_MASK },
            // Identity (docs/identity.md): oauth2-proxy's client and Grafana's own, one holder each; no service holds one.
            "oauth2-proxy": { "client-id": SECRET_MASK, "client-secret": SECRET_MASK, "cookie-secret": SECRET_MASK },
            "grafana-oidc": { GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET: SECRET_MASK },
            // Triton's restricted-API key (generated).
            "triton-admin-key": { key: SECRET_MASK },
        });
    });

    it("shows the same keys and masks in plan.json", () => {
        const written = JSON.parse(fs.readFileSync(path.join(out, "plan.json"), "utf8")) as Plan;
        const receivers = written.resources.find((r) => r.name === "observability-alertmanager-receivers")!;
        expect(receivers.inputs.stringData).toEqual({
            "pagerduty-routing-key": SECRET_MASK,
            "slack-webhook-url": SECRET_MASK,
            "smtp-password": SECRET_MASK,
            "siem-token": SECRET_MASK,
        });
        expect(written.resources.filter((r) => r.inputs.kind === "Secret").every((r) => typeof r.inputs.stringData === "object")).toBe(
            true,
        );
    });
});
