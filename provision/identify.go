package provision

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"
)

// SpkHealthPath is where spk local answers who it is (local.HealthPath;
// provision_test checks they agree).
const SpkHealthPath = "/_spk/health"

// IsSpkLocal reports whether the endpoint answers as spk local does. An
// address alone does not say so: spk's default port is also LocalStack's,
// and another emulator there holds resources that are not spk's.
func IsSpkLocal(ctx context.Context, endpoint string) bool {
	_, ok := SpkLocalStore(ctx, endpoint)
	return ok
}

// SpkLocalStore is the store's state as spk local's health says it: "ok",
// or "refusing writes: …" after a failure only a restart mends; ok is
// false when the endpoint does not answer as spk local.
func SpkLocalStore(ctx context.Context, endpoint string) (store string, ok bool) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(endpoint, "/")+SpkHealthPath, nil)
	if err != nil {
		return "", false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", false
	}
	defer resp.Body.Close()
	// 503 is spk local's answer while its store refuses writes.
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusServiceUnavailable {
		return "", false
	}
	var h struct {
		Services map[string]string `json:"services"`
		Storage  string            `json:"storage"`
		Store    string            `json:"store"`
	}
	if json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&h) != nil {
		return "", false
	}
	if len(h.Services) == 0 || (h.Storage != "durable" && h.Storage != "memory") {
		return "", false
	}
	if h.Store == "" {
		h.Store = "ok" // an spk local from before the field
	}
	return h.Store, true
}
