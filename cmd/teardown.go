package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/spk-cli/spk/config"
	"github.com/spk-cli/spk/internal/errtext"
	"github.com/spk-cli/spk/provision"
	"github.com/spk-cli/spk/provision/local"
	"github.com/spk-cli/spk/stream/view"
	"github.com/spk-cli/spk/tasks"
)

type teardownOptions struct {
	yes, dryRun, force, localData bool
	output                        string
}

// teardownResult is teardown's --output json: each resource's fate.
type teardownResult struct {
	Target    string               `json:"target"`
	DryRun    bool                 `json:"dry_run"`
	Resources []provision.PlanItem `json:"resources"`
	LocalData *localDataFate       `json:"local_data,omitempty"`
}

type localDataFate struct {
	Path  string `json:"path"`
	Fate  string `json:"fate"`
	Error string `json:"error,omitempty"`
}

func newTeardownCmd(f *Factory) *cobra.Command {
	opts := &teardownOptions{}
	c := &cobra.Command{
		Use:   "teardown",
		Short: "Delete the stream, the aggregate table and the lease table (tutorial step 10)",
		Long: `Delete the app's stream, aggregate table, views' tables and lease table,
and wait until they are gone. The views' tables are those of spk.yaml's views
and of views since removed from it (named <table>-<view> and tagged by spk
with the app, the stream and the view). The plan is shown first; on a terminal spk asks before deleting
(--yes skips the question, and is required when there is no terminal;
--dry-run only shows the plan). Missing resources are fine. A resource
without spk's spk-app tag is not deleted unless --force is given (on AWS and
any other endpoint; on spk's own embedded endpoint everything is spk's).
Every resource's fate is reported, and one failure does not stop the others.
Views in spk.yaml that do not compile are refused (exit 2), as spk run
refuses them, and nothing is deleted: their tables would be left behind.

--local-data also removes the embedded endpoint's data directory, which is
only allowed while no spk local or spk up is using it.`,
		Example: `  # Look first
  spk teardown --dry-run

  # Delete without asking (scripts, CI); each resource's fate as JSON
  spk teardown --yes -o json

  # Also remove the embedded endpoint's data
  spk teardown --yes --local-data`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runTeardown(f, c, opts)
		},
	}
	fl := c.Flags()
	fl.BoolVarP(&opts.yes, "yes", "y", false, "do not ask for confirmation")
	fl.BoolVar(&opts.dryRun, "dry-run", false, "only show what would be deleted")
	fl.BoolVar(&opts.force, "force", false, "also delete resources without spk's spk-app tag")
	fl.BoolVar(&opts.localData, "local-data", false, "also remove the embedded endpoint's data directory")
	outputFlag(c, &opts.output, "text", "text", "json")
	return c
}

func runTeardown(f *Factory, c *cobra.Command, opts *teardownOptions) error {
	ctx := c.Context()
	cfg, err := f.Config(c)
	if err != nil {
		return err
	}
	// Before anything is looked at or deleted: views that no longer compile
	// still have the tables they made, which teardown must not leave behind.
	views, err := runViews("teardown", cfg)
	if err != nil {
		return err
	}
	_, clients, err := f.Clients(c)
	if err != nil {
		return err
	}
	dataDir := cfg.Local.DataDir
	if dataDir == "" {
		dataDir = local.DefaultDataDir()
	}
	reachErr := clients.CheckReachable(ctx)
	// With the endpoint stopped, removing its data removes the resources too.
	if reachErr != nil && !(opts.localData && clients.Target.Embedded) {
		return reachErr
	}
	// Refuse the data's removal before anything is deleted, not after.
	var localDataErr error
	if opts.localData {
		localDataErr = provision.CheckLocalData(dataDir)
	}
	var plan []provision.PlanItem
	if reachErr == nil && localDataErr == nil {
		resources := teardownResources(cfg, views)
		plan = provision.PlanTeardown(ctx, clients, resources, opts.force)
		// The tables of views no longer in spk.yaml go too, listed with
		// the views' others, before the lease table.
		left := provision.PlanLeftViewTables(ctx, clients, cfg.Table.Name, cfg.App, cfg.Stream.Name, resources)
		at := slices.IndexFunc(plan, func(p provision.PlanItem) bool { return p.Kind == provision.KindLeaseTable })
		if at < 0 {
			at = len(plan)
		}
		plan = slices.Insert(plan, at, left...)
	}
	asJSON := opts.output == "json"
	// With --output json, stdout carries only the result; the plan is for people.
	planOut := f.IO.Out
	if asJSON {
		planOut = f.IO.ErrOut
	}
	writePlan(planOut, clients.Target, plan, opts.localData, dataDir, reachErr != nil, localDataErr)
	if localDataErr != nil {
		return localDataErr
	}
	result := teardownResult{Target: clients.Target.String(), DryRun: opts.dryRun, Resources: plan}
	if result.Resources == nil {
		result.Resources = []provision.PlanItem{}
	}
	if opts.dryRun {
		if asJSON {
			if opts.localData {
				result.LocalData = &localDataFate{Path: dataDir, Fate: "remove"}
			}
			return writeJSON(f, conciseFates(result))
		}
		return nil
	}
	toDelete := 0
	for _, p := range plan {
		if p.Fate == provision.FateDelete {
			toDelete++
		}
	}
	if toDelete > 0 || opts.localData {
		if err := confirm(ctx, f, opts.yes, "Delete these resources?"); err != nil {
			return err
		}
	}
	var errs []error
	if len(plan) > 0 {
		if _, err := runSteps(c, f, tasks.Teardown(clients, plan)); err != nil {
			if ctx.Err() != nil {
				return err // interrupted: spk says so
			}
			errs = append(errs, errors.Unwrap(err)) // the step line named the step
		}
	}
	if opts.localData {
		removed, err := provision.RemoveLocalData(dataDir)
		result.LocalData = &localDataFate{Path: dataDir, Fate: "removed"}
		switch {
		case err != nil:
			result.LocalData.Fate, result.LocalData.Error = "failed", err.Error()
			errs = append(errs, err)
		case !removed:
			result.LocalData.Fate = "missing"
		}
	}
	if asJSON {
		if err := writeJSON(f, conciseFates(result)); err != nil {
			return err
		}
	} else {
		fmt.Fprintln(f.IO.Out)
		tw := tabwriter.NewWriter(f.IO.Out, 0, 4, 2, ' ', 0)
		writeFates(tw, "", plan)
		if ld := result.LocalData; ld != nil {
			fate := ld.Fate
			if ld.Error != "" {
				fate += ": " + ld.Error
			}
			fmt.Fprintf(tw, "local data\t%s\t%s\n", ld.Path, fate)
		}
		tw.Flush()
	}
	if len(errs) > 0 {
		// One line, each part in a few words as it would be alone (the
		// closing message rewrites only the first SDK chain it finds);
		// several resources not deleted are named in one part
		// (provision.NotDeletedError), their reasons being in the table.
		each := make([]any, len(errs))
		for i, err := range errs {
			each[i] = conciseError{err}
		}
		return fmt.Errorf("teardown: "+strings.TrimSuffix(strings.Repeat("%w; ", len(errs)), "; "), each...)
	}
	return nil
}

// conciseError words an error as errtext.Concise does, and still unwraps
// to it (for its hint and exit status).
type conciseError struct{ err error }

func (e conciseError) Error() string { return errtext.Concise(e.err) }
func (e conciseError) Unwrap() error { return e.err }

// conciseFates words each resource's error as a user reads it.
func conciseFates(r teardownResult) teardownResult {
	items := make([]provision.PlanItem, len(r.Resources))
	for i, p := range r.Resources {
		if p.Err != nil {
			p.Error = errtext.Concise(p.Err)
		}
		items[i] = p
	}
	r.Resources = items
	return r
}

// writeFates lists each resource's fate after a teardown, one row each.
func writeFates(tw *tabwriter.Writer, indent string, plan []provision.PlanItem) {
	fmt.Fprintf(tw, "%sRESOURCE\tNAME\tFATE\n", indent)
	for _, p := range plan {
		fate := string(p.Fate)
		if p.Err != nil {
			fate += ": " + errtext.Concise(p.Err)
		} else if p.Reason != "" {
			fate += ": " + p.Reason
		}
		fmt.Fprintf(tw, "%s%s\t%s\t%s\n", indent, p.Kind, p.Name, fate)
	}
}

func writePlan(w io.Writer, target provision.Target, plan []provision.PlanItem, localData bool, dataDir string, endpointDown bool, localDataErr error) {
	fmt.Fprintf(w, "Teardown plan for %s:\n", target)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  RESOURCE\tNAME\tPLAN")
	for _, p := range plan {
		what := string(p.Fate)
		switch {
		case p.Fate == provision.FateMissing:
			what = "missing: nothing to do"
		case p.Fate == provision.FateRefused:
			what = "refused: " + p.Reason
		case p.Err != nil:
			what = "cannot check: " + errtext.Concise(p.Err)
		case p.Reason != "":
			what += ": " + p.Reason
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", p.Kind, p.Name, what)
	}
	if endpointDown {
		fmt.Fprintf(tw, "  resources\t-\tthe embedded endpoint is stopped: they go with its data\n")
	}
	switch {
	case localDataErr != nil:
		fmt.Fprintf(tw, "  local data\t%s\trefused: %s\n", dataDir, errtext.Concise(errors.Unwrap(localDataErr)))
	case localData:
		fmt.Fprintf(tw, "  local data\t%s\twill be removed\n", dataDir)
	}
	tw.Flush()
}

// confirm asks on a terminal; without one, --yes is required so a script
// never deletes by accident.
func confirm(ctx context.Context, f *Factory, yes bool, question string) error {
	if yes {
		return nil
	}
	if !f.IO.IsStdinTTY() || !f.IO.IsStderrTTY() {
		return usagef("pass --yes to confirm, or --dry-run to only look", "teardown: not deleting without confirmation, and there is no terminal to ask on")
	}
	line, _ := f.IO.Prompt(ctx, question+" [y/N] ")
	if err := ctx.Err(); err != nil {
		return err // Ctrl-C answers at once, not after the next Enter
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return nil
	}
	return errors.New("teardown: cancelled; nothing was deleted")
}

// teardownResources are the stream and tables a run made: the tutorial's
// three, and the views' own tables (appViewTables).
func teardownResources(cfg *config.Loaded, views []*view.View) []provision.Resource {
	rs := provision.Resources(cfg.Stream.Name, cfg.Table.Name, cfg.App)
	var extra []provision.Resource
	for _, v := range appViewTables(views, cfg.Table.Name) {
		extra = append(extra, provision.Resource{Kind: provision.KindAggregate, Name: v.Table, IfPresent: v.IfPresent})
	}
	// After the aggregate table, before the lease table.
	return append(rs[:2:2], append(extra, rs[2:]...)...)
}
