package cmd

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/spk-cli/spk/internal/version"
)

type versionOptions struct {
	output string
}

func newVersionCmd(f *Factory) *cobra.Command {
	opts := &versionOptions{}
	c := &cobra.Command{
		Use:   "version",
		Short: "Print spk's version, commit and build date",
		Example: `  spk version
  spk version -o json
  spk --version`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runVersion(f, opts)
		},
	}
	outputFlag(c, &opts.output, "text", "text", "json")
	return c
}

func runVersion(f *Factory, opts *versionOptions) error {
	info := version.Get()
	switch opts.output {
	case "text":
		_, err := fmt.Fprintln(f.IO.Out, info.String())
		return err
	case "json":
		enc := json.NewEncoder(f.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(info)
	}
	return nil
}
