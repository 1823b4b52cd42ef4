package cmd

import (
	"fmt"
	"strings"

	"github.com/spk-cli/spk/config"
	"github.com/spk-cli/spk/examples"
	"github.com/spk-cli/spk/stream/view"
)

// resolveViews returns the views configured for this run: the tutorial's
// default view, in the aggregate table, and the built-in examples' views
// (weblog-*), each in its own table named after the aggregate table.
func resolveViews(cfg *config.Loaded) ([]*view.View, error) {
	defs := []view.Definition{view.DefaultDefinition()}
	for _, name := range examples.Names() {
		ex, _ := examples.Lookup(name)
		defs = append(defs, ex.Views(cfg.Table.Name)...)
	}
	views, err := view.CompileAll(defs, cfg.Table.Name)
	if err != nil {
		return nil, usagef("", "%v", err)
	}
	return views, nil
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
