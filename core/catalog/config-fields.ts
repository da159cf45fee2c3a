/** Reading numbers out of a Hugging Face config.json, whatever the model family calls them. */

/** A config.json object: the model's own keys, or its `text_config` merged over the root. */
export type ConfigFields = Readonly<Record<string, unknown>>;

/** Older or non-Llama spellings of the same numbers (GPT-2 style, nomic_bert, Falcon). */
export const ALIASES: Readonly<Record<string, readonly string[]>> = {
  num_hidden_layers: ["n_layer", "num_layers", "n_layers"],
  hidden_size: ["n_embd", "d_model"],
  num_attention_heads: ["n_head", "num_heads"],
  num_key_value_heads: ["num_kv_heads", "n_head_kv"],
  intermediate_size: ["n_inner", "ffn_hidden_size", "ffn_dim"],
  max_position_embeddings: ["n_positions", "max_seq_len", "seq_length"],
};

/** Reads a config field by its Llama name or an alias; numbers only. */
export function numberField(c: ConfigFields, key: string): number | undefined {
  for (const name of [key, ...(ALIASES[key] ?? [])]) {
    const v = c[name];
    if (typeof v === "number" && Number.isFinite(v)) return v;
  }
  return undefined;
}
