package cmd

import (
	"testing"

	"github.com/spk-cli/spk/stream/view"
)

// TestRunDashboardPanels: the dashboard's counts panel is for the
// tutorial's shape alone; any other view, the default one made from spk
// run's flags with other metrics included, gets a view panel. The
// aggregate table is made only when a view writes it.
func TestRunDashboardPanels(t *testing.T) {
	def := view.DefaultDefinition()
	withSum := view.DefaultDefinition()
	withSum.Metrics = []string{"count", "sum:bytes"}
	byTwo := view.DefaultDefinition()
	byTwo.GroupBy = []string{"type", "path"}
	own := view.Definition{Name: "red", Table: "red-counts", Window: def.Window, Metrics: []string{"count"}}
	for _, c := range []struct {
		name             string
		defs             []view.Definition
		alone, aggregate bool
	}{
		{"the tutorial's", []view.Definition{def}, true, true},
		{"the default view with a sum", []view.Definition{withSum}, false, true},
		{"the default view by two fields", []view.Definition{byTwo}, false, true},
		{"the default view and another", []view.Definition{def, own}, false, true},
		{"views of their own tables", []view.Definition{own}, false, false},
	} {
		views, err := view.CompileAll(c.defs, "my-table")
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := tutorialAlone(views, "my-table"); got != c.alone {
			t.Errorf("%s: tutorialAlone %v, want %v", c.name, got, c.alone)
		}
		if got := writesAggregate(views, "my-table"); got != c.aggregate {
			t.Errorf("%s: writesAggregate %v, want %v", c.name, got, c.aggregate)
		}
	}
}
