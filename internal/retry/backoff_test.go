package retry_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/spk-cli/spk/internal/retry"
)

var quick = retry.Policy{First: time.Millisecond, Max: 4 * time.Millisecond}

func TestDoRetriesTransientErrorsAndLogsOncePerStreak(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	calls := 0
	err := retry.Do(context.Background(), quick, log, "create lease x", func(context.Context) error {
		calls++
		if calls < 6 {
			return apiErr(500, "InternalServerError")
		}
		return nil
	})
	if err != nil || calls != 6 {
		t.Fatalf("Do = %v after %d calls; want success after 6", err, calls)
	}
	out := logs.String()
	if n := strings.Count(out, "level=WARN"); n != 1 || !strings.Contains(out, `msg="create lease x failed; retrying"`) {
		t.Fatalf("want one WARN line for the streak, got:\n%s", out)
	}
	if !strings.Contains(out, `msg="create lease x succeeded after retrying" failures=5`) {
		t.Fatalf("want the recovery logged, got:\n%s", out)
	}
}

func TestDoReturnsOtherErrorsAtOnce(t *testing.T) {
	for _, e := range []error{apiErr(400, "AccessDeniedException"), apiErr(400, "ConditionalCheckFailedException"), errors.New("boom")} {
		calls := 0
		err := retry.Do(context.Background(), quick, nil, "x", func(context.Context) error { calls++; return e })
		if err != e || calls != 1 {
			t.Fatalf("Do = %v after %d calls; want %v after 1", err, calls, e)
		}
	}
}

func TestDoEndsPromptlyWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	slow := retry.Policy{First: time.Hour, Max: time.Hour}
	done := make(chan error, 1)
	go func() {
		done <- retry.Do(ctx, slow, nil, "x", func(context.Context) error { return apiErr(503, "ServiceUnavailable") })
	}()
	cancel()
	select {
	case err := <-done:
		if !retry.Transient(err) {
			t.Fatalf("Do = %v; want the last error", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Do did not return after its context was cancelled")
	}
}

func TestDoGivesUpAfterThePolicysTime(t *testing.T) {
	p := quick
	p.GiveUpAfter = 20 * time.Millisecond
	err := retry.Do(context.Background(), p, nil, "create lease table \"app\"", func(context.Context) error { return apiErr(500, "InternalServerError") })
	var g *retry.GaveUpError
	if !errors.As(err, &g) || g.Attempts < 2 {
		t.Fatalf("Do = %v; want a GaveUpError after several attempts", err)
	}
	if !strings.HasPrefix(err.Error(), `create lease table "app": `) || !strings.HasSuffix(err.Error(), ": the service is unavailable or overloaded, try again later") {
		t.Fatalf("message %q does not say what, why and what to do", err)
	}
	if !retry.Transient(err) {
		t.Fatal("a GaveUpError keeps the classification of its last error")
	}
	// Without a description the caller's own error names the operation:
	// the message starts with the last error, not with an empty ": ".
	err = retry.Do(context.Background(), p, nil, "", func(context.Context) error { return apiErr(500, "InternalServerError") })
	if strings.HasPrefix(err.Error(), ":") || !strings.HasSuffix(err.Error(), "try again later") {
		t.Fatalf("message without a description %q", err)
	}
}

func TestNextIsCappedAndJitterStaysInRange(t *testing.T) {
	p := retry.Policy{First: 100 * time.Millisecond, Max: time.Second}
	var d time.Duration
	var got []time.Duration
	for range 6 {
		d = p.Next(d)
		got = append(got, d)
	}
	want := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond, time.Second, time.Second}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("delays %v, want %v", got, want)
		}
	}
	for range 1000 {
		if j := retry.Jitter(time.Second); j < 500*time.Millisecond || j > time.Second {
			t.Fatalf("Jitter(1s) = %v, outside [500ms, 1s]", j)
		}
	}
}
