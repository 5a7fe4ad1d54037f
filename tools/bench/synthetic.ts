/**
 * Synthetic platforms for the benchmark: N services built by the same
 * component as the real six, in one namespace, with the dev defaults.
 */
import { Provider as KubernetesProvider } from "@pulumi/kubernetes/provider";

import { parseConfig } from "../../infra/config";
import { PlatformNamespace } from "../../infra/namespace";
import { imageRef, MedAgiService } from "../../infra/services";

/** Declares a platform of `count` services named svc-0001… on ports 9000+. */
export function declareSyntheticPlatform(count: number): void {
    const config = parseConfig({ stack: "bench", values: {}, isSecret: () => false });
    const settings = { ...config.services.imaging, replicas: 2 };
    const provider = new KubernetesProvider("kubernetes", {});
    const namespace = new PlatformNamespace("platform", { name: "med-agi" }, { provider });
    for (let i = 1; i <= count; i++) {
        const name = `svc-${String(i).padStart(4, "0")}`;
        new MedAgiService(
            name,
            {
                service: { name, port: 9000 + i },
                namespace: namespace.name,
                image: imageRef(undefined, name, config.release),
                settings,
                ingress: { className: "nginx", host: `${name}.bench.example.org` },
            },
            { provider },
        );
    }
}
