package tui

import (
	"fmt"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/spk-cli/spk/stream/results"
	"github.com/spk-cli/spk/stream/view"
)

// weblogResult is one read of the weblog example's tables.
func weblogResult(t *testing.T) results.ViewsResult {
	var r results.ViewsResult
	for _, v := range weblogViews(t) {
		r.Views = append(r.Views, results.ViewResult{View: v.Name(), Rows: viewRows(t, v, weblogLines())})
	}
	return r
}

func weblogOptions(t *testing.T) DashboardOptions {
	opts := upOptions()
	opts.Views = weblogViews(t)
	opts.ViewTables = map[string]string{}
	for _, v := range opts.Views {
		opts.ViewTables[v.Name()] = v.Table("my-table")
	}
	opts.ViewOptions = map[string]ViewOptions{"weblog-ips": {MinCount: 3}}
	return opts
}

// TestDashboardViewsGolden is spk up --example weblog: each view in turn,
// switched with v.
func TestDashboardViewsGolden(t *testing.T) {
	for _, sz := range sizes {
		for panel, name := range []string{"weblog-status", "weblog-bytes", "weblog-paths", "weblog-ips", "back-to-status"} {
			t.Run(fmt.Sprintf("%dx%d/%d-%s", sz.w, sz.h, panel, name), func(t *testing.T) {
				d := NewDashboard(weblogOptions(t))
				tm := teatest.NewTestModel(t, d.Model(), teatest.WithInitialTermSize(sz.w, sz.h))
				feedUp(tm)
				tm.Send(weblogResult(t))
				for range panel {
					tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("v")})
				}
				out := finalView(t, tm)
				checkSize(t, out, sz.w, sz.h)
				want := strings.TrimPrefix(name, "back-to-")
				if !strings.Contains(out, want+" · view") {
					t.Errorf("panel %d does not show %s:\n%s", panel, want, out)
				}
				if !strings.Contains(out, "v next view") {
					t.Errorf("the footer does not offer v:\n%s", out)
				}
				golden.RequireEqual(t, []byte(out+"\n"))
			})
		}
	}
}

// TestDashboardViewReadError shows a view's failed read over its last rows.
func TestDashboardViewReadError(t *testing.T) {
	d := NewDashboard(weblogOptions(t))
	tm := teatest.NewTestModel(t, d.Model(), teatest.WithInitialTermSize(100, 30))
	feedUp(tm)
	tm.Send(weblogResult(t))
	res := weblogResult(t)
	res.Views[0] = results.ViewResult{View: "weblog-status", Err: fmt.Errorf("read view weblog-status from table my-table-weblog-status: ResourceNotFoundException: Requested resource not found")}
	tm.Send(res)
	out := finalView(t, tm)
	for _, want := range []string{"table read failed: read view weblog-status", "200", "304"} {
		if !strings.Contains(out, want) {
			t.Errorf("view lacks %q:\n%s", want, out)
		}
	}
}

// TestDashboardDefaultAmongViews: the tutorial's view among others is drawn
// as the tutorial's counts, and v moves on from it.
func TestDashboardDefaultAmongViews(t *testing.T) {
	opts := weblogOptions(t)
	def, err := view.Compile(view.DefaultDefinition())
	if err != nil {
		t.Fatal(err)
	}
	opts.Views = append([]*view.View{def}, opts.Views[:1]...)
	d := NewDashboard(opts)
	m := d.Model()
	for _, msg := range []tea.Msg{tea.WindowSizeMsg{Width: 100, Height: 40}, tableRows(), weblogResult(t)} {
		m, _ = m.Update(msg)
	}
	if out := m.View(); !strings.Contains(out, "counts per minute") || !strings.Contains(out, "Green") {
		t.Fatalf("the default view is not the tutorial's counts:\n%s", out)
	}
	m, _ = m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("v")})
	if out := m.View(); !strings.Contains(out, "weblog-status · view 2/2") || strings.Contains(out, "counts per minute") {
		t.Fatalf("v did not move to the next view:\n%s", out)
	}
}

// TestDashboardStatusGridShowsEveryCode: at 80 columns the weblog's status
// grid has no room for a bar beside each of ten codes; it shows every
// code's count without bars rather than hiding the rarest, highest ones
// (the 503s are what a user looks for).
func TestDashboardStatusGridShowsEveryCode(t *testing.T) {
	codes := []int{200, 204, 206, 301, 302, 304, 400, 404, 500, 503}
	vs := weblogViews(t)
	var res results.ViewsResult
	for _, v := range vs {
		res.Views = append(res.Views, results.ViewResult{View: v.Name(), Rows: viewRows(t, v, weblogLinesWith(codes))})
	}
	d := NewDashboard(weblogOptions(t))
	m := d.Model()
	for _, msg := range []tea.Msg{tea.WindowSizeMsg{Width: 80, Height: 24}, tableRows(), res} {
		m, _ = m.Update(msg)
	}
	out := m.View()
	if !strings.Contains(out, "weblog-status · view 1/") || strings.Contains(out, "not shown") {
		t.Fatalf("the status grid hides codes:\n%s", out)
	}
	for _, code := range []string{"200", "204", "206", "301", "302", "304", "400", "404", "500", "503"} {
		if !strings.Contains(out, code) {
			t.Errorf("code %s is not shown:\n%s", code, out)
		}
	}
	for _, l := range strings.Split(out, "\n") {
		if displayWidth(l) > 80 {
			t.Errorf("line is %d cells wide: %q", displayWidth(l), l)
		}
	}
}
