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
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runVersion(f, opts)
		},
	}
	c.Flags().StringVarP(&opts.output, "output", "o", "text", "output format: text or json")
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
	return usagef("use --output text or --output json", "version: unknown output format %q", opts.output)
}
