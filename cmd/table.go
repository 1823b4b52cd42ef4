package cmd

import (
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/spk-cli/spk/config"
	"github.com/spk-cli/spk/provision"
	"github.com/spk-cli/spk/stream/sink"
	"github.com/spk-cli/spk/tasks"
)

type createTableOptions struct {
	provisioned string
	output      string
}

func newCreateTableCmd(f *Factory) *cobra.Command {
	opts := &createTableOptions{}
	c := &cobra.Command{
		Use:   "create-table [NAME]",
		Short: "Create the DynamoDB aggregate table and wait until it is ACTIVE (tutorial step 4)",
		Long: `Create the aggregate table (default: the configured table.name, my-table)
with hash key BucketStart (S) and range key EventType (S), on-demand unless
--provisioned READ,WRITE is given (the tutorial used 20,20), and wait until it
is ACTIVE. Running it again is safe when the table has that key schema; a
table of that name with other keys is an error that names the difference.`,
		Example: `  # my-table, on-demand
  spk create-table

  # Provisioned at 20 reads and 20 writes, as the tutorial; the result as JSON
  spk create-table counts --provisioned 20,20 -o json`,
		Args: optionalArg("a table NAME"),
		RunE: func(c *cobra.Command, args []string) error {
			capacity, err := parseCapacity(opts.provisioned)
			if err != nil {
				return err
			}
			cfg, name, clients, err := connectNamed(f, c, "table.name", args)
			if err != nil {
				return err
			}
			// The table is tagged with its stream only when one was named
			// (--stream, SPK_STREAM_NAME, the file): the default would tag a
			// table meant for a stream named only on create-stream.
			stream := ""
			if cfg.Sources["stream.name"].Kind != config.FromDefault {
				stream = cfg.Stream.Name
			}
			spec := sink.TableSpec(name, cfg.App, stream, capacity)
			notes, err := runSteps(c, f, tasks.CreateTable(clients, spec))
			if err != nil || opts.output != "json" {
				return err
			}
			note := notes[tasks.StepTable]
			return writeJSON(f, resourceResult{Table: name, Status: "ACTIVE", Created: note == createdNote, Detail: note})
		},
	}
	outputFlag(c, &opts.output, "text", "text", "json")
	c.Flags().StringVar(&opts.provisioned, "provisioned", "", "provisioned capacity READ,WRITE (e.g. 20,20) instead of on-demand")
	return c
}

func parseCapacity(s string) (*provision.Capacity, error) {
	if s == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	if len(parts) == 2 {
		r, err1 := strconv.ParseInt(strings.TrimSpace(parts[0]), 10, 64)
		w, err2 := strconv.ParseInt(strings.TrimSpace(parts[1]), 10, 64)
		if err1 == nil && err2 == nil && r > 0 && w > 0 {
			return &provision.Capacity{Read: r, Write: w}, nil
		}
	}
	return nil, usagef("give two positive numbers, e.g. --provisioned 20,20", "create-table: --provisioned %q is not READ,WRITE", s)
}
