import { z } from "zod";

/**
 * Grammars for fleet strings that reach a shell, a path, a URL, a Docker or MinIO name or an engine
 * flag. A fleet file arrives through pull requests: every such string is refused here unless it is
 * plainly what the field says, so no renderer ever has to guess what a hostile value would do.
 */

/** Any C0 control character or DEL: newlines, NUL, escape sequences. */
const CONTROL = /[\u0000-\u001f\u007f]/;

/** A plain string without control characters (a flag value, a LiteLLM model string). */
export const PlainText = z
  .string()
  .min(1)
  .refine((s) => !CONTROL.test(s), "must not contain control characters (newline, tab, NUL, escape): remove them")
  .describe("Text without control characters.");

const DNS_LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
const DNS_NAME = new RegExp(`^(?=.{1,253}$)${DNS_LABEL}(?:\\.${DNS_LABEL})*\\.?$`);
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

export function isIPv4(value: string): boolean {
  return IPV4.test(value);
}

/** How other machines reach this one: a DNS name (MagicDNS) or an IPv4 address. */
export const HostAddress = z
  .string()
  .refine((s) => DNS_NAME.test(s) || IPV4.test(s), "use a DNS name (spark.example.ts.net) or an IPv4 address (100.64.0.7, 127.0.0.1)")
  .describe("DNS name (MagicDNS, e.g. spark.example.ts.net) or IPv4 address.");

/** An IPv4 address a service binds to. */
export const BindAddress = z
  .string()
  .regex(IPV4, "use an IPv4 address: the machine's mesh IP (100.x.y.z) or 127.0.0.1")
  .describe("IPv4 address services bind to: the machine's mesh IP or 127.0.0.1. 0.0.0.0 needs allowPublicBind: true.");

/** A Docker engine endpoint: the local socket, `ssh://[user@]host[:port]` or `tcp://host:port`. */
export const DockerHost = z
  .string()
  .regex(
    new RegExp(`^(?:unix://(?:/[A-Za-z0-9._-]+)+|ssh://(?:[a-z_][a-z0-9_.-]{0,31}@)?(?:${DNS_LABEL}(?:\\.${DNS_LABEL})*|${IPV4.source.slice(1, -1)})(?::\\d{1,5})?|tcp://(?:${DNS_LABEL}(?:\\.${DNS_LABEL})*|${IPV4.source.slice(1, -1)}):\\d{1,5})$`),
    "use 'unix:///var/run/docker.sock', 'ssh://user@host' or 'tcp://host:2376'",
  )
  .describe("Docker host: 'unix:///var/run/docker.sock', 'ssh://user@host[:port]' or 'tcp://host:port'.");

const HF_PART = "[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?";

/** A Hugging Face repository id (`owner/name`), by huggingface_hub's validate_repo_id grammar. */
export const HfRepoId = z
  .string()
  .regex(new RegExp(`^(?:${HF_PART}/)?${HF_PART}$`), "use a Hugging Face repository id like 'Qwen/Qwen3-8B-AWQ' (letters, digits, '-', '_', '.')")
  .refine((s) => !s.includes("..") && !s.includes("--"), "'..' and '--' are not allowed in a Hugging Face repository id")
  .describe("Hugging Face repository id, e.g. 'Qwen/Qwen3-8B-AWQ'.");

/** A git revision: a commit sha, tag or branch name. */
export const Revision = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$/, "use a commit sha, tag or branch name (letters, digits, '.', '_', '-', '/')")
  .refine((s) => !s.includes("..") && !s.includes("//") && !s.endsWith("/") && !s.endsWith(".lock"), "not a valid git ref: no '..', '//', trailing '/' or '.lock'")
  .describe("Revision to pin: commit sha, tag or branch.");

/** A file inside a model repository: relative segments, no `..`, no control characters. */
export const RepoFile = z
  .string()
  .max(255)
  .regex(/^[A-Za-z0-9_][A-Za-z0-9._+-]*(?:\/[A-Za-z0-9_][A-Za-z0-9._+-]*)*$/, "use a relative file name like 'model-Q4_K_M.gguf' or 'Q4_K_M/model-00001-of-00002.gguf' (no '..', no leading '/')")
  .refine((s) => !s.split("/").includes(".."), "'..' is not allowed: name a file inside the repository")
  .describe("File inside the model repository, e.g. 'model-Q4_K_M.gguf'.");

/** A catalog id (hardware, model config): letters, digits, '.', '_', '-'. */
export const CatalogId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, "use a catalog id like 'rtx-5090' or 'llama-3.1-8b'")
  .describe("Catalog id.");

/** An environment variable name: a POSIX shell identifier. */
export const EnvName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, "use a shell identifier: letters, digits and '_', not starting with a digit")
  .describe("Environment variable name (a shell identifier).");

/** An environment variable value: anything but NUL (which no environment can carry). */
export const EnvValue = z
  .string()
  .refine((s) => !s.includes("\u0000"), "must not contain NUL: remove it")
  .describe("Environment variable value.");

/** An absolute host directory without `..`. */
export const AbsoluteDir = z
  .string()
  .regex(/^(?:\/[A-Za-z0-9._@+-]+)+\/?$|^\/$/, "use an absolute directory like '/srv/models' (letters, digits, '.', '_', '-', '@', '+')")
  .refine((s) => !s.split("/").includes(".."), "'..' is not allowed: give the directory itself")
  .describe("Absolute host directory, e.g. '/srv/models'.");

/** An S3/MinIO bucket name: 3-63 lower-case letters, digits, '.', '-'; not an IP address. */
export const BucketName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "use 3-63 lower case letters, digits, '.' or '-', starting and ending with a letter or digit (MinIO's bucket rules)")
  .refine((s) => !s.includes("..") && !s.includes(".-") && !s.includes("-.") && !IPV4.test(s) && !s.startsWith("xn--") && !s.endsWith("-s3alias"),
    "MinIO refuses this bucket name: no '..', '.-', '-.', IP addresses, 'xn--' prefix or '-s3alias' suffix")
  .describe("Bucket name (S3/MinIO rules).");

/** A container image reference (Docker's reference grammar), pinned by tag or digest. */
export const ImageRef = z
  .string()
  .max(255)
  .regex(
    /^(?:[A-Za-z0-9.-]+(?::\d{1,5})?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/,
    "use an image reference like 'vllm/vllm-openai:v0.26.0' or 'registry/name@sha256:<64 hex>'",
  )
  .describe("Container image, pinned by tag or digest, e.g. 'vllm/vllm-openai:v0.26.0'.");

/** An http(s) URL without credentials or control characters. */
export const HttpUrl = z
  .url({ protocol: /^https?$/, hostname: z.regexes.domain })
  .refine((s) => !CONTROL.test(s) && !/\/\/[^/]*@/.test(s), "use an http(s) URL without credentials or control characters")
  .describe("http(s) URL.");

/** A tailnet name: `example.ts.net`, an organisation domain, or `user@example.com` for personal tailnets. */
export const TailnetName = z
  .string()
  .regex(/^[A-Za-z0-9](?:[A-Za-z0-9._@-]{0,251}[A-Za-z0-9])?$/, "use the tailnet name, e.g. 'example.ts.net' or 'example.com'")
  .describe("Tailnet name, e.g. 'example.ts.net'.");

/** A Kubernetes object name that must be a DNS-1123 label (namespace, Service, node pool). */
export const KubeName = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, "use a DNS-1123 label: at most 63 lower case letters, digits and '-', starting and ending with a letter or digit")
  .describe("Kubernetes name (DNS-1123 label), e.g. 'inference'.");

const LABEL_NAME = "[A-Za-z0-9](?:[A-Za-z0-9._-]{0,61}[A-Za-z0-9])?";
const LOWER_DNS_LABEL = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?";

/** A Kubernetes label (or taint) key: an optional DNS-subdomain prefix and '/', then a name of ≤ 63 characters. */
export const LabelKey = z
  .string()
  .regex(new RegExp(`^(?:(?=[^/]{1,253}/)${LOWER_DNS_LABEL}(?:\\.${LOWER_DNS_LABEL})*/)?${LABEL_NAME}$`),
    "use a label key like 'nvidia.com/gpu.product' or 'pool': an optional DNS prefix and '/', then ≤ 63 letters, digits, '-', '_', '.'")
  .describe("Kubernetes label key, e.g. 'nvidia.com/gpu.product'.");

/** A Kubernetes label (or taint) value: empty, or ≤ 63 letters, digits, '-', '_', '.' starting and ending alphanumeric. */
export const LabelValue = z
  .string()
  .regex(new RegExp(`^(?:${LABEL_NAME})?$`), "use a label value: at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit")
  .describe("Kubernetes label value, e.g. 'NVIDIA-H100-80GB-HBM3'.");

/** A kubeconfig context name. */
export const KubeContext = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._@:/-]{0,252}$/, "use the context name from your kubeconfig, e.g. 'gpu-prod' or 'arn:aws:eks:eu-west-1:123:cluster/gpu' (letters, digits, '.', '_', '@', ':', '/', '-')")
  .describe("Context name in the kubeconfig, e.g. 'gpu-prod'.");
