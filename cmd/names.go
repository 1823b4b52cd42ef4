package cmd

import (
	"github.com/spk-cli/spk/config"
)

// nameArg applies an optional NAME argument to a config key, validating it
// as the key's own check does, before any call is made.
func nameArg(cfg *config.Loaded, key string, args []string) (string, error) {
	k, _ := config.KeyByName(key)
	if len(args) == 0 {
		return cfg.Values[key].(string), nil
	}
	if err := k.Check(args[0]); err != nil {
		return "", usagef("", "%s: %v", k.Name, err)
	}
	return args[0], nil
}
