package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/spk-cli/spk/cmd/tui"
	"github.com/spk-cli/spk/config"
	"github.com/spk-cli/spk/examples"
	"github.com/spk-cli/spk/internal/shellenv"
	"github.com/spk-cli/spk/provision"
	"github.com/spk-cli/spk/provision/local"
	"github.com/spk-cli/spk/stream/results"
	"github.com/spk-cli/spk/stream/view"
	"github.com/spk-cli/spk/tasks"
)

func summaryLine(s tasks.UpSummary) string {
	return fmt.Sprintf("%d events sent, %d counted, %d rejected; %s", s.Sent, s.Counted, s.Rejected, s.Tables())
}

// sameTarget is the flags that point another spk command where spk up
// pointed, as they were given (none: the defaults), each with a leading
// space; local is spk local's own (--addr, --data-dir).
func sameTarget(c *cobra.Command) (common, local string) {
	given := func(name string) (string, bool) {
		if fl := c.Flags().Lookup(name); fl != nil && fl.Changed {
			return fl.Value.String(), true
		}
		return "", false
	}
	for _, name := range []string{"config", "profile", "region", "endpoint-url", "app", "stream", "table"} {
		if v, ok := given(name); ok {
			common += " --" + name + " " + shellenv.Quote(v)
		}
	}
	if addr, ok := given("addr"); ok {
		local += " --addr " + shellenv.Quote(addr)
		if _, ok := given("endpoint-url"); !ok {
			// The other commands have no --addr: they reach it by URL.
			common += " --endpoint-url " + shellenv.Quote("http://"+addr)
		}
	}
	if dir, ok := given("data-dir"); ok {
		local += " --data-dir " + shellenv.Quote(dir)
	}
	return common, local
}

// views are the run's views spk show prints with --view (shownViews).
func writeUpSummary(f *Factory, c *cobra.Command, s tasks.UpSummary, opts *upOptions, views []*view.View, logPath string, up *tasks.Up, endpoint local.Options) {
	common, localFlags := sameTarget(c)
	if opts.output == "json" {
		b, _ := json.Marshal(struct {
			Type string `json:"type"`
			tasks.UpSummary
		}{"result", s})
		fmt.Fprintln(f.IO.Out, string(b))
		return
	}
	w := f.IO.ErrOut
	if s.TableWritten && s.TableCounts && s.TableError == "" {
		fmt.Fprintf(w, "\nspk up: %s (total count %d).\n", summaryLine(s), s.Total)
	} else {
		fmt.Fprintf(w, "\nspk up: %s.\n", summaryLine(s))
	}
	if !s.CaughtUp && s.Sent > 0 && !s.CheckpointsLost { // else the error says what was lost
		fmt.Fprintln(w, "The consumer had not counted everything when it stopped; spk run picks up from its checkpoints.")
	}
	if opts.teardown {
		return
	}
	if !s.SetUp {
		// Stopped during set-up (a table of another stream refused, say):
		// nothing to show, and a teardown could delete what is not this
		// run's; what this run made is named, one deletion each.
		if len(s.Created) > 0 {
			billed := ""
			if up.OnAWS() {
				billed = ", which AWS bills while they exist"
			}
			fmt.Fprintf(w, "\nThis run created%s:\n", billed)
			for _, r := range s.Created {
				// spk's own flags go before the service name.
				del := "spk aws" + common + " dynamodb delete-table --table-name " + shellenv.Quote(r.Name)
				if r.Kind == "stream" {
					del = "spk aws" + common + " kinesis delete-stream --enforce-consumer-deletion --stream-name " + shellenv.Quote(r.Name)
				}
				fmt.Fprintf(w, "  %s %s: delete it with %s\n", r.Kind, r.Name, del)
			}
		}
		fmt.Fprintf(w, "\nLook further:\n  %-19s the stream, the tables and the leases\n", "spk status"+common)
		if logPath != "" {
			fmt.Fprintf(w, "Logs: %s\n", logPath)
		}
		return
	}
	fmt.Fprintln(w, "\nLook further:")
	if up.StartedEndpoint() {
		where := "its data is kept in " + endpoint.DataDir
		if endpoint.InMemory {
			where = "it kept nothing (--in-memory)"
		}
		fmt.Fprintf(w, "  %-19s the embedded endpoint stopped with spk up; %s: start it again first\n", "spk local"+localFlags, where)
	}
	if s.TableWritten {
		fmt.Fprintf(w, "  %-19s the counts (add --chart or --watch)\n", "spk show"+common)
	}
	for _, v := range views {
		fmt.Fprintf(w, "  %s\n", showViewCmd(v, opts.ex)+common)
	}
	fmt.Fprintf(w, "  %-19s the stream, the tables and the leases\n", "spk status"+common)
	switch {
	case !s.TableWritten: // the views' tables alone: no aggregate table was made
		fmt.Fprintf(w, "  %-19s delete the stream, the views' tables and the lease table\n", "spk teardown"+common)
	case len(s.Views) > 0: // views with tables of their own
		fmt.Fprintf(w, "  %-19s delete the stream, the tables and the views' tables\n", "spk teardown"+common)
	default:
		fmt.Fprintf(w, "  %-19s delete the stream and both tables\n", "spk teardown"+common)
	}
	if logPath != "" {
		fmt.Fprintf(w, "Logs: %s\n", logPath)
	}
}

func upTeardown(f *Factory, cfg *config.Loaded, clients *provision.Clients, views []*view.View) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	resources := provision.Resources(cfg.Stream.Name, cfg.Table.Name, cfg.App)
	for _, t := range tasks.ViewTables(definitions(views), cfg.Table.Name) {
		resources = append(resources, provision.Resource{Kind: provision.KindAggregate, Name: t})
	}
	plan := provision.PlanTeardown(ctx, clients, resources, false)
	err := provision.Teardown(ctx, clients, plan, nil)
	fmt.Fprintln(f.IO.ErrOut, "\nTeardown:")
	tw := tabwriter.NewWriter(f.IO.ErrOut, 0, 4, 2, ' ', 0)
	writeFates(tw, "  ", plan)
	tw.Flush()
	if err != nil {
		return fmt.Errorf("teardown: %w", err)
	}
	return nil
}

// writeViews prints the newest minute of each view the run computed, as
// spk show --view does, so the outcome stays on screen (and in a CI log)
// even when the endpoint kept nothing.
func writeViews(f *Factory, cfg *config.Loaded, clients *provision.Clients, views []*view.View, ex examples.Example) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	for _, v := range views {
		table := v.Table(cfg.Table.Name)
		rows, err := results.ReadView(ctx, clients.DynamoDB, v, results.Query{Table: table, Buckets: 1, Consistent: true})
		fmt.Fprintf(f.IO.ErrOut, "\n%s, the newest window (%s):\n", v.Name(), showViewCmd(v, ex))
		if err != nil {
			fmt.Fprintf(f.IO.ErrOut, "  %v\n", err)
			continue
		}
		tui.WriteViewRows(f.IO.ErrOut, tui.FormatTable, v, rows, tui.ViewOptions{MinCount: ex.MinCount[v.Name()]})
	}
}

// shownViews are the views spk show prints with --view: all but a
// tutorial-shaped view of the aggregate table, which spk show prints alone;
// none for the tutorial's run.
func shownViews(views []*view.View, table string) []*view.View {
	var out []*view.View
	for _, v := range views {
		if !tui.IsTutorialView(v) || v.Table(table) != table {
			out = append(out, v)
		}
	}
	return out
}

// showViewCmd is the spk show command line that prints a view.
func showViewCmd(v *view.View, ex examples.Example) string {
	cmd := "spk show --view " + v.Name()
	if n := ex.MinCount[v.Name()]; n > 0 {
		cmd += fmt.Sprintf(" --min-count %d", n)
	}
	return cmd
}

// definitions are what views were compiled from.
func definitions(views []*view.View) []view.Definition {
	var out []view.Definition
	for _, v := range views {
		out = append(out, v.Definition())
	}
	return out
}
