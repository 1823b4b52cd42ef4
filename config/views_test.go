package config

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/spk-cli/spk/stream/view"
)

func viewFlags(args ...string) *pflag.FlagSet {
	fs := pflag.NewFlagSet("run", pflag.ContinueOnError)
	fs.StringSlice("group-by", nil, "")
	fs.StringSlice("metric", nil, "")
	fs.Duration("window", 0, "")
	fs.Duration("slide", 0, "")
	fs.String("where", "", "")
	if err := fs.Parse(args); err != nil {
		panic(err)
	}
	return fs
}

// TestOneViewFromFlagsEnvAndFile: without views:, the run.* keys define
// the one view, with spk's precedence; lists come as YAML lists, repeated
// flags or comma lists.
func TestOneViewFromFlagsEnvAndFile(t *testing.T) {
	p := writeFile(t, "spk.yaml", "run:\n  group_by: [path, status]\n  metrics: [count, \"avg:bytes\"]\n  bucket_size: 5m\n")
	l := load(t, Options{File: p})
	defs, err := l.ViewDefinitions()
	want := []view.Definition{{Name: "default", GroupBy: []string{"path", "status"}, Window: view.Window{Size: 5 * time.Minute}, Metrics: []string{"count", "avg:bytes"}}}
	if err != nil || !reflect.DeepEqual(defs, want) {
		t.Fatalf("file: %+v %v", defs, err)
	}
	l = load(t, Options{File: p, LookupEnv: env(map[string]string{"SPK_RUN_METRICS": "count,top:path:10", "SPK_RUN_WHERE": "status >= 500"}),
		Flags: viewFlags("--group-by", "status", "--metric", "count", "--metric", "max:bytes", "--window", "10m", "--slide", "5m")})
	defs, err = l.ViewDefinitions()
	want = []view.Definition{{Name: "default", Where: "status >= 500", GroupBy: []string{"status"}, Window: view.Window{Size: 10 * time.Minute, Slide: 5 * time.Minute}, Metrics: []string{"count", "max:bytes"}}}
	if err != nil || !reflect.DeepEqual(defs, want) {
		t.Fatalf("flags: %+v %v", defs, err)
	}
	vs, err := l.RunViews()
	if err != nil || len(vs) != 1 || vs[0].Table("") != "my-table" {
		t.Fatalf("RunViews: %v %v", vs, err)
	}
	// A window by flag takes what the same window in views: takes: whole
	// milliseconds that divide an hour or a day (it needed whole seconds).
	l = load(t, Options{File: p, Flags: viewFlags("--window", "500ms")})
	if defs, err := l.ViewDefinitions(); err != nil || defs[0].Window.Size != 500*time.Millisecond {
		t.Fatalf("--window 500ms: %+v %v", defs, err)
	}
	if _, err := Load(Options{File: p, Flags: viewFlags("--window", "7m"), LookupEnv: env(nil), WorkDir: t.TempDir(), UserConfigDir: t.TempDir()}); err == nil || !strings.Contains(err.Error(), "divides neither an hour nor a day") {
		t.Fatalf("--window 7m: %v", err)
	}
}

// TestViewsFromFile reads views: as docs/views.md shows them; flags that
// define one view are refused next to them.
func TestViewsFromFile(t *testing.T) {
	p := writeFile(t, "spk.yaml", `table:
  name: web
views:
  - name: default
    group_by: [type]
    window: {size: 1m}
    metrics: [count]
  - name: errors
    where: status >= 500
    group_by: [path]
    window: {size: 5m, slide: 1m}
    metrics: [count, "top:agent:10"]
`)
	l := load(t, Options{File: p})
	vs, err := l.RunViews()
	if err != nil || len(vs) != 2 || vs[0].Table("") != "web" || vs[1].Table("") != "web-errors" || vs[1].Definition().Window.Slide != time.Minute {
		t.Fatalf("%v %v", vs, err)
	}
	l = load(t, Options{File: p, Flags: viewFlags("--metric", "count", "--where", "a = 1")})
	if _, err := l.RunViews(); err == nil || err.Error() != "--metric, --where define one view, but "+p+" lists views: remove the flags, or edit the views in the file" {
		t.Fatalf("flags with views: %v", err)
	}
	// A misspelt key is named at its own line.
	bad := writeFile(t, "spk.yaml", "views:\n  - name: a\n    windw: {size: 1m}\n")
	if _, err := Load(Options{File: bad, LookupEnv: env(nil), WorkDir: t.TempDir(), UserConfigDir: t.TempDir()}); err == nil || err.Error() != "configuration: "+bad+`, line 3: key "views": unknown key "windw"` {
		t.Fatalf("unknown view key: %v", err)
	}
	bad = writeFile(t, "spk.yaml", "views:\n  - name: a\n    window:\n      size: 1m\n      slid: 30s\n")
	if _, err := Load(Options{File: bad, LookupEnv: env(nil), WorkDir: t.TempDir(), UserConfigDir: t.TempDir()}); err == nil || !strings.HasPrefix(err.Error(), "configuration: "+bad+`, line 5: key "views": unknown key "slid"`) {
		t.Fatalf("unknown window key: %v", err)
	}
	// YAML's anchors and aliases work across views, merge keys too; each
	// view was read alone, and an alias named an anchor it no longer saw.
	anchored := writeFile(t, "spk.yaml", `views:
  - &base
    name: a
    window: &w {size: 5m, slide: 1m}
    metrics: [count]
  - name: b
    window: *w
    metrics: [count, "sum:bytes"]
  - <<: *base
    name: c
`)
	l = load(t, Options{File: anchored})
	vs, err = l.RunViews()
	if err != nil || len(vs) != 3 || vs[1].Definition().Window.Slide != time.Minute || vs[2].Definition().Window.Size != 5*time.Minute || len(vs[2].Definition().Metrics) != 1 {
		t.Fatalf("anchored views: %v %v", vs, err)
	}
	// Aliases of aliases that expand to billions of values are refused,
	// not expanded until memory runs out.
	bomb := "x0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
	for i := 1; i <= 6; i++ {
		bomb += fmt.Sprintf("x%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	bombed := writeFile(t, "spk.yaml", bomb+"views:\n  - name: a\n    group_by: *a6\n    window: {size: 1m}\n    metrics: [count]\n")
	if _, err := Load(Options{File: bombed, LookupEnv: env(nil), WorkDir: t.TempDir(), UserConfigDir: t.TempDir()}); err == nil || !strings.Contains(err.Error(), "the view's aliases expand past 10000 values") {
		t.Fatalf("an alias bomb: %v", err)
	}
}
