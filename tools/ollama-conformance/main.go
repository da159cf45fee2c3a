// Command ollama-conformance checks what inference-fabric renders for Ollama with Ollama's own code
// at the pinned version: environment names against envconfig.AsMap, the Modelfile through
// parser.ParseFile and its PARAMETERs through api.FormatParams (what `ollama create` runs).
// Reads [{"deployment","env","modelfile"}] as JSON on stdin; prints [{"deployment","errors"}].
// With --env-names it prints every name envconfig knows.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/ollama/ollama/api"
	"github.com/ollama/ollama/envconfig"
	"github.com/ollama/ollama/parser"
)

type item struct {
	Deployment string            `json:"deployment"`
	Env        map[string]string `json:"env"`
	Modelfile  string            `json:"modelfile"`
}

type result struct {
	Deployment string   `json:"deployment"`
	Errors     []string `json:"errors"`
}

func check(it item) []string {
	errs := []string{}
	known := envconfig.AsMap()
	for name := range it.Env {
		if _, ok := known[name]; strings.HasPrefix(name, "OLLAMA_") && !ok {
			errs = append(errs, fmt.Sprintf("env %s is not an Ollama setting (envconfig)", name))
		}
	}
	mf, err := parser.ParseFile(strings.NewReader(it.Modelfile))
	if err != nil {
		return append(errs, "Modelfile: "+err.Error())
	}
	params := map[string][]string{}
	for _, c := range mf.Commands {
		switch c.Name {
		case "model", "adapter", "template", "system", "license", "message", "renderer", "parser", "requires":
		default:
			params[c.Name] = append(params[c.Name], c.Args)
		}
	}
	if _, err := api.FormatParams(params); err != nil {
		errs = append(errs, "Modelfile PARAMETER: "+err.Error())
	}
	return errs
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "--env-names" {
		names := []string{}
		for name := range envconfig.AsMap() {
			names = append(names, name)
		}
		sort.Strings(names)
		_ = json.NewEncoder(os.Stdout).Encode(names)
		return
	}
	var items []item
	if err := json.NewDecoder(os.Stdin).Decode(&items); err != nil {
		fmt.Fprintln(os.Stderr, "ollama-conformance: stdin:", err)
		os.Exit(2)
	}
	out := make([]result, 0, len(items))
	for _, it := range items {
		out = append(out, result{it.Deployment, check(it)})
	}
	_ = json.NewEncoder(os.Stdout).Encode(out)
}
