/**
 * The peers' linters judge every render: kube-linter, kube-score and Polaris
 * run with their default checks over each stack's kubernetes.yaml (the one the
 * global setup rendered). Every finding is either fixed in the program or
 * listed in test/manifests/linter-exceptions.yaml with a reviewed reason; a new
 * finding fails here naming the tool, the check and the object, and an
 * exception no finding needs any more fails as stale.
 *
 * Each tool runs once per stack file. A planted defect per tool (a privileged
 * container, a container without limits, a host network) shows that each of
 * them, and the judgement, does catch what the exceptions do not cover.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { kubernetesYaml } from "../../tools/lib/artifacts";
import { ROOT, runStack, sharedRenders } from "../support/harness";
import { manifestsYaml, parseManifests } from "../support/manifest-yaml";
import {
    exceptionProblems,
    findingKey,
    judge,
    judgementProblems,
    LINTED_STACKS,
    LINTERS,
    loadExceptions,
    objectId,
    runLinter,
    type LintedStack,
    type Linter,
    type LinterException,
    type LinterFinding,
} from "../support/linters";

const EXCEPTIONS_FILE = path.join(ROOT, "test", "manifests", "linter-exceptions.yaml");

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "linters-"));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** The stack's kubernetes.yaml as the global setup rendered it, or written here from its plan. */
async function stackFile(stack: LintedStack): Promise<string> {
    const shared = sharedRenders();
    if (shared !== undefined) {
        const file = path.join(shared, stack, "kubernetes.yaml");
        if (fs.existsSync(file)) return file;
    }
    const file = path.join(scratch, `${stack}.yaml`);
    fs.writeFileSync(file, kubernetesYaml(await runStack(stack)));
    return file;
}

let exceptions: LinterException[];
const files = new Map<LintedStack, string>();
/** Each stack's objects, parsed once. */
const objects = new Map<LintedStack, Record<string, any>[]>();
const findings = new Map<string, LinterFinding[]>(); // `${tool} ${stack}` → findings
const at = (tool: Linter, stack: LintedStack) => findings.get(`${tool} ${stack}`)!;

beforeAll(async () => {
    exceptions = loadExceptions(EXCEPTIONS_FILE);
    for (const stack of LINTED_STACKS) {
        const file = await stackFile(stack);
        files.set(stack, file);
        objects.set(stack, parseManifests(fs.readFileSync(file, "utf8")));
        for (const tool of LINTERS) findings.set(`${tool} ${stack}`, runLinter(tool, file));
    }
});

describe.each(LINTED_STACKS)("%s's kubernetes.yaml", (stack) => {
    it.each(LINTERS)("has no %s finding outside the reviewed exceptions, and no stale exception", (tool) => {
        expect(judgementProblems(stack, judge(tool, stack, at(tool, stack), exceptions))).toEqual([]);
    });
});

describe("the exceptions file", () => {
    it("holds only well-formed entries, each with a reason", () => {
        expect(exceptionProblems(loadExceptions(EXCEPTIONS_FILE))).toEqual([]);
    });

    it("is the only place exceptions live: no rendered object carries a linter's ignore or exemption annotation", () => {
        for (const stack of LINTED_STACKS)
            expect({ stack, carried: ignoreAnnotations(objects.get(stack)!) }).toEqual({ stack, carried: [] });
        // The search finds one where it is: on a pod template.
        const planted = structuredClone(objects.get("dev")!.filter((o) => o.kind === "Deployment" && o.metadata.name === "ops"));
        planted[0]!.spec.template.metadata.annotations = { "polaris.fairwinds.com/hostNetworkSet-exempt": "true" };
        expect(ignoreAnnotations(planted)).toEqual(["Deployment/med-agi/ops: polaris.fairwinds.com/hostNetworkSet-exempt"]);
    });

    it("rejects an entry without a reason, a wildcard object or an unknown tool, naming each", () => {
        expect(
            exceptionProblems([
                {
                    tool: "kube-score",
                    check: "container-image-pull-policy",
                    objects: ["Deployment/med-agi/*"],
                    stacks: ["dev"],
                    reason: "",
                },
                {
                    tool: "kubeval",
                    check: "x",
                    objects: ["Deployment/med-agi/imaging"],
                    stacks: ["qa"],
                    reason: "a reason long enough to read as a sentence here",
                },
            ]),
        ).toEqual([
            'exception 1.objects: "Deployment/med-agi/*" is not allowed (must be Kind/namespace/name or Kind/name, no wildcards)',
            'exception 1.reason: "" is not allowed (must say in a sentence or more why the finding is accepted)',
            'exception 2.tool: "kubeval" is not allowed (must be one of kube-linter, kube-score, polaris)',
            'exception 2.stacks: "qa" is not allowed (must be one of dev, staging, prod)',
        ]);
    });
});

describe("the judgement", () => {
    const opaFew: LinterFinding = {
        tool: "kube-score",
        check: "deployment-replicas",
        object: "Deployment/med-agi/opa",
        message: ": Deployment few replicas",
    };
    const entry: LinterException = {
        tool: "kube-score",
        check: "deployment-replicas",
        objects: ["Deployment/med-agi/opa", "Deployment/med-agi/ops"],
        stacks: ["dev"],
        reason: "dev runs on a local cluster with one replica of everything, by design.",
    };

    it("fails a finding no exception covers and an exception no finding needs, naming each", () => {
        const probes: LinterFinding = {
            tool: "kube-score",
            check: "pod-probes",
            object: "Deployment/med-agi/ekg",
            message: ": no readiness probe",
        };
        expect(judgementProblems("dev", judge("kube-score", "dev", [opaFew, probes], [entry]))).toEqual([
            "dev: new finding kube-score pod-probes Deployment/med-agi/ekg: : no readiness probe",
            "dev: stale exception kube-score deployment-replicas Deployment/med-agi/ops: no such finding any more; remove it from the exceptions file",
        ]);
    });

    it("applies an exception only to its tool and its stacks", () => {
        expect(judge("kube-score", "staging", [opaFew], [entry]).unexcepted).toEqual([opaFew]);
        expect(judge("polaris", "dev", [{ ...opaFew, tool: "polaris" }], [entry]).unexcepted).toEqual([{ ...opaFew, tool: "polaris" }]);
    });

    it("names a content-hashed Job by its stable prefix, and no other object", () => {
        expect(objectId("Job", "med-agi", "search-lifecycle-f711025d5f")).toBe("Job/med-agi/search-lifecycle-<hash>");
        expect(objectId("ConfigMap", "med-agi", "search-lifecycle-f711025d5f")).toBe("ConfigMap/med-agi/search-lifecycle-f711025d5f");
        expect(objectId("ClusterRole", null, "med-agi-reader")).toBe("ClusterRole/med-agi-reader");
    });
});

/** The linters' own ignore and exemption annotations on `docs` (object, pod template or job's pod template). */
function ignoreAnnotations(docs: readonly Record<string, any>[]): string[] {
    const carried: string[] = [];
    for (const o of docs) {
        const annotated = [
            o.metadata?.annotations,
            o.spec?.template?.metadata?.annotations,
            o.spec?.jobTemplate?.spec?.template?.metadata?.annotations,
        ];
        for (const annotations of annotated) {
            for (const key of Object.keys(annotations ?? {})) {
                if (/^(kube-score\/|ignore-check\.kube-linter\.io\/|polaris\.fairwinds\.com\/)/.test(key)) {
                    carried.push(`${objectId(o.kind, o.metadata?.namespace, o.metadata?.name)}: ${key}`);
                }
            }
        }
    }
    return carried;
}

/**
 * Plants a defect in one object of dev's kubernetes.yaml and returns the
 * judgement of `tool` over the whole planted file: what the gate would report.
 */
function planted(tool: Linter, kind: string, name: string, plant: (o: Record<string, any>) => void): string[] {
    const docs = structuredClone(objects.get("dev")!);
    const target = docs.filter((o) => o.kind === kind && o.metadata?.name === name);
    expect(target).toHaveLength(1);
    plant(target[0]!);
    const file = path.join(scratch, `planted-${tool}.yaml`);
    fs.writeFileSync(file, manifestsYaml(docs));
    return judgementProblems("dev", judge(tool, "dev", runLinter(tool, file), exceptions));
}

describe("a planted defect", () => {
    it("kube-linter: a privileged imaging container fails, naming the tool, the check and the object", () => {
        const problems = planted("kube-linter", "Deployment", "imaging", (o) => {
            o.spec.template.spec.containers[0].securityContext.privileged = true;
        });
        expect(problems).toContainEqual(
            expect.stringMatching(/^dev: new finding kube-linter privileged-container Deployment\/med-agi\/imaging: /),
        );
    });

    it("kube-score: an imaging container without resource limits fails, naming the tool, the check and the object", () => {
        const problems = planted("kube-score", "Deployment", "imaging", (o) => {
            delete o.spec.template.spec.containers[0].resources.limits;
        });
        expect(problems).toContainEqual(
            expect.stringMatching(/^dev: new finding kube-score container-resources Deployment\/med-agi\/imaging: /),
        );
    });

    it("polaris: an imaging pod on the host network fails, naming the tool, the check and the object", () => {
        const problems = planted("polaris", "Deployment", "imaging", (o) => {
            o.spec.template.spec.hostNetwork = true;
        });
        expect(problems).toContainEqual(expect.stringMatching(/^dev: new finding polaris hostNetworkSet Deployment\/med-agi\/imaging: /));
    });

    it("the key that names a finding is tool, check and object", () => {
        expect(findingKey({ tool: "polaris", check: "hostPathSet", object: "DaemonSet/med-agi-node/med-agi-logrotate" })).toBe(
            "polaris hostPathSet DaemonSet/med-agi-node/med-agi-logrotate",
        );
    });
});
