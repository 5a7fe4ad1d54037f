/** README's configuration reference and docs/identity.md stay true to the config schema. */
import * as fs from "node:fs";
import * as path from "node:path";

import { configSchema, SECRET_CONFIG_KEYS } from "../../infra/config";
import { oidcSchema } from "../../infra/identity/config";
import { ROOT } from "../support/harness";

const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
const reference = readme.slice(readme.indexOf("## Configuration reference"));
const identity = fs.readFileSync(path.join(ROOT, "docs/identity.md"), "utf8");

describe("README configuration reference", () => {
    it("names every top-level config key", () => {
        const keys = Object.keys(configSchema.shape);
        expect(keys).toEqual(expect.arrayContaining(["oidc", "oidcClientSecret", "oauth2ProxyCookieSecret", "ingress"]));
        expect(keys.filter((k) => !reference.includes(`\`${k}`))).toEqual([]);
    });

    it("names every oidc field and the new ingress fields", () => {
        for (const field of Object.keys(oidcSchema.shape))
            expect({ field, listed: reference.includes(`\`${field}`) }).toEqual({ field, listed: true });
        expect(reference).toContain("`ingress.hsts`");
        expect(reference).toContain("`ingress.controllerNamespace`");
        expect(reference).toContain("`onCallRoleArns`, `breakGlassRoleArns`");
    });
});

describe("docs/identity.md", () => {
    it("lists every credential key and shows the plaintext refusal as the program words it", () => {
        for (const key of SECRET_CONFIG_KEYS) expect({ key, listed: identity.includes(`\`${key}\``) }).toEqual({ key, listed: true });
        expect(identity).toContain(
            "oidcClientSecret: a plain-text value is not allowed (it is a credential: set it with `pulumi config set --secret med-agi:oidcClientSecret <value>`)",
        );
    });
});
