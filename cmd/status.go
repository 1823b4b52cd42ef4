package cmd

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/spk-cli/spk/provision"
)

type statusOptions struct {
	output string
}

func newStatusCmd(f *Factory) *cobra.Command {
	opts := &statusOptions{}
	c := &cobra.Command{
		Use:   "status",
		Short: "Show the endpoint, stream, aggregate table and lease table of the app",
		Long: `Show every resource of the configured app: whether the endpoint answers,
the stream (status, shards, retention), the aggregate table (status, items)
and the lease table (each shard's lease, owner and checkpoint). A resource
that does not exist is shown as missing.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if opts.output != "table" && opts.output != "json" {
				return usagef("use --output table or --output json", "status: unknown output format %q", opts.output)
			}
			cfg, clients, err := f.Clients(c)
			if err != nil {
				return err
			}
			st := provision.GetStatus(c.Context(), clients, cfg.Stream.Name, cfg.Table.Name, cfg.App)
			if opts.output == "json" {
				enc := json.NewEncoder(f.IO.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(st)
			}
			writeStatus(f, st)
			return nil
		},
	}
	c.Flags().StringVarP(&opts.output, "output", "o", "table", "output format: table or json")
	return c
}

func writeStatus(f *Factory, st provision.Status) {
	w := f.IO.Out
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RESOURCE\tNAME\tSTATE\tDETAIL")
	ep := "unreachable"
	detail := st.Endpoint.Error
	if st.Endpoint.Reachable {
		ep, detail = "reachable", fmt.Sprintf("%.1f ms", st.Endpoint.LatencyMS)
	}
	fmt.Fprintf(tw, "endpoint\t%s\t%s\t%s\n", st.Endpoint.URL, ep, detail)
	s := st.Stream
	fmt.Fprintf(tw, "stream\t%s\t%s\t%s\n", s.Name, state(s.Exists, s.Status, s.Error), ifExists(s.Exists, fmt.Sprintf("%d open shards, %s, %dh retention", s.OpenShards, s.Mode, s.RetentionHours)))
	t := st.Table
	fmt.Fprintf(tw, "aggregate table\t%s\t%s\t%s\n", t.Name, state(t.Exists, t.Status, t.Error), ifExists(t.Exists, fmt.Sprintf("%d items, %s", t.ItemCount, t.Billing)))
	l := st.LeaseTable
	fmt.Fprintf(tw, "lease table\t%s\t%s\t%s\n", l.Name, state(l.Exists, l.Status, l.Error), ifExists(l.Exists, fmt.Sprintf("%d leases", len(l.Leases))))
	tw.Flush()
	if len(l.Leases) > 0 {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SHARD\tOWNER\tCOUNTER\tCHECKPOINT")
		for _, ls := range l.Leases {
			owner := ls.Owner
			if owner == "" {
				owner = "(free)"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", ls.Key, owner, ls.Counter, ls.Checkpoint)
		}
		tw.Flush()
	}
}

func state(exists bool, status, errText string) string {
	switch {
	case errText != "":
		return "error: " + errText
	case !exists:
		return "missing"
	}
	return status
}

func ifExists(exists bool, s string) string {
	if !exists {
		return "-"
	}
	return s
}
