/** The `inference` config section: defaults per stack and every validation, naming key, value and what is allowed. */
import { ConfigValidationError } from "../../infra/validation";
import { parseConfig } from "../../infra/config";
import { inferenceSchema, modelRepositoryUri, resolveInferenceSettings } from "../../infra/inference";

function parse(environment: string, inference: unknown) {
    return parseConfig({
        stack: environment,
        values: {
            "med-agi:environment": environment,
            "med-agi:inference": JSON.stringify(inference),
            "med-agi:database": '{"host":"db.example.org"}',
        },
        isSecret: () => false,
    });
}
function problems(environment: string, inference: unknown): string[] {
    try {
        parse(environment, inference);
    } catch (e) {
        // Other sections (alerting, SIEM, backups) have their own tests: only this section's problems count here.
        if (e instanceof ConfigValidationError) return e.problems.map((p) => p.message).filter((m) => m.startsWith("inference."));
        throw e;
    }
    return [];
}
const storage = { region: "eu-west-1", modelBucket: "med-agi-models" };

describe("inference config", () => {
    it("defaults to Triton 26.07-py3 and models v1.0.0, GPU off in dev and on in staging/prod", () => {
        const cfg = inferenceSchema.parse({});
        expect(resolveInferenceSettings("dev", cfg, storage).image).toBe("nvcr.io/nvidia/tritonserver:26.07-py3");
        expect(resolveInferenceSettings("dev", cfg, storage).gpu).toBeUndefined();
        expect(resolveInferenceSettings("dev", cfg, storage).models.endpointUrl).toBe("http://minio.med-agi.svc:9000");
        expect(resolveInferenceSettings("staging", cfg, storage).gpu).toMatchObject({
            minReplicas: 1,
            maxReplicas: 2,
            targetGpuUtilization: 75,
        });
        expect(resolveInferenceSettings("prod", cfg, storage).gpu).toMatchObject({ minReplicas: 2, maxReplicas: 2 });
        expect(resolveInferenceSettings("prod", cfg, storage).models.endpointUrl).toBeUndefined();
    });

    it("accepts an HPA target of 89 % and refuses 90 %, the runbook's scale-up threshold", () => {
        expect(problems("staging", { gpu: { targetGpuUtilization: 89 } })).toEqual([]);
        expect(problems("staging", { gpu: { targetGpuUtilization: 90 } })).toEqual([
            expect.stringMatching(/^inference\.gpu\.targetGpuUtilization: 90 is not allowed \(must be < 90/),
        ]);
    });

    it("refuses a GPU Triton in dev; reports max < min and requests above limits together", () => {
        expect(problems("dev", { gpu: { enabled: true } })).toEqual([
            expect.stringMatching(/^inference\.gpu\.enabled: true is not allowed \(dev has no GPU pool/),
        ]);
        const prod = problems("prod", {
            gpu: { minReplicas: 3, maxReplicas: 2 },
            cpu: { resources: { requests: { cpu: "8", memory: "1Gi" }, limits: { cpu: "4", memory: "2Gi" } } },
        });
        expect(prod).toEqual(
            expect.arrayContaining([
                expect.stringMatching(/^inference\.gpu\.maxReplicas: 2 is not allowed \(must be ≥ inference\.gpu\.minReplicas \(3\)\)/),
                expect.stringMatching(
                    /^inference\.cpu\.resources\.requests\.cpu: "8" is not allowed \(must be ≤ inference\.cpu\.resources\.limits\.cpu \(4\)\)/,
                ),
            ]),
        );
    });

    it("refuses a single GPU replica in prod and accepts two", () => {
        expect(problems("prod", { gpu: { minReplicas: 1 } })).toEqual([
            expect.stringMatching(/^inference\.gpu\.minReplicas: 1 is not allowed \(prod needs ≥ 2/),
        ]);
        expect(problems("prod", { gpu: { minReplicas: 2 } })).toEqual([]);
    });

    it("refuses a mutable or malformed Triton tag, a bad models version and unknown keys", () => {
        const found = problems("staging", { version: "latest", models: { version: "../v1" }, gpus: 2 });
        expect(found).toEqual(
            expect.arrayContaining([
                expect.stringMatching(/^inference\.version: "latest" is not allowed \(a Triton release tag/),
                expect.stringMatching(/^inference\.models\.version: "\.\.\/v1" is not allowed \(a model version/),
                expect.stringMatching(/^inference\.gpus: unknown key/),
            ]),
        );
    });

    it("writes Triton's S3 repository path for AWS, a plain-http and an https endpoint", () => {
        expect(modelRepositoryUri("med-agi-models", "v1.0.0")).toBe("s3://med-agi-models/v1.0.0");
        expect(modelRepositoryUri("med-agi-models", "v1.0.0", "http://minio.med-agi.svc:9000")).toBe(
            "s3://minio.med-agi.svc:9000/med-agi-models/v1.0.0",
        );
        expect(modelRepositoryUri("m", "v2", "https://s3.example.org")).toBe("s3://https://s3.example.org:443/m/v2");
    });
});
