package local

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/spk-cli/spk/internal/version"
)

// Paths the endpoint answers to GET and HEAD besides the AWS APIs. None
// needs a signature, even on an endpoint with keys (LocalStack's health
// does not either, and probes carry no credentials); none reveals a key.
const (
	HealthPath           = "/_spk/health"
	LocalStackHealthPath = "/_localstack/health"
	MetricsPath          = "/metrics"
)

// Health is what GET /_spk/health answers.
type Health struct {
	// Services maps each service's name to "running".
	Services map[string]string `json:"services"`
	// Version is spk's version.
	Version string `json:"version"`
	// UptimeSeconds is how long the endpoint has been serving.
	UptimeSeconds float64 `json:"uptime_seconds"`
	// StartedBy is the command serving the endpoint ("spk local", or "spk
	// up", whose endpoint stops when its run ends), and PID its process.
	StartedBy string `json:"started_by,omitempty"`
	PID       int    `json:"pid"`
	// Storage is "durable" or "memory".
	Storage string `json:"storage"`
	// DataDir is the store's directory; empty (and left out) in memory.
	DataDir string `json:"data_dir,omitempty"`
	// Store is "ok", or "refusing writes: <why>" after a failure that only
	// a restart mends (a failed sync): reads are still served, writes are
	// answered with the services' internal error.
	Store string `json:"store"`
	// LastWriteError is the newest write the store failed and took back
	// (a full disk, say: the store goes on, and the write's caller got an
	// internal error), with when; absent when none failed since start.
	LastWriteError   string `json:"last_write_error,omitempty"`
	LastWriteErrorAt string `json:"last_write_error_at,omitempty"`
}

// localStackHealth is GET /_localstack/health in LocalStack's shape, for
// tools that probe LocalStack: the running services under LocalStack's
// names for them, an edition and a version.
type localStackHealth struct {
	Services map[string]string `json:"services"`
	Edition  string            `json:"edition"`
	Version  string            `json:"version"`
}

// rootText is the answer to GET /: AWS API requests are POSTs, so a
// browser or curl pointed at the endpoint learns where to look instead
// of getting an error.
const rootText = "spk local: Kinesis, DynamoDB and DynamoDB Streams. AWS API requests are POSTs to /; health: GET " + HealthPath + "; metrics: GET " + MetricsPath + "\n"

// serveInfo answers GET and HEAD for the endpoint's own paths, and
// reports whether it did. GET / with an X-Amz-Target is an API request
// with the wrong method, and is left to be refused as one.
func (s *Server) serveInfo(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	switch r.URL.Path {
	case HealthPath:
		// 503 while the store refuses writes, so that a probe that reads
		// only the status (curl -f, a container's health check) sees it.
		h, status := s.Health(), http.StatusOK
		if h.Store != "ok" {
			status = http.StatusServiceUnavailable
		}
		writeJSON(w, status, h)
	case LocalStackHealthPath:
		writeJSON(w, http.StatusOK, localStackHealth{Services: s.running(), Edition: "spk", Version: version.Get().Version})
	case MetricsPath:
		s.metrics.handler.ServeHTTP(w, r)
	case "/":
		if r.Header.Get("X-Amz-Target") != "" || hasAuth(r) {
			return false
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Content-Length", strconv.Itoa(len(rootText)))
		io.WriteString(w, rootText)
	default:
		return false
	}
	return true
}

// Health reports the endpoint's state, as GET /_spk/health does.
func (s *Server) Health() Health {
	h := Health{
		Services:      s.running(),
		Version:       version.Get().Version,
		UptimeSeconds: time.Since(s.started).Seconds(),
		StartedBy:     s.opts.StartedBy,
		PID:           os.Getpid(),
		Storage:       "durable",
		DataDir:       s.opts.DataDir,
	}
	if s.opts.InMemory {
		h.Storage, h.DataDir = "memory", ""
	}
	h.Store = "ok"
	if err := s.db.Refusing(); err != nil {
		h.Store = "refusing writes: " + err.Error()
	}
	if f := s.db.LastCommitFailure(); f != nil {
		h.LastWriteError, h.LastWriteErrorAt = f.Err, f.At.UTC().Format(time.RFC3339)
	}
	return h
}

// running names every service the endpoint serves. A service that is
// registered is serving: there is no state in between.
func (s *Server) running() map[string]string {
	out := make(map[string]string, len(s.services))
	for _, h := range s.services {
		out[h.Name()] = "running"
	}
	return out
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	b = append(b, '\n')
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(b)
}
