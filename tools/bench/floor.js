"use strict";
/**
 * The benchmark's floor: the smallest Pulumi program (one resource) under
 * the SDK's mock runtime, run with plain `node` — what any Pulumi program
 * pays before it declares anything. Every figure of `npm run bench` is a
 * ratio to this, measured in the same loop.
 */
const pulumi = require("@pulumi/pulumi");

pulumi.runtime.setMocks(
    { newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }), call: (args) => args.inputs },
    "floor",
    "floor",
    false,
);

class Floor extends pulumi.ComponentResource {
    constructor() {
        super("med-agi:bench:Floor", "floor", {}, {});
        this.registerOutputs({});
    }
}

new Floor();
