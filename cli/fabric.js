#!/usr/bin/env node
// npm bin entry: registers tsx so the TypeScript CLI runs without a build step (works on Node 20+).
require("tsx/cjs");
const { main } = require("./main.ts");
const { processIo } = require("./io.ts");
void Promise.resolve(main(process.argv.slice(2), processIo)).then((code) => { process.exitCode = code; });
