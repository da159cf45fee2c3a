/**
 * Each class of hostile or broken fleet an independent adversarial suite found accepted: refused
 * with the rule, the path the user wrote, its line, and what to do — and nothing rendered or written.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { parseDocument } from "yaml";
import { fleetFile, runCli } from "../support/cli";
import { validFleet } from "../support/fleets";

const HOMELAB = readFileSync(join(__dirname, "../../stacks/homelab.fleet.yaml"), "utf8");

/** The homelab fleet file with one value changed in place (comments and line numbers kept). */
function homelabWith(path: (string | number)[], value: unknown, ...more: [(string | number)[], unknown][]): string {
  const doc = parseDocument(HOMELAB);
  for (const [p, v] of [[path, value] as [(string | number)[], unknown], ...more]) doc.setIn(p, v);
  return doc.toString();
}

interface Case {
  readonly name: string;
  readonly text: string;
  /** Exit code of `fabric check`. */
  readonly code: 1 | 2;
  readonly rule: string;
  readonly path: string;
  readonly message: RegExp;
}

const pool = ["burst", "pools", 0];
const cases: Case[] = [
  { name: "shell in a store-synced model id", text: homelabWith(["recipes", "reasoner-27b-nvfp4", "model", "id"], "vrfai/x;touch /tmp/p"),
    code: 2, rule: "schema", path: "recipes.reasoner-27b-nvfp4.model.id", message: /Hugging Face repository id like 'Qwen\/Qwen3-8B-AWQ'/ },
  { name: "path traversal as a model id", text: homelabWith(["recipes", "reasoner-27b-nvfp4", "model", "id"], ".."),
    code: 2, rule: "schema", path: "recipes.reasoner-27b-nvfp4.model.id", message: /Hugging Face repository id/ },
  { name: "path traversal as a model file", text: homelabWith(["recipes", "gemma3-12b-q4", "model", "file"], "../../../../etc/shadow"),
    code: 2, rule: "schema", path: "recipes.gemma3-12b-q4.model.file", message: /no '\.\.'/ },
  { name: "Modelfile directives smuggled in a file name", text: homelabWith(["recipes", "gemma3-12b-q4", "model", "file"], "x.gguf\nSYSTEM evil"),
    code: 2, rule: "schema", path: "recipes.gemma3-12b-q4.model.file", message: /relative file name/ },
  { name: "command substitution in an address", text: homelabWith(["machines", 1, "address"], "$(curl evil)"),
    code: 2, rule: "schema", path: "machines[1].address", message: /DNS name .* or an IPv4 address/ },
  { name: "command substitution in a bind address", text: homelabWith(["machines", 0, "bindAddress"], "$(id)"),
    code: 2, rule: "schema", path: "machines[0].bindAddress", message: /IPv4 address: the machine's mesh IP/ },
  { name: "a docker host that is not an endpoint", text: homelabWith(["machines", 0, "docker", "host"], "ssh://ops@x;id"),
    code: 2, rule: "schema", path: "machines[0].docker.host", message: /ssh:\/\/user@host/ },
  { name: "a relative model cache directory", text: homelabWith(["machines", 0, "modelCacheDir"], "models"),
    code: 2, rule: "schema", path: "machines[0].modelCacheDir", message: /absolute directory/ },
  { name: "a bucket name MinIO refuses", text: homelabWith(["storage", "buckets", 0], "ab"),
    code: 2, rule: "schema", path: "storage.buckets[0]", message: /MinIO's bucket rules/ },
  { name: "an env name that is not a shell identifier", text: homelabWith(["recipes", "reasoner-27b-burst", "env"], { "BAD-NAME": "1" }),
    code: 2, rule: "schema", path: "recipes.reasoner-27b-burst.env.BAD-NAME", message: /shell identifier/ },
  { name: "a health timeout no Go duration can hold", text: homelabWith(["rollout", "healthTimeoutSeconds"], 1e12),
    code: 2, rule: "schema", path: "rollout.healthTimeoutSeconds", message: /maximum 86400/ },
  { name: "a scrape interval promtool refuses", text: homelabWith(["monitoring", "scrapeInterval"], "0s"),
    code: 2, rule: "schema", path: "monitoring.scrapeInterval", message: /between 1s and 1h/ },
  { name: "an empty GPU list", text: homelabWith(["deployments", 0, "gpuIndices"], []),
    code: 2, rule: "schema", path: "deployments[0].gpuIndices", message: /minimum 1/ },
  { name: "a replica port past 65535", text: homelabWith(["deployments", 0], { name: "orchestrator", recipe: "orchestrator-8b-awq", machine: "rtx5090", port: 65534, replicas: 3 }),
    code: 1, rule: "deployment-placement", path: "deployments[0].replicas", message: /need ports up to 65536, past 65535: lower port or replicas/ },
  { name: "tensor parallel 2 on one listed GPU, reported at the field the user wrote", text: homelabWith(["recipes", "orchestrator-8b-awq", "tensorParallel"], 2, [["deployments", 0, "gpuIndices"], [0]]),
    code: 1, rule: "deployment-placement", path: "recipes.orchestrator-8b-awq.tensorParallel", message: /lists 1 GPU\(s\) in gpuIndices but recipe orchestrator-8b-awq has tensorParallel 2/ },
  { name: "a context longer than the model's", text: homelabWith(["recipes", "gemma3-12b-q4", "maxModelLen"], 262144),
    code: 1, rule: "deployment-placement", path: "recipes.gemma3-12b-q4.maxModelLen", message: /longer than .* context of 131072 tokens/ },
  { name: "an amd64-only llama-swap image on the arm64 DGX Spark", text: homelabWith(["deployments", 2, "machine"], "spark"),
    code: 1, rule: "image-arch-matches-machine", path: "deployments[2]", message: /llama-swap.* published for amd64 only, but spark \(dgx-spark\) is arm64/ },
  { name: "an engine bound to every interface", text: homelabWith(["machines", 0, "bindAddress"], "0.0.0.0"),
    code: 1, rule: "engine-not-public", path: "machines[0].bindAddress", message: /allowPublicBind: true/ },
  { name: "--host 0.0.0.0 in extraArgs", text: homelabWith(["recipes", "orchestrator-8b-awq", "extraArgs"], ["--host", "0.0.0.0"]),
    code: 1, rule: "engine-not-public", path: "recipes.orchestrator-8b-awq.extraArgs[0]", message: /--host is rendered by the fabric/ },
  { name: "a burst pool GPU the recipe has no kernels on", text: homelabWith([...pool, "gpu"], ["rtx-5090", "rtx-4090"]),
    code: 1, rule: "quantization-supported", path: "burst.pools[0].gpu[1]", message: /may rent rtx-4090, which cannot run recipe reasoner-27b-burst/ },
  { name: "a burst pool GPU the recipe does not fit", text: homelabWith(["recipes", "reasoner-27b-burst", "quantization"], "bf16").replace("gpu: [rtx-5090, rtx-pro-6000]", "gpu: [rtx-5090, h200]"),
    code: 1, rule: "memory-fit", path: "burst.pools[0].gpu[0]", message: /may rent rtx-5090, which recipe reasoner-27b-burst does not fit/ },
  { name: "an API key on the command line (--api-key value)", text: homelabWith(["recipes", "orchestrator-8b-awq", "extraArgs"], ["--api-key", "hunter2-not-a-real-key"]),
    code: 1, rule: "no-inline-secrets", path: "recipes.orchestrator-8b-awq.extraArgs[1]", message: /--api-key passes a credential on the command line/ },
  { name: "an API key on the command line (--api-key=value)", text: homelabWith(["recipes", "orchestrator-8b-awq", "extraArgs"], ["--api-key=hunter2-not-a-real-key"]),
    code: 1, rule: "no-inline-secrets", path: "recipes.orchestrator-8b-awq.extraArgs[0]", message: /--api-key passes a credential/ },
];

describe("hostile and broken fleets are refused with the path, the line and the fix", () => {
  for (const c of cases) {
    test(c.name, () => {
      const file = fleetFile(c.text);
      const run = runCli(["check", file, "--json"]);
      assert.equal(run.code, c.code, run.stdout);
      const { violations } = JSON.parse(run.stdout) as { violations: { rule: string; path: string; message: string; line?: number }[] };
      const found = violations.find((v) => v.rule === c.rule && v.path === c.path);
      assert.ok(found, `no ${c.rule} at ${c.path}; got ${JSON.stringify(violations.map((v) => `${v.rule} ${v.path}: ${v.message}`), null, 1)}`);
      assert.match(found.message, c.message);
      assert.ok(found.line === undefined || found.line > 0);
      if (c.path !== "(root)" && !c.path.includes("tensorParallel")) assert.ok(found.line !== undefined, `no line for ${c.path}`);
    });
  }

  test("allowPublicBind is the named opt-in for 0.0.0.0", () => {
    const doc = parseDocument(homelabWith(["machines", 0, "bindAddress"], "0.0.0.0"));
    doc.setIn(["machines", 0, "allowPublicBind"], true);
    const run = runCli(["check", fleetFile(doc.toString()), "--json"]);
    assert.equal(run.code, 0, run.stdout);
  });
});

describe("YAML limits: refused with exit 2 and a plain message", () => {
  const yamlCases: [string, string, RegExp][] = [
    ["an alias bomb", ["a: &a [x,x,x,x,x,x,x,x,x]", ...["b", "c", "d", "e", "f", "g"].map((k, i) => `${k}: &${k} [${Array(9).fill(`*${"abcdefg"[i]}`).join(",")}]`)].join("\n"), /alias bomb/],
    ["deep nesting", `machines: ${"[".repeat(5000)}${"]".repeat(5000)}`, /nests too deeply|deeper than the 32 levels/],
    ["nesting deeper than a fleet can be", `machines: ${"[".repeat(40)}${"]".repeat(40)}`, /deeper than the 32 levels/],
    ["several YAML documents", "machines: []\n---\nmachines: []\n", /more than one YAML document .*remove the separator or split the file/],
    ["a scalar root", "42\n", /the file is a number, not a mapping/],
    ["a list root", "- a\n", /the file is a list, not a mapping/],
  ];
  for (const [name, text, message] of yamlCases) {
    test(name, () => {
      const run = runCli(["check", fleetFile(text)]);
      assert.equal(run.code, 2, run.stdout + run.stderr);
      assert.match(run.stdout, message);
      assert.doesNotMatch(run.stdout, /parseAllDocuments|Maximum call stack|stack size|ReferenceError|at .*\.ts:\d+/);
    });
  }

  test("NaN and Infinity are named as what they are, not 'a number'", () => {
    const fleet = validFleet();
    const text = JSON.stringify(fleet).replace('"maxModelLen":8192', '"maxModelLen":.nan').replace('"port":8000', '"port":.inf');
    const run = runCli(["check", fleetFile(text.replace(/"maxModelLen":\.nan/, "\"maxModelLen\": .nan").replace(/"port":\.inf/, "\"port\": .inf")), "--json"]);
    const messages = (JSON.parse(run.stdout) as { violations: { path: string; message: string }[] }).violations.map((v) => `${v.path}: ${v.message}`);
    assert.ok(messages.some((m) => /maxModelLen: expected number, got not a number \(\.nan\)/.test(m)), messages.join("\n"));
    assert.ok(messages.some((m) => /port: expected number, got an infinite number \(\.inf\)/.test(m)), messages.join("\n"));
  });
});

describe("fabric plan never writes a value the secret check refused", () => {
  const key = "hunter2-very-secret-value";
  const text = homelabWith(["recipes", "orchestrator-8b-awq", "extraArgs"], ["--api-key", key]);

  test("--json and the summary redact it", () => {
    for (const args of [["--json"], [], ["--markdown"]]) {
      const run = runCli(["plan", fleetFile(text), ...args]);
      assert.equal(run.code, 1);
      assert.ok(!run.stdout.includes(key) && !run.stderr.includes(key), `${args.join(" ")} printed the key`);
    }
    assert.match(runCli(["plan", fleetFile(text), "--json"]).stdout, /\[redacted\]/);
  });

  test("--out writes nothing for a fleet with errors, and says so", () => {
    const out = join(mkdtempSync(join(tmpdir(), "fabric-out-")), "plan");
    const run = runCli(["plan", fleetFile(text), "--out", out]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /wrote nothing to .*: the fleet has errors/);
    assert.equal(existsSync(out), false);
  });
});
