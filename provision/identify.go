package provision

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
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
	h, ok, _ := IdentifySpkLocal(ctx, endpoint)
	return h.Store, ok
}

// SpkLocalHealth is what spk needs of spk local's health answer.
type SpkLocalHealth struct {
	Services map[string]string `json:"services"`
	Storage  string            `json:"storage"`
	// Store is "ok" or "refusing writes: …".
	Store string `json:"store"`
	// StartedBy is "spk local" or "spk up" (empty from an spk local from
	// before the field), PID its process.
	StartedBy string `json:"started_by"`
	PID       int    `json:"pid"`
}

// IdentifySpkLocal is the endpoint's health when it answers as spk local,
// with err set when it gave no answer to tell by (it timed out, refused, or
// ctx ended): a stopped or hung spk local is not "another program".
func IdentifySpkLocal(ctx context.Context, endpoint string) (h SpkLocalHealth, ok bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(endpoint, "/")+SpkHealthPath, nil)
	if err != nil {
		return h, false, nil
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		// Only silence is no answer; a closed connection or another
		// protocol's greeting is another program's answer.
		var ne net.Error
		if ctx.Err() != nil || errors.As(err, &ne) && ne.Timeout() {
			return h, false, err
		}
		return h, false, nil
	}
	defer resp.Body.Close()
	// 503 is spk local's answer while its store refuses writes.
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusServiceUnavailable {
		return h, false, nil
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&h); err != nil {
		if ctx.Err() != nil { // the body was cut short by the deadline
			return SpkLocalHealth{}, false, ctx.Err()
		}
		return SpkLocalHealth{}, false, nil
	}
	if len(h.Services) == 0 || (h.Storage != "durable" && h.Storage != "memory") {
		return SpkLocalHealth{}, false, nil
	}
	if h.Store == "" {
		h.Store = "ok" // an spk local from before the field
	}
	return h, true, nil
}
