package examples

import (
	"testing"

	"github.com/spk-cli/spk/stream/generate"
	"github.com/spk-cli/spk/stream/view"
)

func TestWeblogCompiles(t *testing.T) {
	defs := Weblog("my-table")
	views, err := view.CompileAll(append([]view.Definition{view.DefaultDefinition()}, defs...), "my-table")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"weblog-status": "my-table-weblog-status", "weblog-bytes": "my-table-weblog-bytes",
		"weblog-paths": "my-table-weblog-paths", "weblog-ips": "my-table-weblog-ips",
	}
	for _, v := range views[1:] {
		if want[v.Name()] != v.Table("my-table") {
			t.Errorf("view %s writes to %s", v.Name(), v.Table("my-table"))
		}
		delete(want, v.Name())
	}
	if len(want) != 0 {
		t.Errorf("views missing: %v", want)
	}
}

func TestLookup(t *testing.T) {
	ex, err := Lookup("weblog")
	if err != nil || ex.Template != "accesslog" || ex.MinCount["weblog-ips"] != WeblogMinCount {
		t.Fatalf("Lookup(weblog) = %+v, %v", ex, err)
	}
	if _, err := generate.LoadTemplate(ex.Template); err != nil {
		t.Fatalf("the example's template: %v", err)
	}
	if _, err := Lookup("nope"); err == nil || err.Error() != `example "nope" is not known: use weblog` {
		t.Fatalf("Lookup(nope) error %v", err)
	}
}
