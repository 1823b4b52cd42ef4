package endpointtest

import (
	"context"
	"time"

	"github.com/spk-cli/spk/provision/local"
)

// startLocal starts spk's embedded endpoint and returns its URL.
var startLocal = func(t T, opts Options) string {
	srv, err := local.Start(context.Background(), local.Options{
		Addr: "127.0.0.1:0", InMemory: true,
		CreateDelay: 20 * time.Millisecond, DeleteDelay: 20 * time.Millisecond, UpdateDelay: 20 * time.Millisecond,
		EnforceLimits: opts.EnforceLimits, FaultRate: opts.FaultRate, FaultSeed: opts.FaultSeed,
		SubscriptionLifetime: opts.SubscriptionLifetime,
	})
	if err != nil {
		t.Fatalf("start spk endpoint: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return srv.URL()
}
