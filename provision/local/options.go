// Package local is spk's embedded AWS endpoint: one HTTP listener that speaks
// the Kinesis Data Streams (JSON 1.1) and DynamoDB (JSON 1.0) wire protocols
// over a durable store, so the AWS CLI, SDKs and the KCL work against it
// without an AWS account.
package local

import (
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/spk-cli/spk/provision/local/service"
)

// Options configures the endpoint. The zero value is not useful; start from
// DefaultOptions.
type Options struct {
	// Addr is the TCP address to listen on. "127.0.0.1:0" picks a free port.
	// A non-loopback address is refused unless AccessKey and SecretKey are set.
	Addr string
	// Listener, when set, is a listener already bound to Addr, which Start
	// serves on instead of binding Addr itself: a caller that binds first
	// can refuse a port in use before it does anything else. Start owns it
	// from then on, and closes it if it fails.
	Listener net.Listener
	// DataDir holds the durable store. Ignored when InMemory is set.
	DataDir string
	// InMemory keeps nothing after shutdown (and syncs nothing to disk).
	InMemory bool
	// CreateDelay, DeleteDelay and UpdateDelay are how long a stream or table
	// stays CREATING, DELETING or UPDATING. Zero means the default (300ms);
	// a negative value means no delay at all.
	CreateDelay, DeleteDelay, UpdateDelay time.Duration
	// EnforceLimits applies AWS's per-shard throughput limits (1000 records/s
	// and 1 MiB/s written, 5 GetRecords calls/s and 2 MiB/s read), answering
	// ProvisionedThroughputExceededException when they are exceeded.
	EnforceLimits bool
	// ShardLimit is the number of open Kinesis shards the account may have
	// across its streams (CreateStream, UpdateShardCount and SplitShard
	// beyond it answer LimitExceededException). Zero means AWS's default quota for
	// the region (20 000 in us-east-1, us-west-2 and eu-west-1, 1 000 elsewhere).
	ShardLimit int
	// FaultRate (0..1) fails that fraction of requests, and of PutRecords
	// entries, with InternalFailure. FaultSeed makes the choice reproducible.
	FaultRate float64
	FaultSeed int64
	// AccessKey and SecretKey, when both set, are the only credentials
	// accepted: every request's SigV4 signature is verified. When unset any
	// signature is accepted (loopback only).
	AccessKey, SecretKey string
	// Region and AccountID appear in ARNs and messages.
	Region    string
	AccountID string
	// MaxRequestBytes caps a request body; zero means the default (16 MiB,
	// above the largest legal PutRecords request once base64-encoded).
	MaxRequestBytes int64
	// MaxConcurrentRequests bounds the requests being read or served at
	// once (long-lived SubscribeToShard event streams count only while
	// their request is read); zero means the default, 256. One connection
	// (an HTTP/2 connection carries many requests) may hold at most a
	// quarter of them. Past either bound a request waits up to SlotWait
	// for a slot, then is answered with the service's throttling error.
	MaxConcurrentRequests int
	// SlotWait is how long a request waits for a free request slot; zero
	// means the default, one second; negative, no wait.
	SlotWait time.Duration
	// MaxBufferedBytes bounds the request body bytes held in memory across
	// all requests at once; zero means the default, 64 MiB (at least
	// MaxRequestBytes). A request whose body would exceed it is answered at
	// once with the service's throttling error, before its body is read.
	MaxBufferedBytes int64
	// BodyTimeout is how long a request's body may take to arrive once its
	// headers have; zero means the default, one minute. A slower body is
	// answered SerializationException and its connection closed (over
	// HTTP/2, its stream ended).
	BodyTimeout time.Duration
	// BodyIdleTimeout is how long a request's body may go without a byte
	// arriving, within BodyTimeout; zero means the default, 10 seconds. A
	// client that stops sending a body gives its request slot back after
	// this long rather than after BodyTimeout.
	BodyIdleTimeout time.Duration
	// WriteTimeout is how long an answer may take to be written once it
	// begins; zero means the default, 30 seconds. An answer its client
	// does not read in that time is cut off (HTTP/1.1: the connection is
	// closed; HTTP/2: the stream is reset), which frees its request slot
	// and its memory. SubscribeToShard event streams give each event 30
	// seconds instead.
	WriteTimeout time.Duration
	// StopGrace is how long, once Shutdown begins, a request still reading
	// its body or writing its answer has to finish; zero means the
	// default, one second. A client that neither sends nor reads cannot
	// hold a graceful stop longer. Operations already running are not cut:
	// their answers get StopGrace from when they begin.
	StopGrace time.Duration
	// Logger receives the server's logs; nil discards them.
	Logger *slog.Logger
	// StartedBy names the command serving the endpoint ("spk local", "spk
	// up"), which health reports with the process id: a client using an
	// endpoint another spk up started learns that it ends with that run.
	StartedBy string
	// Now is the clock (nil: time.Now). Tests move it forward to expire
	// iterators or retention without waiting.
	Now func() time.Time
	// SubscriptionLifetime is how long a SubscribeToShard subscription lasts
	// before it ends cleanly; zero means AWS's five minutes. Tests shorten it
	// to exercise renewals.
	SubscriptionLifetime time.Duration

	// wrap, when set, wraps each service as it is registered; tests use
	// it to add an operation that panics.
	wrap func(service.Handler) service.Handler
}

// Defaults used by DefaultOptions and for zero fields.
const (
	DefaultAddr            = "127.0.0.1:4566"
	DefaultRegion          = "us-east-1"
	DefaultAccountID       = "000000000000"
	DefaultDelay           = 300 * time.Millisecond
	DefaultMaxRequestBytes = 16 << 20

	DefaultMaxConcurrentRequests = 256
	DefaultSlotWait              = time.Second
	DefaultMaxBufferedBytes      = 64 << 20
	DefaultBodyTimeout           = time.Minute
	DefaultBodyIdleTimeout       = 10 * time.Second
	DefaultWriteTimeout          = 30 * time.Second
	DefaultStopGrace             = time.Second
)

// DefaultOptions returns durable options on the default address and data dir.
func DefaultOptions() Options {
	return Options{
		Addr:        DefaultAddr,
		DataDir:     DefaultDataDir(),
		CreateDelay: DefaultDelay,
		DeleteDelay: DefaultDelay,
		UpdateDelay: DefaultDelay,
		Region:      DefaultRegion,
		AccountID:   DefaultAccountID,
	}
}

// DefaultDataDir is $XDG_DATA_HOME/spk/local, or ~/.local/share/spk/local.
func DefaultDataDir() string {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "spk", "local")
	}
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return filepath.Join(os.TempDir(), "spk", "local")
	}
	return filepath.Join(home, ".local", "share", "spk", "local")
}

func (o Options) withDefaults() Options {
	if o.Addr == "" {
		o.Addr = DefaultAddr
	}
	if o.DataDir == "" && !o.InMemory {
		o.DataDir = DefaultDataDir()
	}
	o.CreateDelay = delayOrDefault(o.CreateDelay)
	o.DeleteDelay = delayOrDefault(o.DeleteDelay)
	o.UpdateDelay = delayOrDefault(o.UpdateDelay)
	if o.Region == "" {
		o.Region = DefaultRegion
	}
	if o.AccountID == "" {
		o.AccountID = DefaultAccountID
	}
	if o.MaxRequestBytes <= 0 {
		o.MaxRequestBytes = DefaultMaxRequestBytes
	}
	if o.MaxConcurrentRequests <= 0 {
		o.MaxConcurrentRequests = DefaultMaxConcurrentRequests
	}
	if o.MaxBufferedBytes <= 0 {
		o.MaxBufferedBytes = DefaultMaxBufferedBytes
	}
	if o.SlotWait == 0 {
		o.SlotWait = DefaultSlotWait
	}
	// One request of the largest size accepted must always fit.
	o.MaxBufferedBytes = max(o.MaxBufferedBytes, o.MaxRequestBytes)
	if o.BodyTimeout <= 0 {
		o.BodyTimeout = DefaultBodyTimeout
	}
	if o.BodyIdleTimeout <= 0 {
		o.BodyIdleTimeout = DefaultBodyIdleTimeout
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = DefaultWriteTimeout
	}
	if o.StopGrace <= 0 {
		o.StopGrace = DefaultStopGrace
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

func delayOrDefault(d time.Duration) time.Duration {
	switch {
	case d == 0:
		return DefaultDelay
	case d < 0:
		return 0
	}
	return d
}
