package cmd

import (
	"github.com/spf13/cobra"

	"github.com/spk-cli/spk/config"
	"github.com/spk-cli/spk/provision"
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

// connectNamed is the start of a verb acting on one named stream or table:
// the configuration, the NAME argument checked (or the key's value), then
// clients for a reachable endpoint, in that order, so a bad name is told
// before anything is contacted.
func connectNamed(f *Factory, c *cobra.Command, key string, args []string) (*config.Loaded, string, *provision.Clients, error) {
	cfg, err := f.Config(c)
	if err != nil {
		return nil, "", nil, err
	}
	name, err := nameArg(cfg, key, args)
	if err != nil {
		return nil, "", nil, err
	}
	_, clients, err := f.connect(c)
	if err != nil {
		return nil, "", nil, err
	}
	return cfg, name, clients, nil
}
