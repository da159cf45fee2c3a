#!/usr/bin/env node
// npm bin entry: registers tsx so the TypeScript CLI runs without a build step.
require("tsx/cjs");
require("./main.ts");
