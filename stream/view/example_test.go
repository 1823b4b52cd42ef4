package view_test

import (
	"fmt"
	"time"

	"github.com/spk-cli/spk/stream/view"
)

func Example() {
	v, err := view.Compile(view.Definition{
		Name:    "errors",
		Where:   "status >= 500",
		GroupBy: []string{"path", "status"},
		Window:  view.Window{Size: 5 * time.Minute, Slide: time.Minute},
		Metrics: []string{"count", "sum:bytes", "max:bytes"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	acc := v.NewAcc()
	for _, line := range []string{
		`{"timestamp": "2015-06-05T12:54:43Z", "path": "/a", "status": 503, "bytes": 120}`,
		`{"timestamp": "2015-06-05T12:54:50Z", "path": "/a", "status": 503, "bytes": 80.5}`,
		`{"timestamp": "2015-06-05T12:54:51Z", "path": "/a", "status": 200, "bytes": 999}`,
	} {
		ev, _ := view.DecodeJSON([]byte(line))
		if !v.Match(ev) {
			continue
		}
		t, _ := view.EventTime(ev, view.Path{"timestamp"})
		keys, _ := v.Keys(ev, t)
		fmt.Println(keys[0], "…", keys[len(keys)-1])
		_ = acc.Observe(ev)
	}
	sum, _ := acc.Sum(1)
	largest, _ := acc.Sum(2)
	fmt.Println("count", acc.Count(), "sum", sum, "max", largest, "additive", v.Additive())

	_, err = view.Compile(view.Definition{Name: "errors", Window: view.Window{Size: time.Minute}, Metrics: []string{"avg"}})
	fmt.Println(err)
	// Output:
	// {2015-06-05T12:50:00.000 /a|503} … {2015-06-05T12:54:00.000 /a|503}
	// {2015-06-05T12:50:00.000 /a|503} … {2015-06-05T12:54:00.000 /a|503}
	// count 2 sum 200.5 max 120 additive false
	// view "errors": metric "avg": name a field, as in avg:bytes
}
