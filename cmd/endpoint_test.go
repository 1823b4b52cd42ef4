package cmd

import (
	"context"
	"net"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spk-cli/spk/provision/local"
)

// startLocal starts spk's embedded endpoint in-process on a free loopback
// port, in memory, with short state delays so waiting is exercised.
func startLocal(t *testing.T) *local.Server {
	t.Helper()
	srv, err := local.Start(context.Background(), local.Options{
		Addr: "127.0.0.1:0", InMemory: true,
		CreateDelay: 150 * time.Millisecond, DeleteDelay: 150 * time.Millisecond, UpdateDelay: 150 * time.Millisecond,
	})
	if err != nil {
		t.Fatalf("start spk local: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shut down spk local: %v", err)
		}
	})
	return srv
}

// endpointEnv points spk at an endpoint, with the rest of the environment empty.
func endpointEnv(url string, extra ...string) map[string]string {
	env := map[string]string{"SPK_AWS_ENDPOINT_URL": url}
	for i := 0; i+1 < len(extra); i += 2 {
		env[extra[i]] = extra[i+1]
	}
	return env
}

// closedPort returns a loopback address where nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// startDurableLocal starts the endpoint on a data directory.
func startDurableLocal(t *testing.T, dir string) *local.Server {
	t.Helper()
	srv, err := local.Start(context.Background(), local.Options{Addr: "127.0.0.1:0", DataDir: dir, CreateDelay: -1, DeleteDelay: -1, UpdateDelay: -1})
	if err != nil {
		t.Fatalf("start spk local: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

var osStat = os.Stat

// hasRow reports whether a line of a table holds the cells in order, however
// the columns are padded.
func hasRow(out string, cells ...string) bool {
	quoted := make([]string, len(cells))
	for i, c := range cells {
		quoted[i] = regexp.QuoteMeta(c)
	}
	return regexp.MustCompile(`(?m)^\s*` + strings.Join(quoted, `\s+`)).MatchString(out)
}
