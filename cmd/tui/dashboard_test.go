package tui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/smithy-go"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/spk-cli/spk/stream/generate"
	"github.com/spk-cli/spk/stream/metrics"
	"github.com/spk-cli/spk/stream/results"
	"github.com/spk-cli/spk/tasks"
)

func keyMsg(s string) tea.KeyMsg {
	switch s {
	case "ctrl+c":
		return tea.KeyMsg{Type: tea.KeyCtrlC}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)}
}

// run executes a command and any it batches, returning the messages they
// produce (commands that block on the feed are not run).
func run(t *testing.T, cmd tea.Cmd) []tea.Msg {
	t.Helper()
	if cmd == nil {
		return nil
	}
	msg := cmd()
	if batch, ok := msg.(tea.BatchMsg); ok {
		var out []tea.Msg
		for _, c := range batch {
			out = append(out, run(t, c)...)
		}
		return out
	}
	if msg == nil {
		return nil
	}
	return []tea.Msg{msg}
}

func isQuit(msgs []tea.Msg) bool {
	for _, m := range msgs {
		if _, ok := m.(tea.QuitMsg); ok {
			return true
		}
	}
	return false
}

func newTestDashboard(opts DashboardOptions) *dashboard {
	return NewDashboard(opts).model
}

func TestUpdateKeys(t *testing.T) {
	tests := []struct {
		name      string
		rate      float64
		measured  float64
		keys      []string
		wantCalls []string
		wantNote  string
		paused    bool
	}{
		{"p pauses", 100, 0, []string{"p"}, []string{"pause"}, "generator paused", true},
		{"p twice resumes", 100, 0, []string{"p", "p"}, []string{"pause", "resume"}, "generator resumed", false},
		{"+ steps up", 100, 0, []string{"+"}, []string{"rate 200"}, "rate → 200/s", false},
		{"= is + without shift", 100, 0, []string{"="}, []string{"rate 200"}, "rate → 200/s", false},
		{"- steps down", 100, 0, []string{"-"}, []string{"rate 50"}, "rate → 50/s", false},
		{"- between steps", 150, 0, []string{"-"}, []string{"rate 100"}, "rate → 100/s", false},
		{"- from unlimited starts at the measured rate", 0, 730, []string{"-"}, []string{"rate 500"}, "rate → 500/s", false},
		{"+ at unlimited stays unlimited", 0, 730, []string{"+"}, []string{"rate 0"}, "rate: unlimited", false},
		{"- at the bottom stays", 1, 0, []string{"-"}, []string{"rate 1"}, "rate → 1.0/s", false},
		{"other keys do nothing", 100, 0, []string{"x", "enter"}, nil, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := &fakeGenerator{rate: tt.rate}
			opts := upOptions()
			opts.Generator = g
			m := newTestDashboard(opts)
			m.Update(generate.Snapshot{TargetRate: tt.rate, CurrentRate: tt.measured})
			for _, k := range tt.keys {
				_, cmd := m.Update(keyMsg(k))
				for _, msg := range run(t, cmd) {
					m.Update(msg)
				}
			}
			if got := g.Calls(); !reflect.DeepEqual(got, tt.wantCalls) {
				t.Errorf("generator calls = %q, want %q", got, tt.wantCalls)
			}
			if m.note != tt.wantNote {
				t.Errorf("note = %q, want %q", m.note, tt.wantNote)
			}
			if m.paused != tt.paused {
				t.Errorf("paused = %v, want %v", m.paused, tt.paused)
			}
			if len(tt.wantCalls) > 0 && strings.HasPrefix(tt.wantCalls[len(tt.wantCalls)-1], "rate") && m.prod.TargetRate != g.Rate() {
				t.Errorf("shown target %v, generator's rate %v", m.prod.TargetRate, g.Rate())
			}
		})
	}
}

func TestUpdateKeysWithoutGenerator(t *testing.T) {
	opts := upOptions()
	opts.Generator = nil
	m := newTestDashboard(opts)
	for _, k := range []string{"p", "+", "-"} {
		if _, cmd := m.Update(keyMsg(k)); cmd != nil {
			t.Errorf("key %q with no generator returned a command", k)
		}
	}
	if m.paused || m.note != "" {
		t.Errorf("keys with no generator changed the state: paused %v, note %q", m.paused, m.note)
	}
	if v := m.View(); strings.Contains(v, "pause") || !strings.Contains(v, "q quit") {
		t.Errorf("footer should offer quit but not pause without a generator:\n%s", v)
	}
}

func TestUpdateHelp(t *testing.T) {
	m := newTestDashboard(upOptions())
	short := m.View()
	m.Update(keyMsg("?"))
	if !m.showHelp {
		t.Fatal("? did not open the help")
	}
	full := m.View()
	if full == short || !strings.Contains(full, "pause/resume") || !strings.Contains(full, "faster") {
		t.Errorf("the full help does not list the keys:\n%s", full)
	}
	if n := len(strings.Split(full, "\n")); n > 24 {
		t.Errorf("help view has %d lines at 80x24", n)
	}
	m.Update(keyMsg("?"))
	if m.showHelp || m.View() != short {
		t.Error("? again did not close the help")
	}
}

func TestUpdateResize(t *testing.T) {
	m := newTestDashboard(upOptions())
	for _, e := range upEvents() {
		m.Update(e)
	}
	m.Update(tableRows())
	for _, sz := range []struct{ w, h int }{{120, 40}, {80, 24}, {30, 10}, {1, 1}, {0, 0}, {200, 5}} {
		m.Update(tea.WindowSizeMsg{Width: sz.w, Height: sz.h})
		if m.width != sz.w || m.height != sz.h {
			t.Fatalf("size = %dx%d, want %dx%d", m.width, m.height, sz.w, sz.h)
		}
		if sz.w > 0 && sz.h > 0 {
			checkSize(t, m.View(), sz.w, sz.h)
		} else if v := m.View(); v != "" {
			t.Errorf("view at %dx%d = %q, want nothing", sz.w, sz.h, v)
		}
	}
}

func TestUpdateSnapshots(t *testing.T) {
	m := newTestDashboard(upOptions())
	for i := range history + 30 {
		m.Update(generate.Snapshot{CurrentRate: float64(i), Paused: i%2 == 1})
		m.Update(metrics.Snapshot{RecordsPerSec: float64(i)})
	}
	if len(m.prodRates) != history || m.prodRates[history-1] != float64(history+29) {
		t.Errorf("producer history holds %d samples ending %v, want %d ending %d", len(m.prodRates), m.prodRates[len(m.prodRates)-1], history, history+29)
	}
	if len(m.consRates) != history {
		t.Errorf("consumer history holds %d samples, want %d", len(m.consRates), history)
	}
	if !m.paused {
		t.Error("the last producer snapshot says paused, the model does not")
	}

	// A failed table read keeps the rows and says why.
	rows := tableRows()
	m.Update(results.Result{Rows: rows})
	m.Update(results.Result{Err: errors.New("read aggregate table my-table: connection refused")})
	if len(m.rows) != len(rows) || m.tableErr == nil {
		t.Fatalf("after a failed read: %d rows, error %v; want the %d rows kept and the error", len(m.rows), m.tableErr, len(rows))
	}
	if v := m.View(); !strings.Contains(v, "table read failed: read aggregate table my-table: connection refused") {
		t.Errorf("view does not show the read error:\n%s", v)
	}
	m.Update(rows[:5])
	if len(m.rows) != 5 || m.tableErr != nil {
		t.Errorf("a good read should replace the rows and clear the error: %d rows, error %v", len(m.rows), m.tableErr)
	}
}

func TestCountsFromConsumerUntilTableRead(t *testing.T) {
	m := newTestDashboard(upOptions())
	snap := consumerSnaps()[9]
	snap.RecentBuckets = []metrics.BucketCount{
		{Start: "2015-06-05T12:54:00.000", Group: "Red", Count: 40, UpdatedAt: "2015-06-05T12:54:10.000Z"},
		{Start: "2015-06-05T12:54:00.000", Group: "Blue", Count: 20, UpdatedAt: "2015-06-05T12:54:09.000Z"},
	}
	m.Update(snap)
	v := m.View()
	if !strings.Contains(v, "this worker's latest writes") || !strings.Contains(v, "60") {
		t.Errorf("counts should come from the consumer's writes before the table is read:\n%s", v)
	}
	m.Update(tableRows())
	v = m.View()
	if strings.Contains(v, "this worker's latest writes") || !strings.Contains(v, "2,516") {
		t.Errorf("counts should come from the table once read:\n%s", v)
	}
}

func TestQuitFlow(t *testing.T) {
	var quits atomic.Int32
	opts := upOptions()
	opts.OnQuit = func() { quits.Add(1) }
	m := newTestDashboard(opts)

	_, cmd := m.Update(keyMsg("q"))
	if msgs := run(t, cmd); isQuit(msgs) {
		t.Fatal("q quit the view before the work stopped")
	}
	if quits.Load() != 1 || m.state != stateStopping {
		t.Fatalf("after q: OnQuit called %d times, state %v; want once, stopping", quits.Load(), m.state)
	}
	if v := m.View(); !strings.Contains(v, "stopping…") {
		t.Errorf("view does not say it is stopping:\n%s", v)
	}
	// Controls are off while stopping; q again only explains.
	_, cmd = m.Update(keyMsg("p"))
	if cmd != nil || m.paused {
		t.Error("p worked while stopping")
	}
	_, cmd = m.Update(keyMsg("q"))
	if run(t, cmd) != nil || quits.Load() != 1 {
		t.Errorf("q again called OnQuit (%d calls) or did something", quits.Load())
	}
	if !strings.Contains(m.note, "ctrl+c quits at once") {
		t.Errorf("note = %q", m.note)
	}
	// The caller reports it stopped.
	_, cmd = m.Update(Summary{Notes: []string{"12,345 events sent"}})
	if !isQuit(run(t, cmd)) {
		t.Fatal("the summary did not end the view")
	}
	if m.state != stateFinished || m.aborted {
		t.Errorf("state %v aborted %v, want finished, not aborted", m.state, m.aborted)
	}
	if v := m.View(); !strings.Contains(v, "✓ done · 12,345 events sent") {
		t.Errorf("view does not show the summary:\n%s", v)
	}
}

func TestQuitTwiceAborts(t *testing.T) {
	var quits atomic.Int32
	opts := upOptions()
	opts.OnQuit = func() { quits.Add(1) }
	m := newTestDashboard(opts)
	_, cmd := m.Update(keyMsg("ctrl+c"))
	run(t, cmd)
	_, cmd = m.Update(keyMsg("ctrl+c"))
	if !isQuit(run(t, cmd)) || !m.aborted {
		t.Fatalf("a second ctrl+c should quit at once: aborted %v", m.aborted)
	}
	if quits.Load() != 1 {
		t.Errorf("OnQuit called %d times, want once", quits.Load())
	}
}

func TestQuitWithoutOnQuit(t *testing.T) {
	opts := upOptions()
	opts.OnQuit = nil
	m := newTestDashboard(opts)
	_, cmd := m.Update(keyMsg("q"))
	if !isQuit(run(t, cmd)) || m.state != stateFinished || !m.aborted {
		t.Fatal("with no OnQuit, q should quit at once, before the work ended")
	}
}

func TestFinishOnItsOwn(t *testing.T) {
	m := newTestDashboard(upOptions())
	for _, e := range failedEvents() {
		m.Update(e)
	}
	_, cmd := m.Update(Summary{Err: errors.New("step 4 (create table my-table): exists"), Hint: "spk teardown deletes it"})
	if !isQuit(run(t, cmd)) {
		t.Fatal("the summary did not end the view")
	}
	if v := m.View(); !strings.Contains(v, "✗ failed") || !strings.Contains(v, "✗ step 4 (create table my-table): exists") {
		t.Errorf("view does not show the failure:\n%s", v)
	}
	// The report tells the failure once: on step 4's line, whole, with
	// the hint under it; not again on a line of its own.
	r := m.finalReport()
	words := strings.Fields("✗ 4 create table my-table failed: table my-table exists with hash key Id (S): delete it or choose another name with --table hint: spk teardown deletes it")
	for i, w := range words {
		words[i] = regexp.QuoteMeta(w)
	}
	told := regexp.MustCompile(strings.Join(words, `\s+`))
	if !told.MatchString(r) || strings.Count(r, "exists") != 1 {
		t.Errorf("final report does not tell the failure once, on its step's line with the hint:\n%s", r)
	}
}

// TestFinalReportTellsAFailureNoStepShows: a failure no step's line shows
// has a line of its own in the report, with its hint; quit while the
// endpoint was down, the caller tells it (Run returns ErrUnreachable).
func TestFinalReportTellsAFailureNoStepShows(t *testing.T) {
	m := newTestDashboard(upOptions())
	m.Update(Summary{Err: errors.New("the consumer stopped"), Hint: "run it again"})
	if r := m.finalReport(); !strings.Contains(r, "✗ the consumer stopped\nhint: run it again\n") {
		t.Errorf("final report does not tell the failure:\n%s", r)
	}
	m = newTestDashboard(upOptions())
	m.gaveUp = true
	m.Update(Summary{Err: ErrUnreachable})
	if r := m.finalReport(); strings.Contains(r, "stopped answering") {
		t.Errorf("final report tells what the caller tells:\n%s", r)
	}
}

func TestNextRate(t *testing.T) {
	tests := []struct {
		name          string
		cur, measured float64
		up            bool
		want          float64
	}{
		{"up from a step", 100, 0, true, 200},
		{"down from a step", 100, 0, false, 50},
		{"up from between steps", 150, 0, true, 200},
		{"down from between steps", 150, 0, false, 100},
		{"up at the top", 100000, 0, true, 100000},
		{"down at the bottom", 1, 0, false, 1},
		// Outside the steps, a key that has no step its way leaves the rate:
		// - never speeds up, + never slows down.
		{"down below one", 0.5, 0, false, 0.5},
		{"up above the top", 300000, 0, true, 300000},
		{"up from unlimited", 0, 800, true, 0},
		{"down from unlimited", 0, 800, false, 500},
		{"down from unlimited with nothing measured", 0, 0, false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := nextRate(tt.cur, tt.measured, tt.up); got != tt.want {
				t.Errorf("nextRate(%v, %v, %v) = %v, want %v", tt.cur, tt.measured, tt.up, got, tt.want)
			}
		})
	}
}

func TestFeedKeepsEventsAndCoalescesSnapshots(t *testing.T) {
	f := newFeed()
	f.push(tasks.Event{Step: 3, State: tasks.Running})
	f.push(generate.Snapshot{Acknowledged: 1})
	f.push(tasks.Event{Step: 3, State: tasks.Done})
	f.push(generate.Snapshot{Acknowledged: 2})
	f.push(metrics.Snapshot{RecordsIn: 5})
	f.push(Summary{Notes: []string{"end"}})
	got := run(t, f.wait())
	if len(got) != 1 {
		t.Fatalf("wait returned %d messages, want one batch", len(got))
	}
	batch := got[0].(feedMsg)
	want := feedMsg{
		tasks.Event{Step: 3, State: tasks.Running},
		generate.Snapshot{Acknowledged: 2},
		tasks.Event{Step: 3, State: tasks.Done},
		metrics.Snapshot{RecordsIn: 5},
		Summary{Notes: []string{"end"}},
	}
	if !reflect.DeepEqual(batch, want) {
		t.Errorf("batch = %+v\nwant %+v", batch, want)
	}
	f.close()
	if msg := f.wait()(); msg != nil {
		t.Errorf("wait on a closed, empty feed = %v, want nil", msg)
	}
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond) // polling, not synchronisation
	}
}

func TestDashboardRun(t *testing.T) {
	inR, inW := io.Pipe()
	defer inW.Close()
	out := &syncBuffer{}
	quit := make(chan struct{})
	opts := upOptions()
	opts.OnQuit = func() { close(quit) }
	d := NewDashboard(opts)
	// Sending before Run must neither block nor be lost.
	for _, e := range upEvents() {
		d.Step(e)
	}
	d.Producer(producerSnaps()[9])
	d.Consumer(consumerSnaps()[9])
	d.Rows(tableRows())

	errc := make(chan error, 1)
	go func() { errc <- d.Run(context.Background(), inR, out) }()
	waitFor(t, "the first frame with the counts", func() bool { return strings.Contains(out.String(), "2,516") })
	if _, err := inW.Write([]byte("q")); err != nil {
		t.Fatal(err)
	}
	select {
	case <-quit:
	case <-time.After(10 * time.Second):
		t.Fatal("q did not call OnQuit")
	}
	waitFor(t, "the stopping notice", func() bool { return strings.Contains(out.String(), "stopping…") })
	d.Finish(Summary{Notes: []string{"12,345 events sent, 12,300 counted"}})
	select {
	case err := <-errc:
		if err != nil {
			t.Fatalf("Run = %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after Finish")
	}
	s := out.String()
	const leaveAlt = "\x1b[?1049l"
	i := strings.LastIndex(s, leaveAlt)
	if i < 0 {
		t.Fatalf("the dashboard never left the alternate screen:\n%q", s)
	}
	report := s[i+len(leaveAlt):]
	for _, want := range []string{"create stream my-stream", "12,345 events sent, 12,300 counted", "rejected 2"} {
		if !strings.Contains(report, want) {
			t.Errorf("final report lacks %q:\n%s", want, report)
		}
	}
	// After the end, sending must not block.
	d.Producer(generate.Snapshot{})
	d.Step(tasks.Event{})
}

func TestDashboardRunAborted(t *testing.T) {
	inR, inW := io.Pipe()
	defer inW.Close()
	opts := upOptions()
	opts.OnQuit = func() {}
	d := NewDashboard(opts)
	errc := make(chan error, 1)
	go func() { errc <- d.Run(context.Background(), inR, io.Discard) }()
	inW.Write([]byte{3}) // ctrl+c
	inW.Write([]byte{3})
	select {
	case err := <-errc:
		if !errors.Is(err, ErrAborted) {
			t.Fatalf("Run = %v, want ErrAborted", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after two ctrl+c")
	}
}

func TestDashboardRunContextEnds(t *testing.T) {
	inR, inW := io.Pipe()
	defer inW.Close()
	ctx, cancel := context.WithCancel(context.Background())
	d := NewDashboard(upOptions())
	errc := make(chan error, 1)
	out := &syncBuffer{}
	go func() { errc <- d.Run(ctx, inR, out) }()
	d.Step(upEvents()[0])
	waitFor(t, "the first frame", func() bool { return strings.Contains(out.String(), "use profile local") })
	cancel()
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Run = %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return when its context ended")
	}
}

func TestDashboardFollow(t *testing.T) {
	d := NewDashboard(upOptions())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	steps := make(chan tasks.Event)
	prod := make(chan generate.Snapshot)
	cons := make(chan metrics.Snapshot)
	table := make(chan results.Result)
	d.Follow(ctx, Feeds{Steps: steps, Producer: prod, Consumer: cons, Aggregate: table})
	steps <- upEvents()[0]
	prod <- producerSnaps()[9]
	cons <- consumerSnaps()[9]
	table <- results.Result{Rows: tableRows()}
	close(steps)
	m := d.model
	waitFor(t, "four forwarded messages", func() bool {
		d.feed.mu.Lock()
		defer d.feed.mu.Unlock()
		return len(d.feed.queue) == 4
	})
	for _, msg := range run(t, d.feed.wait()) {
		m.Update(msg)
	}
	if m.steps.len() != 1 || m.prod == nil || m.cons == nil || len(m.rows) != len(tableRows()) {
		t.Errorf("model after Follow: %d steps, producer %v, consumer %v, %d rows", m.steps.len(), m.prod != nil, m.cons != nil, len(m.rows))
	}
}

func TestColours(t *testing.T) {
	view := func(c Colors) string {
		opts := upOptions()
		opts.Colors = c
		m := newTestDashboard(opts)
		for _, e := range upEvents() {
			m.Update(e)
		}
		m.Update(consumerSnaps()[9])
		m.Update(tableRows())
		return m.View()
	}
	if v := view(ColorANSI); !strings.Contains(v, "\x1b[") {
		t.Error("the ANSI profile drew no colour")
	}
	if v := view(ColorNone); strings.Contains(v, "\x1b[") {
		t.Errorf("ColorNone drew escape sequences:\n%q", v)
	}
	t.Setenv("NO_COLOR", "1")
	if p := ColorAuto.profile(nil); p != ColorNone.profile(nil) {
		t.Errorf("with NO_COLOR, ColorAuto picked profile %v", p)
	}
	if v := view(ColorAuto); strings.Contains(v, "\x1b[") {
		t.Errorf("NO_COLOR still drew escape sequences:\n%q", v)
	}
}

func TestRunSteps(t *testing.T) {
	inR, inW := io.Pipe()
	defer inW.Close()
	out := &syncBuffer{}
	boom := errors.New("create table my-table: AccessDeniedException: not authorized")
	err := RunSteps(context.Background(), inR, out, StepsOptions{Title: "spk create-table", Colors: ColorNone, Static: true},
		func(ctx context.Context, onEvent func(tasks.Event)) error {
			return tasks.Runner{OnEvent: onEvent}.Run(ctx, []tasks.Task{
				{Step: 3, Name: "create stream my-stream", Run: func(context.Context, func(string)) (string, error) { return "already there", nil }},
				{Step: 4, Name: "create table my-table", Run: func(context.Context, func(string)) (string, error) { return "", boom }},
			})
		})
	if !errors.Is(err, boom) {
		t.Fatalf("RunSteps = %v, want the step's error", err)
	}
	s := out.String()
	for _, want := range []string{"spk create-table", "✓  3  create stream my-stream", "✗  4  create table my-table", "AccessDeniedException"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
}

func TestRunStepsInterrupted(t *testing.T) {
	inR, inW := io.Pipe()
	defer inW.Close()
	out := &syncBuffer{}
	started := make(chan struct{})
	errc := make(chan error, 1)
	go func() {
		errc <- RunSteps(context.Background(), inR, out, StepsOptions{Colors: ColorNone, Static: true},
			func(ctx context.Context, onEvent func(tasks.Event)) error {
				return tasks.Runner{OnEvent: onEvent}.Run(ctx, []tasks.Task{
					{Step: 3, Name: "create stream my-stream", Run: func(ctx context.Context, _ func(string)) (string, error) {
						close(started)
						<-ctx.Done()
						return "", ctx.Err()
					}},
				})
			})
	}()
	<-started
	waitFor(t, "the running step", func() bool { return strings.Contains(out.String(), "create stream my-stream") })
	inW.Write([]byte{3}) // ctrl+c
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("RunSteps = %v, want context.Canceled from the work", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("ctrl+c did not stop the work")
	}
	if s := out.String(); !strings.Contains(s, "✗  3  create stream my-stream") {
		t.Errorf("the interrupted step is not shown failed:\n%s", s)
	}
}

// TestStepErrorsAreConcise: a failed step shows why in a few words, as the
// plain lines do, never the SDK's chain of wrappers, though the runner's
// event carries the whole text.
func TestStepErrorsAreConcise(t *testing.T) {
	l := newStepList()
	err := fmt.Errorf("create stream %q: %w", "s", &smithy.OperationError{ServiceID: "Kinesis", OperationName: "DescribeStreamSummary",
		Err: &smithy.GenericAPIError{Code: "ResourceInUseException", Message: "busy"}})
	l.apply(tasks.Event{Step: 3, Name: "create stream s", State: tasks.Failed, Err: err, Error: err.Error(), At: time.Now()})
	got := l.byKey[stepKey{3, "create stream s"}].last.Error
	if strings.Contains(got, "operation error") || !strings.Contains(got, "busy") {
		t.Fatalf("the step's error reads %q", got)
	}
}

// TestWrappedHintsKeepFlagsWhole: a hint or an error wrapped under a
// failed step breaks at spaces only, so a flag stays whole to copy; a
// word wider than the line is still cut to fit.
func TestWrappedHintsKeepFlagsWhole(t *testing.T) {
	got := wrapWords("hint: run spk run --until-caught-up --table counts again", 30)
	want := []string{"hint: run spk run", "--until-caught-up --table", "counts again"}
	if !slices.Equal(got, want) {
		t.Errorf("wrapWords = %q, want %q", got, want)
	}
	long := strings.Repeat("x", 25)
	got = wrapWords("a "+long, 10)
	want = []string{"a", "xxxxxxxxxx", "xxxxxxxxxx", "xxxxx"}
	if !slices.Equal(got, want) {
		t.Errorf("wrapWords of a long word = %q, want %q", got, want)
	}
	for _, l := range wrapWords("ünïcødé wörds and 漢字漢字漢字 wide", 8) {
		if displayWidth(l) > 8 {
			t.Errorf("line %q is %d cells wide, over 8", l, displayWidth(l))
		}
	}
}
