package cmd

import (
	"fmt"
	"strings"

	"github.com/spk-cli/spk/config"
	"github.com/spk-cli/spk/examples"
	"github.com/spk-cli/spk/stream/view"
)

// resolveViews returns the views spk show and the dashboard can read: the
// run's views as configured (spk.yaml's views, or the one view of the run
// flags, by default the tutorial's count), then the built-in examples'
// views (weblog-*, as spk up --example writes them) whose names are not
// taken.
func resolveViews(cfg *config.Loaded) ([]*view.View, error) {
	defs, err := cfg.ViewDefinitions()
	if err != nil {
		return nil, usagef("", "%v", err)
	}
	// The configured views get their tables as spk run gives them (a lone
	// view writes the run's table): the examples are compiled apart, so
	// they do not change those names.
	views, err := view.CompileAll(defs, cfg.Table.Name)
	if err != nil {
		return nil, usagef("", "%v", err)
	}
	taken, tables := map[string]bool{}, map[string]bool{}
	for _, v := range views {
		taken[v.Name()], tables[v.Table(cfg.Table.Name)] = true, true
	}
	var extra []view.Definition
	for _, name := range examples.Names() {
		ex, _ := examples.Lookup(name)
		for _, d := range ex.Views(cfg.Table.Name) {
			if !taken[d.Name] && !tables[d.Table] {
				extra = append(extra, d)
			}
		}
	}
	more, err := view.CompileAll(extra, cfg.Table.Name)
	if err != nil {
		return nil, usagef("", "%v", err)
	}
	return append(views, more...), nil
}

// findView picks the view named name among views, or says which exist.
func findView(views []*view.View, name string) (*view.View, error) {
	names := make([]string, len(views))
	for i, v := range views {
		if v.Name() == name {
			return v, nil
		}
		names[i] = v.Name()
	}
	return nil, usagef("", "view %q is not known: use --view with one of %s", name, strings.Join(names, ", "))
}

// viewTitle names a view and its table for headers.
func viewTitle(v *view.View, table string) string {
	return fmt.Sprintf("%s in %s", v.Name(), table)
}
