package cmd

import (
	"github.com/spk-cli/spk/config"
	"github.com/spk-cli/spk/examples"
	"github.com/spk-cli/spk/provision"
)

// appViewTables are the tables of the app's views other than the aggregate
// table, each once: every configured view's, and those of the built-in
// examples' views, which exist only where `spk up --example` made them.
// spk status shows them and spk teardown deletes them.
func appViewTables(cfg *config.Loaded) []provision.ViewTable {
	var out []provision.ViewTable
	seen := map[string]bool{cfg.Table.Name: true}
	add := func(view, table string, ifPresent bool) {
		if !seen[table] {
			seen[table] = true
			out = append(out, provision.ViewTable{View: view, Table: table, IfPresent: ifPresent})
		}
	}
	// Views that do not compile made no tables.
	if views, err := cfg.RunViews(); err == nil {
		for _, v := range views {
			add(v.Name(), v.Table(cfg.Table.Name), false)
		}
	}
	for _, name := range examples.Names() {
		ex, _ := examples.Lookup(name)
		for _, d := range ex.Views(cfg.Table.Name) {
			add(d.Name, d.Table, true)
		}
	}
	return out
}
