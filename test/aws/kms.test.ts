/** The key policy builder (infra/aws/kms.ts), evaluated for requests of known roles (issue 19, finding 8). */
import { keyPolicy } from "../../infra/aws/kms";
import { resourcePolicyDecision, type Request } from "../support/resource-policy";

const ACCOUNT = "123456789012";
const REGION = "eu-west-1";
const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const keyRequest = (action: string, principal: string, context: Record<string, string | boolean> = {}): Request => ({
    action,
    resource: "*",
    account: ACCOUNT,
    context: { "aws:PrincipalArn": principal, ...context },
});
const viaS3 = { "kms:ViaService": `s3.${REGION}.amazonaws.com` };

describe("key policy builder", () => {
    const doc = keyPolicy({
        accountId: ACCOUNT,
        region: REGION,
        users: { roleArns: [role("a")], via: ["s3"] },
        grantsFor: [role("deployer")],
    });

    it("lets the account administer the key but not read, write or grant it", () => {
        const admin = doc.Statement.find((s) => s.Sid === "AccountAdministersTheKey")!;
        expect(admin.Principal).toEqual({ AWS: "arn:aws:iam::123456789012:root" });
        expect(admin.Condition).toBeUndefined();
        expect(admin.Action).toEqual(expect.arrayContaining(["kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:DescribeKey"]));
        for (const action of ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom", "kms:CreateGrant"]) {
            expect(resourcePolicyDecision(doc, keyRequest(action, role("someone-else"), viaS3))).toBe("none");
        }
        expect(resourcePolicyDecision(doc, keyRequest("kms:PutKeyPolicy", role("someone-else")))).toBe("allow");
    });

    it("lets a named role use the key through S3 only", () => {
        expect(resourcePolicyDecision(doc, keyRequest("kms:GenerateDataKey", role("a"), viaS3))).toBe("allow");
        expect(resourcePolicyDecision(doc, keyRequest("kms:Decrypt", role("a"), viaS3))).toBe("allow");
        expect(resourcePolicyDecision(doc, keyRequest("kms:Decrypt", role("a")))).toBe("none");
        expect(resourcePolicyDecision(doc, keyRequest("kms:Decrypt", role("a"), { "kms:ViaService": `ec2.${REGION}.amazonaws.com` }))).toBe(
            "none",
        );
    });

    it("lets a service create a grant for its resource on behalf of the deploy role only", () => {
        const grant = { "kms:GrantIsForAWSResource": true };
        expect(resourcePolicyDecision(doc, keyRequest("kms:CreateGrant", role("deployer"), grant))).toBe("allow");
        expect(resourcePolicyDecision(doc, keyRequest("kms:CreateGrant", role("deployer"), { "kms:GrantIsForAWSResource": false }))).toBe(
            "none",
        );
        expect(resourcePolicyDecision(doc, keyRequest("kms:CreateGrant", role("a"), grant))).toBe("none");
    });
});
