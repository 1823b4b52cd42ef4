package kinesis

import (
	"runtime"
	"sync"
	"testing"
	"time"
)

// TestTimersLeaveNothingBehind: a delayed state change (CREATING, DELETING,
// a reshard, a consumer's registration) leaves no goroutine once it has
// run, so a long-lived endpoint that creates and deletes streams does not
// grow; and Close still waits for, or cancels, the pending ones.
func TestTimersLeaveNothingBehind(t *testing.T) {
	s := newTestService(t, nil)
	before := runtime.NumGoroutine()
	var ran sync.WaitGroup
	for range 200 {
		ran.Add(1)
		s.after(time.Millisecond, ran.Done)
	}
	ran.Wait()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before+5 { // timer callbacks finishing their return
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines after 200 delayed changes ran, %d before", runtime.NumGoroutine(), before)
		}
		time.Sleep(time.Millisecond) // polling interval
	}
	// Pending changes are dropped by Close, which returns.
	called := make(chan struct{}, 1)
	s.after(time.Hour, func() { called <- struct{}{} })
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return with a change pending")
	}
	select {
	case <-called:
		t.Fatal("a change pending at Close ran")
	default:
	}
}
