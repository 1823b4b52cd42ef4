// Package service defines what the local endpoint's server and the services
// it hosts (Kinesis, DynamoDB) share: the environment a service runs in and
// the interface the server dispatches requests to.
package service

import (
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/spk-cli/spk/provision/local/store"
)

// Env is what a service needs from the server.
type Env struct {
	DB                                    *store.DB // the shared durable store
	Region, AccountID                     string
	CreateDelay, DeleteDelay, UpdateDelay time.Duration
	EnforceLimits                         bool    // apply AWS per-shard/per-table limits
	ShardLimit                            int     // Kinesis shards per account; 0 means AWS's default for the region (kinesis.DefaultShardLimit)
	Faults                                *Faults // nil when fault injection is off
	Now                                   func() time.Time
	Log                                   *slog.Logger
	SubscriptionLifetime                  time.Duration // Kinesis SubscribeToShard; zero: five minutes
	Kinesis                               KinesisWriter // the endpoint's Kinesis streams, for DynamoDB's streaming destinations; nil without Kinesis
}

// Handler is a service hosted by the server. Every service has this one
// shape: the server reads and authenticates the request, dispatches on the
// X-Amz-Target prefix, counts it, and recovers a panic in ServeOp by
// answering the service's own internal error (InternalError).
type Handler interface {
	// TargetPrefix is the X-Amz-Target text before the dot, e.g. "Kinesis_20131202".
	TargetPrefix() string
	// Name is the service's short name in health reports and metric
	// labels: "kinesis", "dynamodb", "dynamodbstreams".
	Name() string
	// Has reports whether op is one of the service's operations. Metrics
	// label other operations "unknown", so a client cannot grow them.
	Has(op string) bool
	// ServeOp serves one request for operation op (the text after the dot).
	// The body has been read already (within the server's size limit). The
	// handler writes its own success and error bodies.
	ServeOp(w http.ResponseWriter, r *http.Request, op string, body []byte)
	// InternalError answers r with the service's internal error (500), in
	// the request's protocol: the server calls it when ServeOp panics
	// before writing anything.
	InternalError(w http.ResponseWriter, r *http.Request)
	// Close stops background goroutines.
	Close() error
}

// Drainer is a Handler whose responses can stay open for long (Kinesis's
// SubscribeToShard event streams). The server calls Drain when a graceful
// shutdown starts, so that the shutdown does not wait for them: Drain ends
// them, cleanly for a client that reads, and cuts a write blocked on one
// that does not within a second.
type Drainer interface {
	Drain()
}

// Faults decides which requests fail on purpose, deterministically for a seed.
type Faults struct {
	mu   sync.Mutex
	rate float64
	rnd  *rand.Rand
}

// NewFaults returns a Faults that fails a fraction rate (0..1) of calls to
// Hit, or nil when rate <= 0. The same seed gives the same sequence.
func NewFaults(rate float64, seed int64) *Faults {
	if rate <= 0 {
		return nil
	}
	return &Faults{rate: rate, rnd: rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15))}
}

// Hit reports whether the next request (or request entry) should fail.
// A nil Faults never hits.
func (f *Faults) Hit() bool {
	if f == nil {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rnd.Float64() < f.rate
}

// Rate is the configured fault rate (0 for nil).
func (f *Faults) Rate() float64 {
	if f == nil {
		return 0
	}
	return f.rate
}

// cborContent is the media type of Kinesis's CBOR protocol.
const cborContent = "application/x-amz-cbor-1.1"

// IsCBOR reports whether a request's body is CBOR: its Content-Type's
// media type is application/x-amz-cbor-1.1, in any letter case and with
// any parameters (RFC 9110 §8.3.1), as the Java SDK and the KCL send it.
func IsCBOR(r *http.Request) bool {
	ct := r.Header.Get("Content-Type")
	if len(ct) < len(cborContent) {
		return false
	}
	mt, _, _ := strings.Cut(ct, ";")
	return strings.EqualFold(strings.TrimSpace(mt), cborContent)
}
