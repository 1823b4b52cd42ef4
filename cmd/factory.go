package cmd

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/spf13/cobra"

	"github.com/spk-cli/spk/cmd/tui"
	"github.com/spk-cli/spk/config"
	"github.com/spk-cli/spk/internal/iostreams"
	"github.com/spk-cli/spk/provision"
)

// Factory builds what commands need, lazily, so `spk version` touches
// nothing. Tests fill it with fake streams and environment.
type Factory struct {
	IO *iostreams.IOStreams
	// LookupEnv reads the environment; tests replace it.
	LookupEnv func(string) (string, bool)
	// WorkDir is where ./spk.yaml is looked for ("" = current directory).
	WorkDir string
	// UserConfigDir overrides $XDG_CONFIG_HOME for config discovery.
	UserConfigDir string

	loaded *config.Loaded
}

// NewSystemFactory returns a Factory over the real process.
func NewSystemFactory() *Factory {
	return &Factory{IO: iostreams.System(), LookupEnv: os.LookupEnv}
}

func (f *Factory) lookupEnv(k string) (string, bool) {
	if f.LookupEnv == nil {
		return os.LookupEnv(k)
	}
	return f.LookupEnv(k)
}

// Config loads the configuration once, using the running command's flags.
// Ignored keys of a tutorial HOCON file are reported on stderr.
func (f *Factory) Config(cmd *cobra.Command) (*config.Loaded, error) {
	if f.loaded != nil {
		return f.loaded, nil
	}
	file, _ := cmd.Flags().GetString("config")
	loaded, err := config.Load(config.Options{
		File:          file,
		Flags:         cmd.Flags(),
		LookupEnv:     f.lookupEnv,
		WorkDir:       f.WorkDir,
		UserConfigDir: f.UserConfigDir,
	})
	if err != nil {
		return nil, err
	}
	f.loaded = loaded
	if cmd.CommandPath() != "spk config show" { // show lists them as data
		f.reportIgnored(loaded)
	}
	return loaded, nil
}

// reportIgnored tells the user which tutorial keys spk read but does not use.
func (f *Factory) reportIgnored(l *config.Loaded) {
	for _, ig := range l.Ignored {
		fmt.Fprintf(f.IO.ErrOut, "spk: note: %s: %s = %q is ignored: %s\n", l.File, ig.Key, ig.Value, ig.Reason)
	}
}

// Logger returns a logger on stderr at the configured level.
func (f *Factory) Logger(l *config.Loaded) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(l.LogLevel))
	return slog.New(slog.NewTextHandler(f.IO.ErrOut, &slog.HandlerOptions{Level: level}))
}

// Clients loads the configuration and builds the AWS clients for it.
func (f *Factory) Clients(c *cobra.Command) (*config.Loaded, *provision.Clients, error) {
	cfg, err := f.Config(c)
	if err != nil {
		return nil, nil, err
	}
	clients, err := provision.NewClients(c.Context(), cfg, f.lookupEnv)
	if err != nil {
		return nil, nil, err
	}
	return cfg, clients, nil
}

// connect builds the AWS clients and checks that a non-AWS endpoint
// answers. Commands call it after validating their arguments, so a bad
// name never costs a connection.
func (f *Factory) connect(c *cobra.Command) (*config.Loaded, *provision.Clients, error) {
	cfg, clients, err := f.Clients(c)
	if err != nil {
		return nil, nil, err
	}
	if err := clients.CheckReachable(c.Context()); err != nil {
		return nil, nil, err
	}
	return cfg, clients, nil
}

// stepPrinter prints task progress on stderr: plain lines, coloured on a
// terminal, or JSON lines when asked.
func (f *Factory) stepPrinter(asJSON bool) *tui.StepPrinter {
	return tui.NewStepPrinter(f.IO.ErrOut, f.IO.ColorEnabled(), asJSON)
}
