package local

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fxamacker/cbor/v2"
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
	spares   *spareConns
	limits   *limiter
	metrics  *metrics
	started  time.Time
	ln       net.Listener
	http     *http.Server
	served   chan error
	log      *slog.Logger

	// stopping ends when a stop begins (beginStop), bringing the deadlines
	// of the requests in flight forward (deadlines).
	stopping  context.Context
	beginStop context.CancelFunc

	closeOnce sync.Once
	closeErr  error
}

// Start opens the store, starts the services and serves on opts.Addr in the
// background until Shutdown or Close.
func Start(ctx context.Context, opts Options) (*Server, error) {
	opts = opts.withDefaults()
	refuse := func(err error) (*Server, error) {
		if opts.Listener != nil {
			opts.Listener.Close() // Start's to close, as it would have been to serve
		}
		return nil, err
	}
	if (opts.AccessKey == "") != (opts.SecretKey == "") {
		return refuse(errors.New("start endpoint: only one of access key and secret key is set; set both to verify signatures, or neither"))
	}
	if opts.FaultRate < 0 || opts.FaultRate > 1 {
		return refuse(fmt.Errorf("start endpoint: fault rate %v is outside 0..1; give a fraction such as 0.01", opts.FaultRate))
	}
	if err := checkBind(opts.Addr, opts.AccessKey != ""); err != nil {
		return refuse(err)
	}
	// The address is taken before the store is opened, so a busy port
	// leaves no store (and no 4 MB log) in a new data directory.
	ln := opts.Listener
	if ln == nil {
		var lc net.ListenConfig
		var err error
		if ln, err = lc.Listen(ctx, "tcp", opts.Addr); err != nil {
			return nil, fmt.Errorf("listen on %s: %w; choose another address or stop what is using it", opts.Addr, err)
		}
	}
	db, err := store.OpenWith(opts.DataDir, store.Options{InMemory: opts.InMemory, Logger: opts.Logger})
	if err != nil {
		ln.Close()
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
	s := &Server{opts: opts, db: db, services: map[string]service.Handler{}, log: opts.Logger, served: make(chan error, 1), started: time.Now()}
	s.stopping, s.beginStop = context.WithCancel(context.Background())
	fail := func(err error) (*Server, error) {
		s.closeServices()
		db.Close()
		ln.Close()
		return nil, err
	}
	k, err := loadService(kinesis.New, env)
	if err != nil {
		return fail(fmt.Errorf("start kinesis: %w", err))
	}
	s.register(k)
	env.Kinesis = k // DynamoDB's Kinesis streaming destinations write through it
	// Further services register here, one line each.
	d, err := loadService(dynamodb.New, env)
	if err != nil {
		return fail(fmt.Errorf("start dynamodb: %w", err))
	}
	s.register(d)
	s.register(d.Streams()) // DynamoDB Streams, on the same tables
	s.limits = newLimiter(int64(opts.MaxConcurrentRequests), opts.MaxBufferedBytes, opts.SlotWait)
	s.metrics = newMetrics(db, counts{kinesis: k.Counts, dynamodb: d.Counts, waiting: s.limits.queued})

	s.ln = ln
	// An HTTP/2 client may open as many streams on a connection as the
	// connection has slots: one that keeps to the limit queues its requests,
	// or opens another connection, rather than meeting the share's throttle
	// (a client that opens 100 streams of large bodies found 36 of them
	// waiting with their bodies unread, which stalled the others' bodies
	// behind the connection's flow-control window).
	streams := uint32(connShare(int64(opts.MaxConcurrentRequests)))
	s.upgrades = newUpgrader(s)
	// x/net's HTTP/2 server, which serves upgraded connections, keeps its
	// own idle timeout: without it an idle h2c connection stayed for ever.
	//lint:ignore SA1019 ServeConn reads no idle timeout from BaseConfig
	s.upgrades.h2.IdleTimeout = idleTimeout
	//lint:ignore SA1019 nor a stream limit: upgraded connections need their own
	s.upgrades.h2.MaxConcurrentStreams = streams
	s.spares = newSpareConns()
	s.http = &http.Server{
		Handler:           s.upgrades,
		ConnState:         s.spares.connState,
		ConnContext:       s.limits.withShare,
		Protocols:         protocols(),
		HTTP2:             &http.HTTP2Config{MaxConcurrentStreams: int(streams)},
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       idleTimeout,
		ErrorLog:          slog.NewLogLogger(opts.Logger.Handler(), slog.LevelDebug),
	}
	for _, h := range s.services {
		if d, ok := h.(service.Drainer); ok {
			s.http.RegisterOnShutdown(d.Drain)
		}
	}
	go func() { s.served <- s.http.Serve(ln) }()
	if opts.InMemory {
		// Nothing is kept in the data directory: naming it would mislead.
		s.log.Info("endpoint listening", "addr", ln.Addr().String(), "in_memory", true)
	} else {
		s.log.Info("endpoint listening", "addr", ln.Addr().String(), "in_memory", false, "data_dir", opts.DataDir)
	}
	return s, nil
}

func (s *Server) register(h service.Handler) {
	if s.opts.wrap != nil {
		h = s.opts.wrap(h)
	}
	s.services[h.TargetPrefix()] = h
}

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
// Connections that have begun no request are closed after spareGrace. A
// request still reading its body or writing its answer has StopGrace to
// finish it, and SubscribeToShard event streams end (Drain).
func (s *Server) Shutdown(ctx context.Context) error {
	s.beginStop()
	s.upgrades.stop()
	stop := make(chan struct{})
	go s.spares.closeSpares(stop)
	err := s.http.Shutdown(ctx)
	close(stop)
	if werr := s.upgrades.wait(ctx.Done()); werr != nil && err == nil {
		err = werr
	}
	s.upgrades.close()
	return errors.Join(err, s.release())
}

// Close stops at once, dropping in-flight requests, and closes the store.
func (s *Server) Close() error {
	s.beginStop()
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

// ServeHTTP answers the endpoint's own GET paths (health, metrics), and
// routes everything else as an AWS API request, counted in the metrics.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		// Only POSTs are read: a body declared on anything else (the
		// endpoint's own paths, a preflight) is not drained.
		dropBody(w, r)
	}
	if cors(w, r, s.opts.AccessKey == "") || s.serveInfo(w, r) {
		return
	}
	w.Header().Set("x-amzn-RequestId", newRequestID())
	target := r.Header.Get("X-Amz-Target")
	if s.log.Enabled(r.Context(), slog.LevelDebug) {
		s.log.Debug("request", "target", target, "proto", r.Proto, "remote", r.RemoteAddr)
	}
	prefix, op, _ := strings.Cut(target, ".")
	h := s.services[prefix]
	svc, opLabel := "unknown", "unknown"
	if h != nil {
		svc = h.Name()
		if h.Has(op) {
			opLabel = op
		}
	}
	rec := &recorder{ResponseWriter: w}
	rec.init(w, s.opts.WriteTimeout, s.opts.StopGrace)
	defer rec.watch(s.stopping)()
	defer rec.answer() // an answer net/http writes after the handler (nothing written: 200) too
	s.metrics.inFlight.Inc()
	start := time.Now()
	defer func() {
		s.metrics.inFlight.Dec()
		s.metrics.observe(svc, opLabel, rec, time.Since(start))
	}()
	s.serveAPI(rec, r, h, prefix, op, svc)
}

// serveAPI routes POST / on the X-Amz-Target prefix, over HTTP/1.1 and
// HTTP/2 alike. Everything the headers decide (the signature's key, scope,
// date and signed headers; the body's declared size; a free request slot
// and body budget) is decided before any of the body is read, so a refused
// request costs the endpoint neither the body's memory nor its transfer.
func (s *Server) serveAPI(w *recorder, r *http.Request, h service.Handler, prefix, op, svc string) {
	if prefix == kinesis.TargetPrefix {
		// Kinesis answers every request with an x-amz-id-2 as well: 72
		// random bytes in base64.
		w.Header().Set("x-amz-id-2", newAmzID2())
	}
	if r.Method != http.MethodPost {
		refuse(w, r, prefix, http.StatusMethodNotAllowed, "UnknownOperationException", "Only POST requests are supported by this endpoint.")
		return
	}
	if s.opts.AccessKey == "" && !loopbackHost(r.Host) {
		// Without keys any request is taken: a web page whose name was
		// made to resolve to 127.0.0.1 (DNS rebinding) must not be one.
		refuse(w, r, prefix, http.StatusForbidden, "AccessDeniedException",
			"Host "+r.Host+" is not a loopback name: spk local without keys answers only requests addressed to localhost or a loopback address; start it with --access-key and --secret-key to serve other names.")
		return
	}
	if h == nil {
		if !hasAuth(r) {
			refuse(w, r, prefix, http.StatusForbidden, sigv4.ErrMissing.Code, sigv4.ErrMissing.Message)
			return
		}
		refuse(w, r, prefix, http.StatusBadRequest, "UnknownOperationException", "")
		return
	}
	pending, aerr := s.checkAuth(r, prefix)
	if aerr != nil {
		refuse(w, r, prefix, authStatus(aerr), aerr.Code, aerr.Message)
		return
	}
	if r.ContentLength > s.opts.MaxRequestBytes {
		refuseTooLarge(w, r, prefix, s.opts.MaxRequestBytes)
		return
	}
	sh := shareOf(r.Context())
	if !s.limits.enter(r.Context(), sh) {
		s.metrics.throttled.WithLabelValues(svc).Inc()
		refuseThrottled(w, r, prefix, op)
		return
	}
	inSlot := true
	defer func() {
		if inSlot {
			s.limits.leave(sh)
		}
	}()
	body, reserved, err := s.readBody(w, r)
	if err != nil {
		switch {
		case errors.Is(err, errThrottled):
			s.metrics.throttled.WithLabelValues(svc).Inc()
			refuseThrottled(w, r, prefix, op)
		case errors.Is(err, errTooLarge):
			refuseTooLarge(w, r, prefix, s.opts.MaxRequestBytes)
		case s.stopping.Err() != nil:
			// The server's state, not the client's fault: a 503, which
			// the SDKs retry (against the endpoint once it is back).
			refuseStopping(w, r)
		default:
			refuse(w, r, prefix, http.StatusBadRequest, "SerializationException", s.unreadBody(err))
		}
		return
	}
	defer s.limits.free(reserved)
	if pending != nil {
		if aerr := pending.Verify(sha256.Sum256(body)); aerr != nil {
			writeError(w, r, prefix, authStatus(aerr), aerr.Code, aerr.Message)
			return
		}
	}
	if isLongLived(prefix, op) {
		inSlot = false
		s.limits.leave(sh)
	}
	s.serveOp(w, r, h, op, body)
}

// serveOp runs the service's operation, recovering a panic in it: the
// panic and its stack are logged once, and the client gets the service's
// internal error, or, when the answer had already begun, a dropped
// connection, as net/http does for a panicking handler. Either way the
// endpoint keeps serving.
func (s *Server) serveOp(w *recorder, r *http.Request, h service.Handler, op string, body []byte) {
	// A fault on a damaged page of the store (a key bbolt reads past the
	// file's end) is a panic here too, not the end of the process.
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		p := recover()
		if p == nil {
			return
		}
		if p == http.ErrAbortHandler {
			panic(p)
		}
		s.log.Error("operation panicked", "service", h.Name(), "op", op, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		if w.written() {
			panic(http.ErrAbortHandler)
		}
		h.InternalError(w, r)
	}()
	h.ServeOp(w, r, op, body)
}

// readBody reads the request body within the body budget and the body
// timeouts (bodyClock). The deadline is lifted once the body is in: a
// response may stream for minutes, and on HTTP/1.1 an expired deadline
// would cancel the request's context. After a failed read it stays, so
// that nothing more is read from the connection.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, int64, error) {
	rc := http.NewResponseController(w)
	in := newBodyClock(r.Body, rc.SetReadDeadline, s.opts.BodyTimeout, s.opts.BodyIdleTimeout)
	body, reserved, err := s.limits.readBody(in, r.ContentLength, s.opts.MaxRequestBytes)
	if err == nil {
		_ = rc.SetReadDeadline(time.Time{})
	}
	return body, reserved, err
}

// unreadBody is the message for a body that could not be read: a client
// error, in the service's SerializationException. For one that stopped
// arriving it names the timeout it ran into, so that whoever reads it
// knows why.
func (s *Server) unreadBody(err error) string {
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		return fmt.Sprintf("Could not read the request body: it did not arrive in time (the endpoint waits at most %v for its next byte, and %v for all of it).", s.opts.BodyIdleTimeout, s.opts.BodyTimeout)
	}
	return "Could not read the request body."
}

func hasAuth(r *http.Request) bool {
	return r.Header.Get("Authorization") != "" || r.URL.Query().Get("X-Amz-Algorithm") != ""
}

// idleTimeout is how long a connection may sit idle between requests.
const idleTimeout = 2 * time.Minute

// dropBody closes, after its answer, an HTTP/1.1 connection whose request
// declared a body that was not read: net/http would otherwise wait to
// drain it, without a deadline, from a client that may never send it.
func dropBody(w http.ResponseWriter, r *http.Request) {
	if r.ProtoMajor == 1 && r.ContentLength != 0 {
		w.Header().Set("Connection", "close")
		http.NewResponseController(w).SetReadDeadline(time.Now())
	}
}

// loopbackHost reports whether a request's Host names this machine's
// loopback interface: localhost (or a name under .localhost) or a loopback
// address, with or without a port.
func loopbackHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSuffix(host, "."), "["), "]")
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// refuse answers a request refused before its body was read. Over
// HTTP/1.1 an unread body would have to be drained before the connection
// could carry another request, so the connection is closed instead.
func refuse(w http.ResponseWriter, r *http.Request, prefix string, status int, typ, msg string) {
	// net/http still reads up to 256 KiB of an unread body, looking for
	// its end; an expired deadline stops that at once, so a client that
	// never sends the body cannot hold the connection.
	dropBody(w, r)
	writeError(w, r, prefix, status, typ, msg)
}

// refuseStopping answers a request that begins on an upgraded HTTP/2
// connection once a graceful stop has begun (net/http's own connections
// are sent GOAWAY and take none): 503 ServiceUnavailable, AWS's common
// error for a server that cannot take a request now, which the SDKs
// retry.
func refuseStopping(w http.ResponseWriter, r *http.Request) {
	prefix, _, _ := strings.Cut(r.Header.Get("X-Amz-Target"), ".")
	refuse(w, r, prefix, http.StatusServiceUnavailable, "ServiceUnavailable", "The endpoint is stopping.")
}

func refuseTooLarge(w http.ResponseWriter, r *http.Request, prefix string, limit int64) {
	refuse(w, r, prefix, http.StatusRequestEntityTooLarge, "SerializationException",
		fmt.Sprintf("Request body is larger than the %d bytes this endpoint accepts.", limit))
}

// refuseThrottled answers a request the endpoint has no room for with the
// throttling error the operation can answer on AWS, which SDKs retry with
// backoff while their retry budget lasts: for Kinesis's data plane the
// ProvisionedThroughputExceededException that producers and consumers
// already handle, LimitExceededException for the rest.
func refuseThrottled(w http.ResponseWriter, r *http.Request, prefix, op string) {
	if strings.HasPrefix(prefix, "DynamoDB") {
		refuse(w, r, prefix, http.StatusBadRequest, "com.amazon.coral.availability#ThrottlingException", "Rate of requests exceeds the allowed throughput.")
		return
	}
	typ := "LimitExceededException"
	switch op {
	case "PutRecord", "PutRecords", "GetRecords", "GetShardIterator":
		typ = "ProvisionedThroughputExceededException"
	}
	refuse(w, r, prefix, http.StatusBadRequest, typ, "Rate exceeded: the endpoint is serving as many requests as it allows at once; retry with backoff.")
}

// writeError answers a request the server rejects before a service sees it,
// in the protocol the target prefix implies, and for Kinesis in CBOR when
// the request was (the Java SDK and the KCL read a JSON error to a CBOR
// request as no error code, so a throttle was not retried). A type without
// a namespace is in DynamoDB's com.amazon.coral.service. X-Amzn-ErrorType
// names the type, as SDKs read it before the body; DynamoDB answers carry
// X-Amz-Crc32, the CRC-32 of the body, which the Go SDK checks on every
// response.
func writeError(w http.ResponseWriter, r *http.Request, prefix string, status int, typ, msg string) {
	ct := "application/x-amz-json-1.1"
	dynamo := strings.HasPrefix(prefix, "DynamoDB")
	bare := typ[strings.LastIndexByte(typ, '#')+1:]
	if dynamo {
		ct = "application/x-amz-json-1.0"
		if !strings.Contains(typ, "#") {
			typ = "com.amazon.coral.service#" + typ
		}
	}
	var body []byte
	switch {
	case !dynamo && r != nil && service.IsCBOR(r):
		ct = "application/x-amz-cbor-1.1"
		m := map[string]string{"__type": typ}
		if msg != "" {
			m["message"] = msg
		}
		body, _ = cbor.Marshal(m)
	case msg == "":
		body = fmt.Appendf(nil, `{"__type":%q}`, typ)
	default:
		body = fmt.Appendf(nil, `{"__type":%q,"message":%q}`, typ, msg)
	}
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("X-Amzn-ErrorType", bare)
	if dynamo {
		h.Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10))
	}
	w.WriteHeader(status)
	w.Write(body)
}

// newRequestID is a random UUID-shaped ID, as AWS's. IDs are no secret:
// the fast per-goroutine generator of math/rand/v2 is enough.
func newRequestID() string {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], rand.Uint64())
	binary.LittleEndian.PutUint64(b[8:], rand.Uint64())
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func newAmzID2() string {
	var b [72]byte
	for i := 0; i < len(b); i += 8 {
		binary.LittleEndian.PutUint64(b[i:], rand.Uint64())
	}
	return base64.StdEncoding.EncodeToString(b[:])
}

// loadService runs a service's New, which reads what the store keeps,
// turning a panic over stored data it cannot decode into an error: a
// damaged directory, or one whose data this spk cannot read, is refused in
// words rather than with a stack trace.
func loadService[T any](newService func(*service.Env) (T, error), env *service.Env) (svc T, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true)) // as in serveOp
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("its stored data cannot be read (%v): the data directory is damaged, or was written by another spk; move it away to start afresh, or upgrade spk", r)
		}
	}()
	return newService(env)
}
