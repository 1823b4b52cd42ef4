package generate

import (
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/spk-cli/spk/stream/accesslog"
)

func TestAccessLogTemplateParses(t *testing.T) {
	g := mustGenerator(t, Options{Seed: 21, Template: "accesslog", Now: clock})
	const n = 6000
	ips, paths, statuses := map[string]int{}, map[string]int{}, map[int]int{}
	var bytes int64
	for range n {
		ev := next(t, g)
		line := string(ev.Data)
		e, err := accesslog.Parse(line)
		if err != nil {
			t.Fatalf("line %q does not parse: %v", line, err)
		}
		if !e.Combined || e.Method == "" || e.Protocol != "HTTP/1.1" || !strings.HasPrefix(e.Path, "/") || e.Agent == "" {
			t.Fatalf("line %q reads as %+v", line, e)
		}
		if !e.Timestamp.Equal(fixedNow.Truncate(time.Second)) {
			t.Fatalf("line %q: time %v, want %v", line, e.Timestamp, fixedNow.Truncate(time.Second))
		}
		if e.Status == 304 && e.Bytes != 0 || e.Status == 200 && e.Bytes < 512 {
			t.Fatalf("line %q: %d bytes for status %d", line, e.Bytes, e.Status)
		}
		ips[e.IP]++
		paths[e.Path]++
		statuses[e.Status]++
		bytes += e.Bytes
	}
	// A few hot clients and paths, as real traffic: the four hot addresses
	// carry about 30% of the requests, the rest are spread thin.
	hot := top(ips, 4)
	var hotShare int
	for _, ip := range hot {
		hotShare += ips[ip]
	}
	if hotShare < n*25/100 || hotShare > n*35/100 || hot[0] != "203.0.113.9" {
		t.Errorf("hot addresses %v carry %d of %d requests", hot, hotShare, n)
	}
	if p := top(paths, 1)[0]; p != "/" || paths[p] < n*20/100 {
		t.Errorf("hottest path %s with %d of %d", p, paths[p], n)
	}
	var clientErr, serverErr int
	for s, c := range statuses {
		switch {
		case s >= 500:
			serverErr += c
		case s >= 400:
			clientErr += c
		}
	}
	if clientErr < n*5/100 || serverErr < n*2/100 || statuses[200] < n*75/100 {
		t.Errorf("statuses %v: want mostly 200, some 4xx and 5xx", statuses)
	}
	if avg := bytes / n; avg < 20000 || avg > 60000 {
		t.Errorf("average size %d bytes", avg)
	}
}

func TestAccessLogBadLinesFailParsing(t *testing.T) {
	g := mustGenerator(t, Options{Seed: 3, Template: "accesslog", Bad: 0.3, Now: clock})
	bad := 0
	for range 1000 {
		ev := next(t, g)
		_, err := accesslog.Parse(string(ev.Data))
		if ev.Bad == BadNone && err != nil {
			t.Fatalf("good line %q rejected: %v", ev.Data, err)
		}
		if ev.Bad != BadNone {
			bad++
			if err == nil {
				t.Fatalf("%s line %q accepted", ev.Bad, ev.Data)
			}
		}
	}
	if bad < 240 || bad > 360 {
		t.Errorf("%d bad lines of 1000 at --bad 0.3", bad)
	}
}

// top returns the k keys of largest count, largest first.
func top[K comparable](counts map[K]int, k int) []K {
	keys := make([]K, 0, len(counts))
	for key := range counts {
		keys = append(keys, key)
	}
	sort.Slice(keys, func(i, j int) bool { return counts[keys[i]] > counts[keys[j]] })
	return keys[:min(k, len(keys))]
}

// BenchmarkTemplates renders events of each built-in template.
func BenchmarkTemplates(b *testing.B) {
	for _, name := range Builtins() {
		b.Run(name, func(b *testing.B) {
			g, err := NewGenerator(Options{Seed: 1, Template: name, Now: clock})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := g.Next(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
