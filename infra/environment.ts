/** The environments a stack can be (DESIGN.md: dev, staging, prod). */
export const ENVIRONMENTS = ["dev", "staging", "prod"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];
