package cmd

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/spk-cli/spk/config"
	"github.com/spk-cli/spk/internal/termsafe"
	"github.com/spk-cli/spk/provision"
	"github.com/spk-cli/spk/provision/local"
	"github.com/spk-cli/spk/stream/view"
	"github.com/spk-cli/spk/templates"
)

func newConfigCmd(f *Factory) *cobra.Command {
	c := &cobra.Command{
		Use:   "config",
		Short: "Write a sample spk.yaml or show the effective configuration",
		Example: `  spk config init
  spk config show`,
	}
	c.AddCommand(newConfigInitCmd(f), newConfigShowCmd(f))
	return c
}

type configInitOptions struct {
	path  string
	force bool
}

func newConfigInitCmd(f *Factory) *cobra.Command {
	opts := &configInitOptions{}
	c := &cobra.Command{
		Use:   "init [PATH]",
		Short: "Write the documented sample spk.yaml (default ./spk.yaml)",
		Long: `Write the documented sample spk.yaml, with every key and its default.
It never replaces an existing file unless --force is given. The sample is
YAML: a path spk would read as HOCON (.conf, .hocon) is refused.`,
		Example: `  # Write ./spk.yaml, then edit it
  spk config init

  # Write it elsewhere, replacing what is there
  spk config init conf/spk.yaml --force`,
		Args: optionalArg("the PATH to write"),
		RunE: func(c *cobra.Command, args []string) error {
			opts.path = "spk.yaml"
			if f.WorkDir != "" {
				opts.path = filepath.Join(f.WorkDir, "spk.yaml")
			}
			if len(args) == 1 {
				opts.path = args[0]
			}
			return runConfigInit(f, opts)
		},
	}
	c.Flags().BoolVar(&opts.force, "force", false, "replace the file if it exists")
	return c
}

func runConfigInit(f *Factory, opts *configInitOptions) error {
	// The sample is YAML: written where spk reads HOCON, it could not be read.
	if config.DetectFormat(opts.path, templates.SpkYAML) == config.HOCON {
		yamlPath := strings.TrimSuffix(opts.path, filepath.Ext(opts.path)) + ".yaml"
		return usagef("", "config init: %s would be read as HOCON, for its name, but spk config init writes YAML: give it a .yaml path, such as %s", opts.path, yamlPath)
	}
	if st, err := os.Stat(opts.path); err == nil {
		if st.IsDir() {
			return usagef("give a file path, e.g. "+filepath.Join(opts.path, "spk.yaml"), "config init: %s is a directory", opts.path)
		}
		if !opts.force {
			return usagef("keep it, choose another path, or replace it with --force", "config init: %s already exists", opts.path)
		}
	}
	// A path that cannot be written is the user's to change (exit 2), and
	// the directories made for it are removed again.
	cannotWrite := func(err error) error {
		return usagef("", "config init: cannot write %s: %s; give a path in a directory you can write", opts.path, pathErrText(err))
	}
	made, err := makeDirs(filepath.Dir(opts.path), 0o755)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return usagef("", "config init: cannot write %s: cannot create the directory %s: %s; give a path in a directory you can write", opts.path, pe.Path, pe.Err)
		}
		return cannotWrite(err)
	}
	written := false
	defer func() {
		if !written {
			removeDirs(made)
		}
	}()
	// Write to a temporary file and rename, so an interrupted write never
	// leaves half a configuration behind.
	tmp, err := os.CreateTemp(filepath.Dir(opts.path), ".spk.yaml-*")
	if err != nil {
		return cannotWrite(err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(templates.SpkYAML); err != nil {
		tmp.Close()
		return fmt.Errorf("config init: write %s: %w", opts.path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("config init: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("config init: write %s: %w", opts.path, err)
	}
	if err := os.Rename(tmp.Name(), opts.path); err != nil {
		return cannotWrite(err)
	}
	written = true
	fmt.Fprintf(f.IO.ErrOut, "Wrote %s. Edit it, then check the result with: spk config show --config %s\n", opts.path, opts.path)
	return nil
}

type configShowOptions struct {
	output string
}

func newConfigShowCmd(f *Factory) *cobra.Command {
	opts := &configShowOptions{}
	c := &cobra.Command{
		Use:   "show",
		Short: "Print the effective configuration and where each value came from",
		Long: `Print the effective configuration: every key, its value, and where the
value came from (flag, env, file or default). Precedence, highest first:
flags, environment variables, the configuration file, defaults.`,
		Example: `  spk config show
  spk config show -o yaml

  # What a flag changes, as JSON
  spk config show --stream clicks -o json

  # The tutorial's own file
  spk config show --config config.hocon.sample`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			loaded, err := f.Config(c)
			if err != nil {
				return err
			}
			return writeConfigShow(f.IO.Out, loaded, provision.ProfileSettingsOf(c.Context(), loaded, f.lookupEnv), opts.output)
		},
	}
	outputFlag(c, &opts.output, "table", "table", "json", "yaml")
	return c
}

// shownKey is one key as `spk config show` reports it.
type shownKey struct {
	Value  any    `json:"value" yaml:"value"`
	Source string `json:"source" yaml:"source"`
	From   string `json:"from,omitempty" yaml:"from,omitempty"`
}

type shownConfig struct {
	File   string              `json:"file" yaml:"file"`
	Format string              `json:"format,omitempty" yaml:"format,omitempty"`
	Target string              `json:"target" yaml:"target"`
	Keys   map[string]shownKey `json:"keys" yaml:"keys"`
	// Views are spk.yaml's views: list; with one, the run.* keys that
	// define the run's one view (group_by, metrics, window, slide, where)
	// are not used.
	Views []shownView `json:"views,omitempty" yaml:"views,omitempty"`
	// ViewsError is why the views do not compile; spk run refuses them.
	ViewsError string           `json:"views_error,omitempty" yaml:"views_error,omitempty"`
	Ignored    []config.Ignored `json:"ignored,omitempty" yaml:"ignored,omitempty"`
}

// shownView is a view of spk.yaml as config show reports it.
type shownView struct {
	Name    string   `json:"name" yaml:"name"`
	Table   string   `json:"table" yaml:"table"`
	Where   string   `json:"where,omitempty" yaml:"where,omitempty"`
	GroupBy []string `json:"group_by,omitempty" yaml:"group_by,omitempty"`
	Window  string   `json:"window" yaml:"window"`
	Metrics []string `json:"metrics" yaml:"metrics"`
}

func describeTarget(l *config.Loaded, ps provision.ProfileSettings) string {
	switch {
	case ps.Endpoint != "":
		return fmt.Sprintf("endpoint %s (profile %s's endpoint_url)", ps.Endpoint, l.AWS.Profile)
	case l.UsesAWS():
		region := l.AWS.Region
		if ps.Region != "" {
			region = ps.Region
		}
		return fmt.Sprintf("AWS (profile %s, region %s)", l.AWS.Profile, region)
	}
	return "endpoint " + l.AWS.EndpointURL
}

func writeConfigShow(w io.Writer, l *config.Loaded, ps provision.ProfileSettings, output string) error {
	profileEndpoint := ps.Endpoint
	shown := shownConfig{File: l.File, Format: string(l.Format), Target: describeTarget(l, ps), Keys: map[string]shownKey{}, Ignored: l.Ignored}
	for _, k := range config.Keys {
		src := l.Sources[k.Name]
		v := l.Values[k.Name]
		if k.Kind == config.Duration {
			v = config.Display(v)
		}
		if k.Name == "local.data_dir" && v == "" {
			v = local.DefaultDataDir() // what "" means: where spk local keeps its data
		}
		sk := shownKey{Value: v, Source: string(src.Kind), From: src.Detail}
		if k.Name == "aws.region" && ps.Region != "" {
			// The default gives way to the profile's region, as it does
			// in the commands.
			sk.Value, sk.Source, sk.From = ps.Region, "profile", l.AWS.Profile+"'s region"
		}
		switch {
		case k.Name != "aws.endpoint_url" || !l.UsesAWS():
		case profileEndpoint != "":
			sk.Value, sk.Source, sk.From = profileEndpoint, "profile", l.AWS.Profile+"'s endpoint_url"
		default:
			sk.Value, sk.From = "", "AWS's own endpoints, because a profile is set"
		}
		shown.Keys[k.Name] = sk
	}
	tables := map[string]string{} // as spk run names them, when the views compile
	if compiled, err := view.CompileAll(l.Views, l.Table.Name); err == nil {
		for _, v := range compiled {
			tables[v.Name()] = v.Table(l.Table.Name)
		}
	} else if len(l.Views) > 0 {
		shown.ViewsError = err.Error()
	}
	for _, d := range l.Views {
		window := config.Display(d.Window.Size)
		if d.Window.Sliding() {
			window += " sliding every " + config.Display(d.Window.Slide)
		}
		table := tables[d.Name]
		if table == "" {
			table = d.Table
		}
		shown.Views = append(shown.Views, shownView{Name: d.Name, Table: table, Where: d.Where, GroupBy: d.GroupBy, Window: window, Metrics: d.Metrics})
	}
	switch output {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(shown)
	case "yaml":
		enc := yaml.NewEncoder(w)
		enc.SetIndent(2)
		if err := enc.Encode(shown); err != nil {
			return err
		}
		return enc.Close()
	}
	file := l.File
	if file == "" {
		file = "(none)"
	} else {
		file += " (" + string(l.Format) + ")"
	}
	fmt.Fprintf(w, "Configuration file: %s\nTarget: %s\n\n", termsafe.Escape(file), termsafe.Escape(shown.Target))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY\tVALUE\tSOURCE")
	for _, k := range config.Keys {
		sk := shown.Keys[k.Name]
		src := sk.Source
		if sk.From != "" {
			src += " " + sk.From
		}
		val := termsafe.Escape(fmt.Sprint(sk.Value)) // a tab or a newline would break the table
		if val == "" {
			val = `""`
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", k.Name, val, termsafe.Escape(src))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(shown.Views) > 0 {
		fmt.Fprintf(w, "\nViews (%s; run.group_by, run.metrics, run.window, run.slide and run.where are not used):\n", termsafe.Escape(l.File))
		vw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(vw, "  NAME\tTABLE\tGROUP BY\tWINDOW\tMETRICS\tWHERE")
		for _, v := range shown.Views {
			fmt.Fprintf(vw, "  %s\t%s\t%s\t%s\t%s\t%s\n", termsafe.Escape(v.Name), termsafe.Escape(v.Table), termsafe.Escape(strings.Join(v.GroupBy, ", ")), v.Window,
				termsafe.Escape(strings.Join(v.Metrics, ", ")), termsafe.Escape(v.Where))
		}
		if err := vw.Flush(); err != nil {
			return err
		}
		if shown.ViewsError != "" {
			fmt.Fprintf(w, "  These views do not compile, and spk run refuses them: %s\n", termsafe.Escape(shown.ViewsError))
		}
	}
	if len(l.Ignored) > 0 {
		fmt.Fprintln(w, "\nIgnored keys:")
		for _, ig := range l.Ignored {
			fmt.Fprintf(w, "  %s = %q: %s\n", ig.Key, ig.Value, ig.Reason)
		}
	}
	return nil
}
