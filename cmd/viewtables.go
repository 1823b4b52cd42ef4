package cmd

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spk-cli/spk/cmd/tui"
	"github.com/spk-cli/spk/config"
	"github.com/spk-cli/spk/examples"
	"github.com/spk-cli/spk/provision"
	"github.com/spk-cli/spk/stream/sink"
	"github.com/spk-cli/spk/stream/view"
)

// runViews compiles the run's views, refusing views that do not compile
// as a usage error naming the view. Every verb that knows the views' tables
// gets them here: spk run and spk up create them, spk show reads them, and
// spk status and spk teardown, given views edited since they made tables,
// would otherwise not know those tables at all.
func runViews(verb string, cfg *config.Loaded) ([]*view.View, error) {
	views, err := cfg.RunViews()
	if err != nil {
		return nil, usagef("", "%s: %v", verb, err)
	}
	return views, nil
}

// appViewTables are the tables of the app's views other than the aggregate
// table, each once: every configured view's, and those of the built-in
// examples' views, which exist only where `spk up --example` made them.
// spk status shows them and spk teardown deletes them.
func appViewTables(views []*view.View, table string) []provision.ViewTable {
	var out []provision.ViewTable
	seen := map[string]bool{table: true}
	add := func(view, table string, ifPresent bool) {
		if !seen[table] {
			seen[table] = true
			out = append(out, provision.ViewTable{View: view, Table: table, IfPresent: ifPresent})
		}
	}
	for _, v := range views {
		add(v.Name(), v.Table(table), false)
	}
	for _, name := range examples.Names() {
		ex, _ := examples.Lookup(name)
		for _, d := range ex.Views(table) {
			add(d.Name, d.Table, true)
		}
	}
	return out
}

// viewTables names the tables the views write: the aggregate table alone
// for the tutorial's run, otherwise each view with its table.
func viewTables(views []*view.View, table string) string {
	if len(views) == 1 && views[0].Table(table) == table {
		return table
	}
	parts := make([]string, len(views))
	for i, v := range views {
		parts[i] = fmt.Sprintf("%s (view %s)", v.Table(table), v.Name())
	}
	return strings.Join(parts, ", ")
}

// writesAggregate reports whether a view writes the run's aggregate table.
func writesAggregate(views []*view.View, table string) bool {
	return slices.ContainsFunc(views, func(v *view.View) bool { return v.Table(table) == table })
}

// tutorialAlone reports whether the run is the tutorial's shape: one view,
// the default one, counting alone by one field into the aggregate table,
// which the dashboard's counts panel draws. A view made from spk run's
// flags with other metrics gets a view panel.
func tutorialAlone(views []*view.View, table string) bool {
	return len(views) == 1 && tui.IsTutorialView(views[0]) && views[0].Table(table) == table
}

// aggregateSpec is the run's aggregate table, tagged with the shape of
// the view that writes it (none when no view does).
func aggregateSpec(cfg *config.Loaded, views []*view.View) provision.TableSpec {
	spec := sink.TableSpec(cfg.Table.Name, cfg.App, cfg.Stream.Name, nil)
	for _, v := range views {
		if v.Table(cfg.Table.Name) == cfg.Table.Name {
			spec.Shape = v.Shape()
		}
	}
	return spec
}

// viewTableSpecs are the tables of the views that do not write the run's
// aggregate table, created like it (same keys, spk's tags) and tagged with
// their view and its shape.
func viewTableSpecs(views []*view.View, table, app, stream string) []provision.TableSpec {
	var out []provision.TableSpec
	for _, v := range views {
		if t := v.Table(table); t != table {
			spec := sink.ViewTableSpec(t, app, stream, v.Name())
			spec.Shape = v.Shape()
			out = append(out, spec)
		}
	}
	return out
}
