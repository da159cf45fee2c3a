import { z } from "zod";

/**
 * The load `fabric bench` drives: synthetic prompts (deterministic by seed) of about `inputTokens`
 * tokens asking for exactly `outputTokens`, `requests` of them per concurrency level after `warmup`
 * requests that are not measured, each level stopped after `maxSeconds`.
 */
export const BenchProfile = z
  .strictObject({
    /** Prompt length in tokens (approximate: one short word per token). */
    inputTokens: z.number().int().positive().max(131072).default(128).describe("Prompt length in tokens (approximate: one short word per token)."),
    /** Completion length asked for (max_tokens). */
    outputTokens: z.number().int().min(2).max(32768).default(64).describe("Completion tokens asked for (max_tokens); at least 2 so TPOT is defined."),
    /** Measured requests per concurrency level. */
    requests: z.number().int().positive().max(100000).default(32).describe("Measured requests per concurrency level."),
    /** Requests sent first and not measured (engine warm-up). */
    warmup: z.number().int().nonnegative().max(1000).default(2).describe("Requests sent first and left out of the figures (warm-up)."),
    /** A level stops sending after this many seconds. */
    maxSeconds: z.number().positive().max(86400).default(120).describe("A concurrency level stops sending new requests after this many seconds."),
    /** Seed of the synthetic prompts. */
    seed: z.number().int().nonnegative().default(0).describe("Seed of the synthetic prompts: the same seed sends the same prompts."),
  })
  .describe("The load a benchmark drives: prompt and completion lengths, requests per level, warm-up, time bound, seed.");
export type BenchProfile = z.infer<typeof BenchProfile>;

/**
 * A recipe's service-level objective. After each rollout wave the engines of the wave that run a
 * recipe with an SLO are benchmarked directly (the profile, at `atConcurrency`); the `up` fails before
 * the next wave when a figure misses. Metric definitions: README "Benchmark and tune".
 */
export const RecipeSlo = z
  .strictObject({
    /** 95th percentile of time to first token, ms. */
    ttftP95Ms: z.number().positive().optional().describe("Highest acceptable 95th percentile of time to first token, ms."),
    /** Lowest acceptable aggregate output tokens/s at `atConcurrency`. */
    minOutputTokensPerSecond: z.number().positive().optional().describe("Lowest acceptable output tokens per second (all sequences together) at atConcurrency."),
    /** Concurrent requests the SLO is measured at. */
    atConcurrency: z.number().int().positive().max(1024).default(1).describe("Concurrent requests the SLO is measured at."),
    /** Highest acceptable share of failed requests, 0-1. */
    maxErrorRate: z.number().min(0).max(1).default(0).describe("Highest acceptable share of failed requests (0-1)."),
    /** The load of the measurement. */
    profile: BenchProfile.default(BenchProfile.parse({})),
  })
  .describe("Service-level objective checked by a benchmark after each rollout wave; a miss fails the up before the next wave.");
export type RecipeSlo = z.infer<typeof RecipeSlo>;
