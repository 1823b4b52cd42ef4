package view

import (
	"reflect"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// TestDefinitionYAML reads views as spk.yaml will hold them.
func TestDefinitionYAML(t *testing.T) {
	const doc = `
views:
  - name: default
    group_by: [type]
    window: {size: 1m}
    metrics: [count]
  - name: errors
    table: my-table-errors
    where: status >= 500 and not (path = '/health')
    group_by: [path, status]
    window:
      size: 5m
      slide: 1m
    metrics: [count, "sum:bytes", "top:agent:10"]
`
	var cfg struct {
		Views []Definition `yaml:"views"`
	}
	if err := yaml.Unmarshal([]byte(doc), &cfg); err != nil {
		t.Fatal(err)
	}
	want := []Definition{
		DefaultDefinition(),
		{Name: "errors", Table: "my-table-errors", Where: "status >= 500 and not (path = '/health')", GroupBy: []string{"path", "status"},
			Window: Window{Size: 5 * time.Minute, Slide: time.Minute}, Metrics: []string{"count", "sum:bytes", "top:agent:10"}},
	}
	if !reflect.DeepEqual(cfg.Views, want) {
		t.Fatalf("\n got %+v\nwant %+v", cfg.Views, want)
	}
	if _, err := CompileAll(cfg.Views, "my-table"); err != nil {
		t.Fatal(err)
	}
	out, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var again struct {
		Views []Definition `yaml:"views"`
	}
	if err := yaml.Unmarshal(out, &again); err != nil || !reflect.DeepEqual(again.Views, want) {
		t.Errorf("round trip: %v\n%s", err, out)
	}
}
