/**
 * Pulumi entry point (`main: infra/` in Pulumi.yaml). The CLI calls the
 * exported function and publishes what it returns as stack outputs.
 */
import { main } from "./program";

export = main;
