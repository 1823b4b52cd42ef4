package cmd

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/spk-cli/spk/internal/errtext"
	"github.com/spk-cli/spk/internal/retry"
	"github.com/spk-cli/spk/provision"
)

type statusOptions struct {
	output string
}

func newStatusCmd(f *Factory) *cobra.Command {
	opts := &statusOptions{}
	c := &cobra.Command{
		Use:   "status",
		Short: "Show the app's endpoint, stream and tables (aggregate, views', lease)",
		Long: `Show every resource of the configured app: whether the endpoint answers,
the stream (status, shards, retention), the aggregate table (status, items),
each configured view's own table (and a built-in example's, where spk up
--example made it, and those of views since removed from spk.yaml, which
spk teardown deletes) and the lease table (each shard's lease, owner and
checkpoint). A resource that does not exist is shown as missing. The exit
status is 1 when the endpoint cannot be reached or a resource cannot be
read, and 2 when views in spk.yaml do not compile (as spk run refuses
them), since their tables could not be shown.`,
		Example: `  spk status
  spk status -o json
  spk status --app OtherApp --stream clicks`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			cfg, err := f.Config(c)
			if err != nil {
				return err
			}
			views, err := runViews("status", cfg)
			if err != nil {
				return err
			}
			_, clients, err := f.Clients(c)
			if err != nil {
				return err
			}
			viewTables := appViewTables(views, cfg.Table.Name)
			var st provision.Status
			// An endpoint that does not answer is told once, not once per
			// resource after the SDK's retries.
			reachErr := clients.CheckReachable(c.Context())
			if reachErr != nil {
				st = unreachableStatus(c.Context(), clients, cfg.Stream.Name, cfg.Table.Name, cfg.App, viewTables, reachErr)
			} else {
				st = provision.GetStatus(c.Context(), clients, cfg.Stream.Name, cfg.Table.Name, cfg.App, viewTables)
			}
			if opts.output == "json" {
				if err := writeJSON(f, st); err != nil {
					return err
				}
			} else {
				// The views all write tables of their own: no run writes,
				// or makes, the aggregate table.
				writeStatus(f, st, !writesAggregate(views, cfg.Table.Name))
			}
			if reachErr != nil {
				return reachErr
			}
			return statusError(st)
		},
	}
	outputFlag(c, &opts.output, "table", "table", "json")
	return c
}

// unreachableStatus is the status of an endpoint that does not answer: its
// resources are unknown, and an example's view tables, which may not
// exist, are left out.
func unreachableStatus(ctx context.Context, c *provision.Clients, stream, table, app string, views []provision.ViewTable, err error) provision.Status {
	why := errtext.Concise(err)
	var ue *errtext.UnreachableError
	if _, perr := provision.Ping(ctx, c.Target.KinesisEndpoint); errors.As(perr, &ue) {
		why = ue.Reason() // "connection refused", short enough for a cell
	}
	const unknown = "unknown: the endpoint is unreachable"
	st := provision.Status{
		Target:     c.Target,
		Endpoint:   provision.EndpointStatus{URL: c.Target.KinesisEndpoint, Error: why},
		Stream:     provision.StreamStatus{Name: stream, Error: unknown},
		Table:      provision.TableStatus{Name: table, Error: unknown},
		Views:      []provision.ViewStatus{},
		LeaseTable: provision.LeaseStatus{TableStatus: provision.TableStatus{Name: app, Error: unknown}, Leases: []provision.Lease{}},
	}
	for _, v := range views {
		if !v.IfPresent {
			st.Views = append(st.Views, provision.ViewStatus{View: v.View, TableStatus: provision.TableStatus{Name: v.Table, Error: unknown}})
		}
	}
	return st
}

// statusError is status's failure when AWS did not answer or a resource
// could not be read; missing resources are no failure.
func statusError(st provision.Status) error {
	if !st.Endpoint.Reachable {
		return &hinted{err: fmt.Errorf("status: cannot reach %s: %s", st.Endpoint.URL, st.Endpoint.Error), hint: "check the network and the profile; spk doctor says more"}
	}
	if st.Endpoint.Store != "" {
		return &hinted{err: fmt.Errorf("status: spk local at %s is %s", st.Endpoint.URL, st.Endpoint.Store), hint: "stop spk local and start it again (fix the disk first if it is full); the writes it acknowledged are kept"}
	}
	var unread []string
	resources := []struct{ kind, name, err string }{
		{"stream", st.Stream.Name, st.Stream.Error}, {"aggregate table", st.Table.Name, st.Table.Error},
	}
	for _, v := range st.Views {
		resources = append(resources, struct{ kind, name, err string }{"view table", v.Name, v.Error})
	}
	resources = append(resources, struct{ kind, name, err string }{"lease table", st.LeaseTable.Name, st.LeaseTable.Error})
	for _, r := range resources {
		if r.err != "" {
			unread = append(unread, r.kind+" "+r.name)
		}
	}
	if len(unread) > 0 {
		hint := "the table above says why; spk doctor checks the credentials and permissions"
		switch {
		case st.NotAnEndpoint:
			hint = retry.NotAnEndpointHint
		case st.NoAnswer && !st.Target.AWS:
			hint = provision.NoAnswerHint
		}
		return &hinted{err: fmt.Errorf("status: could not read the %s", strings.Join(unread, ", the ")), hint: hint}
	}
	return nil
}

// writeStatus prints st; unwritten says the views write no aggregate table.
func writeStatus(f *Factory, st provision.Status, unwritten bool) {
	w := f.IO.Out
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RESOURCE\tNAME\tSTATE\tDETAIL")
	ep := "unreachable"
	detail := st.Endpoint.Error
	if st.Endpoint.Reachable {
		ep, detail = "reachable", fmt.Sprintf("%.1f ms", st.Endpoint.LatencyMS)
	}
	if st.Endpoint.Store != "" {
		ep, detail = "refusing writes", st.Endpoint.Store
	}
	fmt.Fprintf(tw, "endpoint\t%s\t%s\t%s\n", st.Endpoint.URL, ep, detail)
	s := st.Stream
	fmt.Fprintf(tw, "stream\t%s\t%s\t%s\n", s.Name, state(s.Exists, s.Status, s.Error), ifExists(s.Exists, fmt.Sprintf("%d open shards, %s, %dh retention", s.OpenShards, s.Mode, s.RetentionHours)))
	t := st.Table
	tableDetail := ifExists(t.Exists, fmt.Sprintf("%d items, %s", t.ItemCount, t.Billing))
	if !t.Exists && t.Error == "" && unwritten {
		tableDetail = "not needed: the views write tables of their own"
	}
	fmt.Fprintf(tw, "aggregate table\t%s\t%s\t%s\n", t.Name, state(t.Exists, t.Status, t.Error), tableDetail)
	for _, v := range st.Views {
		detail := "view " + v.View
		switch {
		case v.Removed && v.View == "":
			detail = "a removed view's, by its name"
		case v.Removed:
			detail += " (removed from spk.yaml; spk teardown deletes this table)"
		}
		if v.Exists {
			detail += fmt.Sprintf(", %d items, %s", v.ItemCount, v.Billing)
		}
		fmt.Fprintf(tw, "view table\t%s\t%s\t%s\n", v.Name, state(v.Exists, v.Status, v.Error), detail)
	}
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
			checkpoint := ls.Checkpoint
			if ls.SubSequence != 0 {
				// Within a KPL aggregate, as the dashboard writes a position.
				checkpoint += "/" + strconv.FormatInt(ls.SubSequence, 10)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", ls.Key, owner, ls.Counter, checkpoint)
		}
		tw.Flush()
	}
}

func state(exists bool, status, errText string) string {
	switch {
	case strings.HasPrefix(errText, "unknown"):
		return errText
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
