// The old path of ./localGateway.ts, kept only because bench/ (run.mjs, lib/config.mjs,
// lib/seed.mjs) still imports it; delete this file once those three imports name the .ts.
export * from "./localGateway.ts";
