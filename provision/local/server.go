package local

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/spk-cli/spk/provision/local/dynamodb"
	"github.com/spk-cli/spk/provision/local/kinesis"
	"github.com/spk-cli/spk/provision/local/service"
	"github.com/spk-cli/spk/provision/local/sigv4"
	"github.com/spk-cli/spk/provision/local/store"
)

// Server is a running endpoint.
type Server struct {
	opts     Options
	db       *store.DB
	services map[string]service.Handler
	upgrades *upgrader
	ln       net.Listener
	http     *http.Server
	served   chan error
	log      *slog.Logger

	closeOnce sync.Once
	closeErr  error
}

// Start opens the store, starts the services and serves on opts.Addr in the
// background until Shutdown or Close.
func Start(ctx context.Context, opts Options) (*Server, error) {
	opts = opts.withDefaults()
	if (opts.AccessKey == "") != (opts.SecretKey == "") {
		return nil, errors.New("start endpoint: only one of access key and secret key is set; set both to verify signatures, or neither")
	}
	if opts.FaultRate < 0 || opts.FaultRate > 1 {
		return nil, fmt.Errorf("start endpoint: fault rate %v is outside 0..1; give a fraction such as 0.01", opts.FaultRate)
	}
	if err := checkBind(opts.Addr, opts.AccessKey != ""); err != nil {
		return nil, err
	}
	db, err := store.Open(opts.DataDir, opts.InMemory)
	if err != nil {
		return nil, err
	}
	env := &service.Env{
		DB:            db,
		Region:        opts.Region,
		AccountID:     opts.AccountID,
		CreateDelay:   opts.CreateDelay,
		DeleteDelay:   opts.DeleteDelay,
		UpdateDelay:   opts.UpdateDelay,
		EnforceLimits: opts.EnforceLimits,
		ShardLimit:    opts.ShardLimit,
		Faults:        service.NewFaults(opts.FaultRate, opts.FaultSeed),
		Now:           opts.Now,
		Log:           opts.Logger,

		SubscriptionLifetime: opts.SubscriptionLifetime,
	}
	s := &Server{opts: opts, db: db, services: map[string]service.Handler{}, log: opts.Logger, served: make(chan error, 1)}
	fail := func(err error) (*Server, error) {
		s.closeServices()
		db.Close()
		return nil, err
	}
	k, err := kinesis.New(env)
	if err != nil {
		return fail(fmt.Errorf("start kinesis: %w", err))
	}
	s.register(k)
	env.Kinesis = k // DynamoDB's Kinesis streaming destinations write through it
	// Further services register here, one line each.
	if d, err := dynamodb.New(env); err != nil {
		return fail(fmt.Errorf("start dynamodb: %w", err))
	} else {
		s.register(d)
		s.register(d.Streams()) // DynamoDB Streams, on the same tables
	}

	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", opts.Addr)
	if err != nil {
		return fail(fmt.Errorf("listen on %s: %w; choose another address or stop what is using it", opts.Addr, err))
	}
	s.ln = ln
	s.upgrades = newUpgrader(s, opts.MaxRequestBytes)
	s.http = &http.Server{
		Handler:           s.upgrades,
		Protocols:         protocols(),
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(opts.Logger.Handler(), slog.LevelDebug),
	}
	for _, h := range s.services {
		if d, ok := h.(service.Drainer); ok {
			s.http.RegisterOnShutdown(d.Drain)
		}
	}
	go func() { s.served <- s.http.Serve(ln) }()
	s.log.Info("endpoint listening", "addr", ln.Addr().String(), "in_memory", opts.InMemory, "data_dir", opts.DataDir)
	return s, nil
}

func (s *Server) register(h service.Handler) { s.services[h.TargetPrefix()] = h }

// checkBind refuses non-loopback addresses unless signatures are verified.
func checkBind(addr string, haveKeys bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("listen address %q: %w; use host:port, e.g. 127.0.0.1:4566", addr, err)
	}
	if haveKeys {
		return nil
	}
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("listen address %q is not loopback: anyone on the network could use the endpoint; bind 127.0.0.1 or set an access key and secret key so requests are verified", addr)
}

// URL is the endpoint URL for SDKs, e.g. "http://127.0.0.1:45123".
func (s *Server) URL() string { return "http://" + s.Addr() }

// Addr is the address actually listened on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Shutdown stops accepting connections, waits for in-flight requests (until
// ctx ends), stops the services, then syncs and closes the store.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.http.Shutdown(ctx)
	if werr := s.upgrades.wait(ctx.Done()); werr != nil && err == nil {
		err = werr
	}
	s.upgrades.close()
	return errors.Join(err, s.release())
}

// Close stops at once, dropping in-flight requests, and closes the store.
func (s *Server) Close() error {
	err := s.http.Close()
	s.upgrades.close()
	return errors.Join(err, s.release())
}

func (s *Server) release() error {
	s.closeOnce.Do(func() {
		err := s.closeServices()
		s.closeErr = errors.Join(err, s.db.Close())
	})
	return s.closeErr
}

func (s *Server) closeServices() error {
	var errs []error
	for _, h := range s.services {
		errs = append(errs, h.Close())
	}
	return errors.Join(errs...)
}

// ServeHTTP routes POST / on the X-Amz-Target prefix, over HTTP/1.1 and
// HTTP/2 alike.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if cors(w, r) {
		return
	}
	w.Header().Set("x-amzn-RequestId", newRequestID())
	target := r.Header.Get("X-Amz-Target")
	if s.log.Enabled(r.Context(), slog.LevelDebug) {
		s.log.Debug("request", "target", target, "proto", r.Proto, "remote", r.RemoteAddr)
	}
	prefix, op, _ := strings.Cut(target, ".")
	h := s.services[prefix]
	if prefix == kinesis.TargetPrefix {
		// Kinesis answers every request with an x-amz-id-2 as well: 72
		// random bytes in base64.
		w.Header().Set("x-amz-id-2", newAmzID2())
	}
	if r.Method != http.MethodPost {
		writeError(w, prefix, http.StatusMethodNotAllowed, "UnknownOperationException", "Only POST requests are supported by this endpoint.")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.opts.MaxRequestBytes))
	if err != nil {
		writeBodyError(w, prefix, err, s.opts.MaxRequestBytes)
		return
	}
	if err := s.authenticate(r, body); err != nil {
		status := http.StatusBadRequest
		if err == sigv4.ErrMissing {
			status = http.StatusForbidden
		}
		writeError(w, prefix, status, err.Code, err.Message)
		return
	}
	if h == nil {
		writeError(w, prefix, http.StatusBadRequest, "UnknownOperationException", "")
		return
	}
	h.ServeOp(w, r, op, body)
}

func (s *Server) authenticate(r *http.Request, body []byte) *sigv4.Error {
	if s.opts.AccessKey == "" {
		// Loopback without keys: any signature will do, but SDKs always
		// sign, and AWS refuses unsigned requests, so one must be present.
		if r.Header.Get("Authorization") == "" && r.URL.Query().Get("X-Amz-Algorithm") == "" {
			return sigv4.ErrMissing
		}
		return nil
	}
	return sigv4.Verify(r, body, s.opts.AccessKey, s.opts.SecretKey)
}

// writeBodyError answers a request whose body could not be read.
func writeBodyError(w http.ResponseWriter, prefix string, err error, limit int64) {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		writeError(w, prefix, http.StatusRequestEntityTooLarge, "SerializationException",
			fmt.Sprintf("Request body is larger than the %d bytes this endpoint accepts.", limit))
		return
	}
	writeError(w, prefix, http.StatusBadRequest, "SerializationException", "Could not read the request body.")
}

// writeError answers a request the server rejects before a service sees it,
// in the protocol the target prefix implies.
func writeError(w http.ResponseWriter, prefix string, status int, typ, msg string) {
	ct := "application/x-amz-json-1.1"
	if strings.HasPrefix(prefix, "DynamoDB") {
		ct = "application/x-amz-json-1.0"
		typ = "com.amazon.coral.service#" + typ
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(status)
	if msg == "" {
		fmt.Fprintf(w, `{"__type":%q}`, typ)
		return
	}
	fmt.Fprintf(w, `{"__type":%q,"message":%q}`, typ, msg)
}

func newRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func newAmzID2() string {
	var b [72]byte
	rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}
