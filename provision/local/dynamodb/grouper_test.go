package dynamodb

import (
	"testing"
	"time"
)

func TestGrouperWaitsForTheClientsWriting(t *testing.T) {
	var g grouper
	if g.want(1) != 1 {
		t.Fatalf("with one client writing, want(1) = %d, want 1 (a lone writer never waits)", g.want(1))
	}
	if g.want(8) != 8 || g.want(10*maxGroup) != maxGroup {
		t.Fatalf("want(8) = %d, want(%d) = %d; want 8 and the group limit %d", g.want(8), 10*maxGroup, g.want(10*maxGroup), maxGroup)
	}
	// Cheap commits (in memory): long enough for a client to come back.
	g.done(20 * time.Microsecond)
	if g.patience() != minLinger {
		t.Fatalf("after a 20µs commit, patience() = %v, want %v", g.patience(), minLinger)
	}
	g.done(600 * time.Microsecond)
	if g.patience() != 600*time.Microsecond {
		t.Fatalf("after a 600µs commit, patience() = %v, want 600µs", g.patience())
	}
	// A busy disk: the wait stays bounded.
	g.done(5 * time.Second)
	if g.patience() != maxLinger {
		t.Fatalf("after a slow commit, patience() = %v, want %v", g.patience(), maxLinger)
	}
}

func TestActiveWritersForgetsClientsThatStopped(t *testing.T) {
	var a activeWriters
	t0 := time.Unix(1_700_000_000, 0)
	if n := a.count(t0); n != 0 {
		t.Fatalf("no writes yet: count = %d, want 0", n)
	}
	a.saw("127.0.0.1:5000", t0)
	a.saw("127.0.0.1:5001", t0)
	a.saw("127.0.0.1:5000", t0.Add(time.Millisecond)) // the same client again
	if n := a.count(t0.Add(2 * time.Millisecond)); n != 2 {
		t.Fatalf("two connections writing: count = %d, want 2", n)
	}
	// 5001 stopped writing a window ago; 5000 wrote later.
	if n := a.count(t0.Add(writerWindow + 500*time.Microsecond)); n != 1 {
		t.Fatalf("after the window, count = %d, want 1 (the client that stopped is forgotten)", n)
	}
	if n := a.count(t0.Add(2*writerWindow + time.Millisecond)); n != 0 {
		t.Fatalf("long after the last write, count = %d, want 0", n)
	}
}

func TestLingerTakesStragglersUntilTheGroupIsWhole(t *testing.T) {
	s := &Service{commits: make(chan *commitOp, 8), stop: make(chan struct{})}
	first := &commitOp{}
	for range 3 {
		s.commits <- &commitOp{}
	}
	// Enough arrive: the group is whole without waiting out the patience.
	group := s.linger([]*commitOp{first}, 4, time.Hour)
	if len(group) != 4 || group[0] != first {
		t.Fatalf("linger returned %d writes (first kept: %v), want 4 with the first first", len(group), group[0] == first)
	}
	// Nobody else comes: the group goes as it is once the patience is out.
	s.commits <- &commitOp{}
	group = s.linger([]*commitOp{first}, 8, time.Millisecond)
	if len(group) != 2 {
		t.Fatalf("linger returned %d writes, want the 2 that came", len(group))
	}
	// Shutting down: no waiting at all.
	close(s.stop)
	group = s.linger([]*commitOp{first}, 8, time.Hour)
	if len(group) != 1 {
		t.Fatalf("linger during shutdown returned %d writes, want 1", len(group))
	}
}
