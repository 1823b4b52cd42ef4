package local_test

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"testing"
	"time"

	local "github.com/spk-cli/spk/provision/local"
	"github.com/spk-cli/spk/provision/local/flood"
	"github.com/spk-cli/spk/provision/local/localtest"
)

// floodChildEnv makes the test binary serve a keyed, in-memory endpoint
// (see serveFloodChild) instead of running tests, so that a flood test can
// read the endpoint's own peak memory from /proc.
const floodChildEnv = "SPK_FLOOD_CHILD"

var floodKeys = flood.Keys{AccessKey: "AKIDFLOOD", SecretKey: "flood-secret", Region: local.DefaultRegion}

func TestMain(m *testing.M) {
	if os.Getenv(floodChildEnv) != "" {
		serveFloodChild()
		return
	}
	os.Exit(m.Run())
}

func serveFloodChild() {
	opts := local.DefaultOptions()
	opts.Addr, opts.InMemory = "127.0.0.1:0", true
	opts.AccessKey, opts.SecretKey = floodKeys.AccessKey, floodKeys.SecretKey
	srv, err := local.Start(context.Background(), opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "start endpoint:", err)
		os.Exit(1)
	}
	fmt.Println("ADDR " + srv.Addr())
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt)
	<-stop
	srv.Close()
	os.Exit(0)
}

func startFloodChild(t *testing.T) (pid int, addr string) {
	t.Helper()
	cmd, addr := localtest.StartProcess(t, []string{floodChildEnv + "=1"}, "ADDR ")
	return cmd.Process.Pid, addr
}

// Forty requests of 16 MiB at once, unsigned or signed, leave the
// endpoint's peak memory far below the 640 MiB they carry: unsigned ones
// are refused from their headers, and signed ones beyond the body budget
// (64 MiB) are throttled before their bodies are read.
func TestFloodKeepsMemoryFlat(t *testing.T) {
	const n, size = 40, 16 << 20
	cases := []struct {
		name  string
		keys  *flood.Keys
		limit int64
		want  []string // the only answers allowed
	}{
		{"unsigned", nil, 100 << 20, []string{"403 MissingAuthenticationTokenException"}},
		// Admitted bodies are read (up to the 64 MiB budget), then refused
		// by Kinesis as not JSON; the rest are throttled, as PutRecords is.
		{"signed", &floodKeys, 160 << 20, []string{"400 SerializationException", "400 ProvisionedThroughputExceededException"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pid, addr := startFloodChild(t)
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			res := flood.Run(ctx, addr, n, size, c.keys)
			peak, err := flood.PeakRSS(pid)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%d requests of %d MiB, %s: peak RSS %d MiB; answers: %s", n, size>>20, c.name, peak>>20, res)
			answered := 0
			for _, w := range c.want {
				answered += res[w]
			}
			if answered != n {
				t.Fatalf("answers %s, want only %v", res, c.want)
			}
			limit := c.limit
			if raceEnabled {
				limit *= 2
			}
			if peak > limit {
				t.Fatalf("peak RSS %d MiB under the flood, want under %d MiB", peak>>20, limit>>20)
			}
		})
	}
}
