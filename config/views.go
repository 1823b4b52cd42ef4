package config

import (
	"fmt"
	"strings"

	"github.com/spk-cli/spk/stream/view"
)

// viewKeys are the keys that define the run's one view when spk.yaml lists
// no views.
var viewKeys = map[string]bool{"run.group_by": true, "run.metrics": true, "run.window": true, "run.slide": true, "run.where": true}

// ViewDefinitions returns the views a run computes, before compiling: the
// views: list of spk.yaml when there is one, otherwise the one view the run.*
// keys (and --group-by, --metric, --window, --slide, --where) define, named
// default and written to the aggregate table. Giving those flags on the
// command line while spk.yaml lists views is an error: which would win is
// not obvious.
func (l *Loaded) ViewDefinitions() ([]view.Definition, error) {
	if len(l.Views) > 0 {
		if len(l.ViewFlags) > 0 {
			return nil, fmt.Errorf("%s define one view, but %s lists views: remove the flags, or edit the views in the file", strings.Join(l.ViewFlags, ", "), l.File)
		}
		return l.Views, nil
	}
	r := l.Run
	size := r.Window
	if size == 0 {
		size = r.BucketSize
	}
	return []view.Definition{{
		Name:    view.DefaultName,
		Where:   r.Where,
		GroupBy: r.GroupBy,
		Window:  view.Window{Size: size, Slide: r.Slide},
		Metrics: r.Metrics,
	}}, nil
}

// RunViews compiles the run's views (ViewDefinitions) with view.CompileAll,
// which gives each view its table: the aggregate table for the view named
// default or the only view, "<table>-<name>" for the others unless they set
// table. Every error is one line naming the view. `spk run`, `spk up`, `spk
// show --view` and the dashboard all get their views here.
func (l *Loaded) RunViews() ([]*view.View, error) {
	defs, err := l.ViewDefinitions()
	if err != nil {
		return nil, err
	}
	return view.CompileAll(defs, l.Table.Name)
}
