package tui

import (
	"fmt"
	"testing"

	"github.com/spk-cli/spk/examples"
	"github.com/spk-cli/spk/stream/accesslog"
	"github.com/spk-cli/spk/stream/results"
	"github.com/spk-cli/spk/stream/view"
)

// weblogLines are two minutes of a small site's access log, fixed so the
// golden files hold still: hot clients and paths, some errors.
func weblogLines() []string {
	return weblogLinesWith([]int{200, 200, 304, 200, 404, 200, 500, 200})
}

// weblogLinesWith are weblogLines with these status codes in turn.
func weblogLinesWith(statuses []int) []string {
	ips := []string{"203.0.113.9", "203.0.113.9", "198.51.100.23", "203.0.113.9", "192.0.2.77", "198.51.100.23"}
	paths := []string{"/", "/index.html", "/", "/static/app.js", "/cart", "/", "/products/17"}
	var out []string
	for i := range 52 {
		minute := 54 + i/30
		ip := ips[i%len(ips)]
		if i%5 == 4 {
			ip = fmt.Sprintf("10.0.%d.%d", i/7, i)
		}
		status := statuses[i%len(statuses)]
		size := fmt.Sprint(512 + (i*7919)%40000)
		if status == 304 {
			size = "-"
		}
		out = append(out, fmt.Sprintf(`%s - - [05/Jun/2015:12:%02d:%02d +0000] "GET %s HTTP/1.1" %d %s "-" "Mozilla/5.0"`,
			ip, minute, i%60, paths[i%len(paths)], status, size))
	}
	return out
}

// weblogViews are the weblog example's views, compiled.
func weblogViews(t testing.TB) []*view.View {
	t.Helper()
	vs, err := view.CompileAll(examples.Weblog("my-table"), "my-table")
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

// viewRows aggregates lines into v's rows and passes each through the
// DynamoDB codec, as a read of the table would.
func viewRows(t testing.TB, v *view.View, lines []string) []results.ViewRow {
	t.Helper()
	accs := map[[2]string]*view.Acc{}
	var order [][2]string
	for _, l := range lines {
		e, err := accesslog.Parse(l)
		if err != nil {
			t.Fatal(err)
		}
		if !v.Match(e) {
			continue
		}
		keys, err := v.Keys(e, e.Time())
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			id := [2]string{k.Start, k.Group}
			if accs[id] == nil {
				accs[id] = v.NewAcc()
				order = append(order, id)
			}
			if err := accs[id].Observe(e); err != nil {
				t.Fatal(err)
			}
		}
	}
	var rows []results.ViewRow
	for i := len(order) - 1; i >= 0; i-- { // out of order, as a Scan returns them
		id := order[i]
		item, err := accs[id].Item()
		if err != nil {
			t.Fatal(err)
		}
		acc, err := v.DecodeItem(item)
		if err != nil {
			t.Fatal(err)
		}
		g, err := v.Group(id[1])
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, results.ViewRow{BucketStart: id[0], Key: id[1], Group: g, Acc: acc,
			CreatedAt: id[0][:19] + ".120Z", UpdatedAt: id[0][:17] + "59.870Z"})
	}
	return rows
}
