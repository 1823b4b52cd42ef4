package tui

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/spk-cli/spk/stream/results"
)

// refused is the error a read gets from the SDK when nothing listens: an
// operation error around a request that could not be sent.
func refused() error {
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	return &smithy.OperationError{ServiceID: "DynamoDB", OperationName: "Scan",
		Err: fmt.Errorf("exceeded maximum number of attempts, 3, %w", &smithyhttp.RequestSendError{Err: dial})}
}

func TestEndpointDown(t *testing.T) {
	api := &smithy.OperationError{ServiceID: "DynamoDB", OperationName: "Scan",
		Err: &smithy.GenericAPIError{Code: "ResourceNotFoundException", Message: "no table"}}
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"refused through the SDK", refused(), true},
		{"a bare dial error", &net.OpError{Op: "dial", Err: errors.New("refused")}, true},
		{"an error the endpoint returned", api, false},
		// An endpoint that takes the connection and never answers.
		{"no answer within the read's time", &smithy.OperationError{ServiceID: "DynamoDB", OperationName: "Scan",
			Err: &smithy.CanceledError{Err: context.DeadlineExceeded}}, true},
		{"anything else", errors.New("disk full"), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := endpointDown(c.err); got != c.want {
				t.Fatalf("endpointDown(%v) = %v, want %v", c.err, got, c.want)
			}
		})
	}
}

// downAt is when the fake endpoint stops answering.
var downAt = time.Date(2015, 6, 5, 12, 55, 3, 0, time.UTC)

// TestDashboardEndpointUnreachable: reads that cannot reach the endpoint
// turn the badge red with the time it stopped answering, stop the
// spinners, keep the last rows read and mark them stale; a good read
// brings it all back.
func TestDashboardEndpointUnreachable(t *testing.T) {
	m := newTestDashboard(upOptions())
	m.opts.Static = false // the spinner must really stop
	for _, e := range upEvents() {
		m.Update(e)
	}
	prod, cons := producerSnaps(), consumerSnaps()
	for i := range prod {
		m.Update(prod[i])
		m.Update(cons[i])
	}
	rows := tableRows()
	m.Update(results.Result{Rows: rows, At: downAt.Add(-2 * time.Second)})
	if v := m.View(); !strings.Contains(v, "● live") || strings.Contains(v, "unreachable") {
		t.Fatalf("live before the outage:\n%s", v)
	}

	m.Update(results.Result{Err: refused(), At: downAt})
	m.Update(results.Result{Err: refused(), At: downAt.Add(2 * time.Second)})
	v := m.View()
	for _, want := range []string{
		"● endpoint unreachable since 12:55:03",
		"problems endpoint unreachable since 12:55:03",
		"stale: the endpoint does not answer; last read at 12:55:01",
		"12:53   1,172", // the last rows read are still there
		"○  5  generate events",
	} {
		if !strings.Contains(v, want) {
			t.Errorf("the view lacks %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, "● live") || strings.Contains(v, "exceeded maximum") {
		t.Errorf("the view still says live, or shows the raw error:\n%s", v)
	}
	checkSize(t, v, 80, 24)
	if _, cmd := m.Update(m.spin.Tick()); cmd != nil {
		t.Fatal("the spinner kept ticking while the endpoint was down")
	}

	// The endpoint answers again: live, and the spinner ticks anew.
	_, cmd := m.Update(results.Result{Rows: rows, At: downAt.Add(10 * time.Second)})
	msgs := run(t, cmd)
	if len(msgs) != 1 {
		t.Fatalf("a good read after the outage gave %v, want one spinner tick", msgs)
	}
	if _, ok := msgs[0].(spinner.TickMsg); !ok {
		t.Fatalf("a good read after the outage gave %T, want a spinner tick", msgs[0])
	}
	if v := m.View(); !strings.Contains(v, "● live") || strings.Contains(v, "unreachable") || strings.Contains(v, "stale") {
		t.Fatalf("not live again after a good read:\n%s", v)
	}
}

// TestDashboardOtherReadErrorsAreNotAnOutage: an error the endpoint
// returns says the endpoint is there.
func TestDashboardOtherReadErrorsAreNotAnOutage(t *testing.T) {
	m := newTestDashboard(upOptions())
	m.Update(results.Result{Err: &smithy.OperationError{ServiceID: "DynamoDB", OperationName: "Scan",
		Err: &smithy.GenericAPIError{Code: "ResourceNotFoundException", Message: "Requested resource not found"}}, At: downAt})
	v := m.View()
	if !strings.Contains(v, "table read failed: ResourceNotFoundException: Requested resource not found") || strings.Contains(v, "unreachable") {
		t.Fatalf("want the endpoint's error and no outage:\n%s", v)
	}
}

// TestDashboardViewsUnreachable: the views' reads tell of an outage too.
func TestDashboardViewsUnreachable(t *testing.T) {
	m := newTestDashboard(weblogOptions(t))
	m.Update(weblogResult(t))
	res := results.ViewsResult{At: downAt}
	for _, v := range m.opts.Views {
		res.Views = append(res.Views, results.ViewResult{View: v.Name(), Err: refused()})
	}
	m.Update(res)
	if v := m.View(); !strings.Contains(v, "● endpoint unreachable since 12:55:03") {
		t.Fatalf("no outage from the views' reads:\n%s", v)
	}
}

// TestDashboardUnreachableGolden: the whole screen during an outage, and
// while stopping during one.
func TestDashboardUnreachableGolden(t *testing.T) {
	for _, sz := range sizes {
		for _, stopping := range []bool{false, true} {
			name := fmt.Sprintf("%dx%d", sz.w, sz.h)
			if stopping {
				name += "-stopping"
			}
			t.Run(name, func(t *testing.T) {
				m := newTestDashboard(upOptions())
				m.Update(tea.WindowSizeMsg{Width: sz.w, Height: sz.h})
				for _, e := range upEvents() {
					m.Update(e)
				}
				prod, cons := producerSnaps(), consumerSnaps()
				for i := range prod {
					m.Update(prod[i])
					m.Update(cons[i])
				}
				m.Update(results.Result{Rows: tableRows(), At: downAt.Add(-2 * time.Second)})
				m.Update(results.Result{Err: refused(), At: downAt})
				if stopping {
					m.Update(keyMsg("q"))
				}
				v := m.View()
				checkSize(t, v, sz.w, sz.h)
				if !strings.Contains(v, "http://127.0.0.1:4566") {
					t.Errorf("the endpoint's URL is not on the screen:\n%s", v)
				}
				golden.RequireEqual(t, []byte(v+"\n"))
			})
		}
	}
}

// TestDashboardGivesUpOnAStopTheEndpointHoldsUp: with GiveUpAfter, q
// while the endpoint does not answer ends the view after the wait, with
// ErrUnreachable; while it answers, the view waits for Finish.
func TestDashboardGivesUpOnAStopTheEndpointHoldsUp(t *testing.T) {
	d := NewDashboard(upOptions())
	d.GiveUpAfter(time.Millisecond)
	m := d.model
	_, cmd := m.Update(keyMsg("q"))
	msgs := run(t, cmd)
	var tick tea.Msg
	for _, msg := range msgs {
		if _, ok := msg.(giveUpMsg); ok {
			tick = msg
		}
	}
	if tick == nil {
		t.Fatalf("q scheduled no give-up: %v", msgs)
	}
	// The endpoint answers: wait on.
	_, cmd = m.Update(tick)
	if isQuit(run(t, cmd)) || m.state != stateStopping {
		t.Fatal("gave up while the endpoint answered")
	}
	m.Update(results.Result{Err: refused(), At: downAt})
	_, cmd = m.Update(tick)
	if !isQuit(run(t, cmd)) || !m.gaveUp {
		t.Fatal("did not give up while the endpoint was down")
	}
	if v := m.View(); !strings.Contains(v, "✗ the endpoint stopped answering: the last counts may not be written") {
		t.Fatalf("the view does not say why it ended:\n%s", v)
	}
}

// TestDashboardWithoutGiveUpWaits: spk up's dashboard waits for Finish,
// whose summary says what happened.
func TestDashboardWithoutGiveUpWaits(t *testing.T) {
	m := newTestDashboard(upOptions())
	m.Update(results.Result{Err: refused(), At: downAt})
	_, cmd := m.Update(keyMsg("q"))
	for _, msg := range run(t, cmd) {
		if _, ok := msg.(giveUpMsg); ok {
			t.Fatal("q scheduled a give-up without GiveUpAfter")
		}
	}
}
