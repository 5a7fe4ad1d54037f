const t0 = performance.now();
require("@pulumi/pulumi"); const t1 = performance.now();
require("@pulumi/kubernetes"); require("@pulumi/aws"); const t2 = performance.now();
require("./infra/program"); const t3 = performance.now();
const rs = require("./tools/lib/render-stack"); const t4 = performance.now();
rs.renderStack(process.cwd(), "prod", "/tmp/o2").then(() => { const t5 = performance.now();
console.log({ boot: t0, pulumi: t1-t0, k8saws: t2-t1, program: t3-t2, renderlib: t4-t3, render: t5-t4, uptime: process.uptime()*1000 }); });
