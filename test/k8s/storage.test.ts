/**
 * Node disk (ephemeral storage) per container: the limit is the disk-backed
 * emptyDirs it writes plus its logs, the request at most that limit.
 */
import { ephemeralStorage, LOG_ALLOWANCE, withEphemeralStorage } from "../../infra/k8s/storage";

describe("ephemeralStorage", () => {
    it("limits a container that writes no file to its logs", () => {
        expect(LOG_ALLOWANCE).toBe("64Mi");
        expect(ephemeralStorage("16Mi")).toEqual({ request: "16Mi", limit: "64Mi" });
    });

    it("adds the emptyDirs' size limits to the logs, in the largest unit that divides the sum", () => {
        expect(ephemeralStorage("64Mi", ["256Mi"])).toEqual({ request: "64Mi", limit: "320Mi" });
        expect(ephemeralStorage("20Gi", ["20Gi", "1Gi"])).toEqual({ request: "20Gi", limit: "21568Mi" });
        expect(ephemeralStorage("1Gi", ["960Mi"])).toEqual({ request: "1Gi", limit: "1Gi" });
        expect(ephemeralStorage("8Mi", ["1Ki"])).toEqual({ request: "8Mi", limit: "65537Ki" });
    });

    it("requests no more than the limit", () => {
        expect(ephemeralStorage("1Gi", ["512Mi", "256Mi"])).toEqual({ request: "832Mi", limit: "832Mi" });
    });

    it("refuses a quantity that is not in binary units, naming it", () => {
        expect(() => ephemeralStorage("1G")).toThrow(
            'ephemeral storage: "1G" is not allowed (a quantity in binary units such as "512Mi" or "20Gi")',
        );
        expect(() => ephemeralStorage("8Mi", ["0Mi"])).toThrow('ephemeral storage: "0Mi" is not allowed');
    });
});

describe("withEphemeralStorage", () => {
    it("adds the request and the limit beside cpu and memory, leaving the input untouched", () => {
        const resources = { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "64Mi" } };
        expect(withEphemeralStorage(resources, { request: "8Mi", limit: "64Mi" })).toEqual({
            requests: { cpu: "10m", memory: "16Mi", "ephemeral-storage": "8Mi" },
            limits: { memory: "64Mi", "ephemeral-storage": "64Mi" },
        });
        expect(resources).toEqual({ requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "64Mi" } });
    });

    it("adds them where requests or limits were absent", () => {
        expect(withEphemeralStorage({}, { request: "1Gi", limit: "2Gi" })).toEqual({
            requests: { "ephemeral-storage": "1Gi" },
            limits: { "ephemeral-storage": "2Gi" },
        });
    });
});
