package local

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/spk-cli/spk/provision/local/store"
)

// metrics is what GET /metrics serves. Each endpoint has a registry of its
// own, not Prometheus's global one, so that several endpoints in one
// process (tests, spk up) do not collide.
type metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	errors    *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	inFlight  prometheus.Gauge
	throttled *prometheus.CounterVec
	handler   http.Handler
}

// counts are the services' own counts of what they hold, cheap to read.
type counts struct {
	kinesis  func() (streams, openShards int)
	dynamodb func() (tables int, items int64)
	waiting  func() int64 // requests waiting for a request slot
}

func newMetrics(db *store.DB, c counts) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "spk_local_requests_total",
			Help: "API requests answered, by service, operation and HTTP status class (2xx, 4xx, 5xx).",
		}, []string{"service", "operation", "code"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "spk_local_request_errors_total",
			Help: "API requests answered with an error, by service, operation and error type (the __type without namespace).",
		}, []string{"service", "operation", "error_type"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "spk_local_request_duration_seconds",
			Help: "Time from the request's headers to the end of its answer, by service and operation.",
			// 0.25 ms to about 8 s: most answers take well under a millisecond.
			Buckets: prometheus.ExponentialBuckets(0.00025, 2, 16),
		}, []string{"service", "operation"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "spk_local_requests_in_flight",
			Help: "API requests being read or served now (SubscribeToShard event streams included).",
		}),
		throttled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "spk_local_throttled_requests_total",
			Help: "Requests refused with the throttling error because the endpoint's request slots or body memory were spent.",
		}, []string{"service"}),
	}
	waiting := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "spk_local_requests_waiting",
		Help: "API requests waiting for a request slot (MaxConcurrentRequests) before being read.",
	}, func() float64 { return float64(c.waiting()) })
	m.reg.MustRegister(m.requests, m.errors, m.latency, m.inFlight, m.throttled, waiting,
		&storeCollector{db: db, c: c},
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	m.handler = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
	return m
}

// observe records one answered API request.
func (m *metrics) observe(svc, op string, rec *recorder, took time.Duration) {
	status := rec.statusCode()
	m.requests.WithLabelValues(svc, op, strconv.Itoa(status/100)+"xx").Inc()
	m.latency.WithLabelValues(svc, op).Observe(took.Seconds())
	if status >= 400 {
		m.errors.WithLabelValues(svc, op, errorType(rec.Header(), rec.errBody)).Inc()
	}
}

var (
	storeBytesDesc = prometheus.NewDesc("spk_local_store_bytes", "Size of the store's file (spk-local.db; with --in-memory, the memory it holds).", nil, nil)
	streamsDesc    = prometheus.NewDesc("spk_local_kinesis_streams", "Kinesis streams, in any status.", nil, nil)
	shardsDesc     = prometheus.NewDesc("spk_local_kinesis_open_shards", "Open shards across the Kinesis streams.", nil, nil)
	tablesDesc     = prometheus.NewDesc("spk_local_dynamodb_tables", "DynamoDB tables, in any status.", nil, nil)
	itemsDesc      = prometheus.NewDesc("spk_local_dynamodb_items", "Items across the DynamoDB tables.", nil, nil)
	commitsDesc    = prometheus.NewDesc("spk_local_store_commits_total", "Write transactions the store committed (a commit group is one).", nil, nil)
	logSyncsDesc   = prometheus.NewDesc("spk_local_store_log_syncs_total", "fdatasyncs of the store's write-ahead log, one per durable commit group.", nil, nil)
	checkptsDesc   = prometheus.NewDesc("spk_local_store_checkpoints_total", "Checkpoints of the store (the data file synced, the log started over).", nil, nil)
	failuresDesc   = prometheus.NewDesc("spk_local_store_commit_failures_total", "Write transactions whose commit failed and was taken back (a full disk, say); their callers got an internal error.", nil, nil)
	refusingDesc   = prometheus.NewDesc("spk_local_store_refusing_writes", "1 while the store refuses every write until a restart (after a failed sync), else 0.", nil, nil)
)

// storeCollector reads what the store holds at scrape time; every figure
// is kept up to date by the services, so a scrape costs a stat and one
// pass over the streams and tables.
type storeCollector struct {
	db *store.DB
	c  counts
}

func (sc *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{storeBytesDesc, streamsDesc, shardsDesc, tablesDesc, itemsDesc, commitsDesc, logSyncsDesc, checkptsDesc, failuresDesc, refusingDesc} {
		ch <- d
	}
}

func (sc *storeCollector) Collect(ch chan<- prometheus.Metric) {
	if size, err := sc.db.Size(); err == nil {
		ch <- prometheus.MustNewConstMetric(storeBytesDesc, prometheus.GaugeValue, float64(size))
	}
	st := sc.db.Stats()
	ch <- prometheus.MustNewConstMetric(commitsDesc, prometheus.CounterValue, float64(st.Commits))
	ch <- prometheus.MustNewConstMetric(logSyncsDesc, prometheus.CounterValue, float64(st.LogSyncs))
	ch <- prometheus.MustNewConstMetric(checkptsDesc, prometheus.CounterValue, float64(st.Checkpoints))
	ch <- prometheus.MustNewConstMetric(failuresDesc, prometheus.CounterValue, float64(st.CommitFailures))
	refusing := 0.0
	if sc.db.Refusing() != nil {
		refusing = 1
	}
	ch <- prometheus.MustNewConstMetric(refusingDesc, prometheus.GaugeValue, refusing)
	if sc.c.kinesis != nil {
		streams, shards := sc.c.kinesis()
		ch <- prometheus.MustNewConstMetric(streamsDesc, prometheus.GaugeValue, float64(streams))
		ch <- prometheus.MustNewConstMetric(shardsDesc, prometheus.GaugeValue, float64(shards))
	}
	if sc.c.dynamodb != nil {
		tables, items := sc.c.dynamodb()
		ch <- prometheus.MustNewConstMetric(tablesDesc, prometheus.GaugeValue, float64(tables))
		ch <- prometheus.MustNewConstMetric(itemsDesc, prometheus.GaugeValue, float64(items))
	}
}

// maxErrBody is how much of an error answer the recorder keeps to find
// its __type; error bodies are short, and __type comes first.
const maxErrBody = 1024

// recorder notes the status of an answer and the start of an error body,
// for the metrics and for the panic recovery (which may only answer when
// nothing was written yet), and keeps the request's deadlines (deadlines,
// whose SetReadDeadline and SetWriteDeadline http.ResponseController
// finds first). Unwrap lets it reach the connection beneath for the rest
// (Flush for event streams).
type recorder struct {
	http.ResponseWriter
	status  int
	errBody []byte
	deadlines
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 && code >= 200 {
		r.status = code
		r.answer()
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
		r.answer()
	}
	if r.status >= 400 && len(r.errBody) < maxErrBody {
		r.errBody = append(r.errBody, b[:min(len(b), maxErrBody-len(r.errBody))]...)
	}
	return r.ResponseWriter.Write(b)
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// written reports whether the status line has gone out.
func (r *recorder) written() bool { return r.status != 0 }

// statusCode is the status answered; a handler that wrote nothing
// answered 200, as net/http does.
func (r *recorder) statusCode() int {
	if r.status == 0 {
		return http.StatusOK
	}
	return r.status
}

// errorType is an error answer's type without its namespace
// ("com.amazon.coral.service#SerializationException" counts as
// SerializationException), or "unknown": from X-Amzn-ErrorType when the
// service sets it (DynamoDB does; its bodies can be long), else from the
// body's __type.
func errorType(h http.Header, body []byte) string {
	var v struct {
		Type string `json:"__type" cbor:"__type"`
	}
	if et := h.Get("X-Amzn-ErrorType"); et != "" {
		v.Type, _, _ = strings.Cut(et, ":")
	} else if strings.Contains(h.Get("Content-Type"), "cbor") {
		_ = cbor.Unmarshal(body, &v)
	} else {
		_ = json.Unmarshal(body, &v)
	}
	t := v.Type[strings.LastIndexByte(v.Type, '#')+1:]
	if t == "" || len(t) > 64 {
		return "unknown"
	}
	return t
}
