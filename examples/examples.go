// Package examples holds spk's built-in examples: sets of views and the
// event template that feeds them, which `spk up --example NAME` runs and
// `spk show --view NAME` reads.
package examples

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/spk-cli/spk/stream/view"
)

// Example is a built-in example.
type Example struct {
	Name string
	// Template is the generate-events template whose events the views read.
	Template string
	// Format is the event format the consumer must read: "json" or
	// "accesslog".
	Format string
	// Views returns the example's views, their tables named after the run's
	// aggregate table.
	Views func(table string) []view.Definition
	// MinCount is, by view name, the threshold its top lists are shown
	// with: the values seen more than that many times in a row.
	MinCount map[string]uint64
}

// WeblogMinCount is the weblog example's "IPs seen more than N times".
const WeblogMinCount = 10

var builtins = map[string]Example{
	"weblog": {Name: "weblog", Template: "accesslog", Format: "accesslog", Views: Weblog,
		MinCount: map[string]uint64{"weblog-ips": WeblogMinCount}},
}

// Names lists the built-in examples, sorted.
func Names() []string {
	out := make([]string, 0, len(builtins))
	for n := range builtins {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Lookup finds a built-in example by name.
func Lookup(name string) (Example, error) {
	if e, ok := builtins[name]; ok {
		return e, nil
	}
	return Example{}, fmt.Errorf("example %q is not known: use %s", name, strings.Join(Names(), ", "))
}

// Weblog is the web-server log analysis of Spark Streaming's example, over
// access-log lines, per minute: response-code counts, content size
// min/avg/max, the top endpoints and the IPs seen most (shown above a
// threshold, "IPs seen more than N times"). Each view writes its own table,
// table-<view name>.
func Weblog(table string) []view.Definition {
	minute := view.Window{Size: time.Minute}
	defs := []view.Definition{
		{Name: "weblog-status", GroupBy: []string{"status"}, Window: minute, Metrics: []string{"count"}},
		{Name: "weblog-bytes", Window: minute, Metrics: []string{"count", "min:bytes", "avg:bytes", "max:bytes", "sum:bytes"}},
		{Name: "weblog-paths", Window: minute, Metrics: []string{"count", "top:path:10"}},
		{Name: "weblog-ips", Window: minute, Metrics: []string{"count", "distinct:ip", "top:ip:10"}},
	}
	for i := range defs {
		defs[i].Table = table + "-" + defs[i].Name
	}
	return defs
}
