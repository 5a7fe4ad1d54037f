/**
 * The RDS CA bundle as a declared ConfigMap (`dataStores.postgres.manageCaConfigMap`):
 * the PEM the provider verifies RDS with (`caFile`) becomes ConfigMap
 * `rds-ca-bundle`, checked before any resource is registered, and the CA
 * Pulumi's own PostgreSQL connection verifies the server with. Certificates
 * are made with openssl; the prod stack is run by the real program under the
 * mock runtime.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { caBundleData, caBundleProblem, pemCertificates } from "../../infra/datastores/postgres/spec";
import { loadCaBundle, readCaBundle } from "../../infra/program";
import type { PlatformConfig } from "../../infra/config";
import { ConfigValidationError } from "../../infra/validation";
import type { Plan } from "../../tools/lib/plan";
import { ofType, runStack } from "../support/harness";
import { selfSignedCert } from "../support/pem";

const dir = mkdtempSync(join(tmpdir(), "med-agi-ca-bundle-"));
const cert = (cn: string): string => selfSignedCert(dir, cn);
const a = cert("rds-ca-a");
const b = cert("rds-ca-b");
const bundlePath = join(dir, "global-bundle.pem");
writeFileSync(bundlePath, `# comment lines are dropped\n${a}\n${b}`);

/** prod with `caFile` set (and the ConfigMap managed, its default): one run of the program for every case that needs it. */
let withCaFile: Plan;
beforeAll(async () => {
    withCaFile = await runStack("prod", { dataStores: { postgres: { caFile: bundlePath, manageCaConfigMap: true } } });
}, 120_000);

describe("CA bundle builders", () => {
    it("keeps the certificates of a bundle, in order, and nothing else", () => {
        const pem = readFileSync(bundlePath, "utf8");
        expect(pemCertificates(pem)).toEqual([a.trim(), b.trim()]);
        expect(caBundleData(pem, "ca.crt")).toEqual({ "ca.crt": `${a.trim()}\n${b.trim()}\n` });
        expect(caBundleProblem(pem)).toBeUndefined();
    });

    it("refuses a file without certificates, or with a private key", () => {
        expect(caBundleProblem("hello")).toBe("it holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        expect(caBundleProblem(a + readFileSync(join(dir, "rds-ca-a.key"), "utf8"))).toBe(
            "it contains a private key; a CA bundle holds certificates only",
        );
    });
});

describe("readCaBundle", () => {
    const config = (caFile: string | undefined, manage: boolean, environment = "prod") =>
        ({ stack: environment, environment, dataStores: { postgres: { caFile, manageCaConfigMap: manage } } }) as unknown as PlatformConfig;

    it("reads the bundle only where the program manages the ConfigMap", () => {
        expect(readCaBundle(config(bundlePath, true))).toContain("BEGIN CERTIFICATE");
        expect(readCaBundle(config(bundlePath, false))).toBeUndefined();
        expect(readCaBundle(config(bundlePath, true, "dev"))).toBeUndefined();
    });

    it("names the key, the value and what is allowed when the file is missing or not a bundle", () => {
        const missing = join(dir, "nope.pem");
        expect(() => readCaBundle(config(missing, true))).toThrow(ConfigValidationError);
        expect(() => readCaBundle(config(missing, true))).toThrow(
            `dataStores.postgres.caFile: "${missing}" is not allowed (a readable PEM file on the machine running pulumi up`,
        );
        const key = join(dir, "rds-ca-a.key");
        expect(() => readCaBundle(config(key, true))).toThrow(
            `dataStores.postgres.caFile: "${key}" is not allowed (a CA bundle: it contains a private key; a CA bundle holds certificates only)`,
        );
        const text = join(dir, "notes.txt");
        writeFileSync(text, "download global-bundle.pem here\n");
        expect(() => readCaBundle(config(text, true))).toThrow(
            `dataStores.postgres.caFile: "${text}" is not allowed (a CA bundle: it holds no PEM certificate (-----BEGIN CERTIFICATE-----))`,
        );
    });
});

describe("prod with manageCaConfigMap", () => {
    it("declares ConfigMap rds-ca-bundle from caFile, with the bundle's sha256, where the backups and services mount it", () => {
        const cms = ofType(withCaFile, "kubernetes:core/v1:ConfigMap").filter((r) => (r.inputs as any).metadata.name === "rds-ca-bundle");
        expect(cms).toHaveLength(1);
        const inputs = cms[0]!.inputs as any;
        expect(inputs.metadata.namespace).toBe("med-agi");
        expect(inputs.data).toEqual({ "ca.crt": `${a.trim()}\n${b.trim()}\n` });
        expect(inputs.metadata.annotations["med-agi.io/ca-bundle-sha256"]).toMatch(/^[0-9a-f]{64}$/);
    });

    it("is declared by default: offline, from a stand-in that names the bundle pulumi up fetches", async () => {
        const plan = await runStack("prod");
        const cms = ofType(plan, "kubernetes:core/v1:ConfigMap").filter((r) => (r.inputs as any).metadata.name === "rds-ca-bundle");
        expect(cms).toHaveLength(1);
        expect((cms[0]!.inputs as any).data).toEqual({
            "ca.crt": "# offline render: pulumi up fills this with https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem\n",
        });
    });

    it("is left to the operator only with manageCaConfigMap: false", async () => {
        const plan = await runStack("prod", { dataStores: { postgres: { manageCaConfigMap: false } } });
        expect(ofType(plan, "kubernetes:core/v1:ConfigMap").filter((r) => (r.inputs as any).metadata.name === "rds-ca-bundle")).toEqual([]);
    });
});

describe("loadCaBundle: the bundle fetched from AWS at pulumi up", () => {
    const config = (caFile?: string) =>
        ({
            stack: "prod",
            environment: "prod",
            dataStores: { postgres: { caFile, manageCaConfigMap: true } },
        }) as unknown as PlatformConfig;

    it("fetches AWS's global bundle over https when no caFile is set, and keeps it", async () => {
        const asked: string[] = [];
        const pem = await loadCaBundle(config(), { fetchText: async (url) => (asked.push(url), `${a}\n${b}`) });
        expect(asked).toEqual(["https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem"]);
        expect(pem).toBe(`${a}\n${b}`);
    });

    it("prefers caFile (air-gapped deployers) and never fetches then", async () => {
        const pem = await loadCaBundle(config(bundlePath), {
            fetchText: () => {
                throw new Error("must not fetch");
            },
        });
        expect(pem).toContain("BEGIN CERTIFICATE");
    });

    it("stops before any resource when the fetch fails or is not a bundle, naming the command that makes caFile", async () => {
        const command =
            'curl -fsSLo rds-global-bundle.pem https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem && pulumi config set --path med-agi:dataStores.postgres.caFile "$PWD/rds-global-bundle.pem"';
        await expect(loadCaBundle(config(), { fetchText: () => Promise.reject(new Error("getaddrinfo ENOTFOUND")) })).rejects.toThrow(
            `dataStores.postgres.caFile: "(unset)" is not allowed (a PEM bundle: unset, the RDS CA bundle is fetched from https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem, which failed (getaddrinfo ENOTFOUND); where pulumi up has no internet access, run: ${command})`,
        );
        await expect(loadCaBundle(config(), { fetchText: () => Promise.resolve("<html>captive portal</html>") })).rejects.toThrow(
            "which failed (it holds no PEM certificate (-----BEGIN CERTIFICATE-----))",
        );
    });

    it("does nothing in dev or with manageCaConfigMap: false", async () => {
        const dev = {
            stack: "dev",
            environment: "dev",
            dataStores: { postgres: { manageCaConfigMap: true } },
        } as unknown as PlatformConfig;
        const off = {
            stack: "prod",
            environment: "prod",
            dataStores: { postgres: { manageCaConfigMap: false } },
        } as unknown as PlatformConfig;
        const never = () => Promise.reject(new Error("must not fetch"));
        expect(await loadCaBundle(dev, { fetchText: never })).toBeUndefined();
        expect(await loadCaBundle(off, { fetchText: never })).toBeUndefined();
    });
});

describe("Pulumi's own connection to PostgreSQL verifies the server", () => {
    it("verifies the server outside dev (verify-full with the configured CA); dev's port-forward only encrypts", async () => {
        const provider = (plan: Plan) =>
            ofType(plan, "pulumi:providers:postgresql").map((r) => r.inputs as { sslmode?: string; sslrootcert?: string });
        const [dev, staging, prod] = [await runStack("dev"), await runStack("staging"), await runStack("prod")];
        expect(provider(prod).map((p) => [p.sslmode, p.sslrootcert])).toEqual([["verify-full", undefined]]);
        expect(provider(staging).map((p) => p.sslmode)).toEqual(["verify-full"]);
        expect(provider(withCaFile).map((p) => [p.sslmode, p.sslrootcert])).toEqual([["verify-full", bundlePath]]);
        expect(provider(dev).map((p) => p.sslmode)).toEqual(["require"]);
    });
});
