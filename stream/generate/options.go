// Package generate is spk's event producer, the library behind
// `spk generate-events`: it renders events from a template and writes them to
// a Kinesis stream with PutRecords batches, retrying every entry Kinesis
// rejects until it is acknowledged, optionally packing many events per record
// in the KPL aggregated format.
package generate

import (
	"fmt"
	"math"
	"time"
)

// Defaults for zero Options fields.
const (
	DefaultBatch            = 500
	DefaultConcurrency      = 4
	DefaultLinger           = 50 * time.Millisecond
	DefaultLateBy           = 5 * time.Minute
	DefaultAggregateMaxSize = 51200 // the KPL's default AggregationMaxSize
	DefaultStatusInterval   = 5 * time.Second
	DefaultDrainTimeout     = 15 * time.Second
	DefaultStallTimeout     = time.Minute
	DefaultRetryBaseDelay   = 50 * time.Millisecond
	DefaultRetryMaxDelay    = 2 * time.Second
)

// Kinesis limits the producer keeps to.
const (
	MaxBatch        = 500     // records per PutRecords request
	MaxRequestBytes = 5 << 20 // data plus partition keys per PutRecords request
	MaxRecordBytes  = 1 << 20 // data plus partition key per record
)

// Options configures the producer. Each field is one flag of
// `spk generate-events`; zero values mean the documented default.
type Options struct {
	// StreamName is the Kinesis stream to write to. Required unless
	// StreamARN is set.
	StreamName string
	// StreamARN addresses the stream by ARN instead.
	StreamARN string

	// Template is a built-in template name (simple, weblog) or the path of a
	// template file (--template). Default "simple", the tutorial's event.
	Template string
	// Types overrides the distribution of {{type}}: "Red,Green" or weighted
	// "Red=5,Green=1" (--types). Default: the template's own list.
	Types string
	// Late is the fraction (0..1) of events whose timestamp is moved between
	// one minute and LateBy into the past (--late).
	Late float64
	// LateBy is how far a late event may be moved back (--late-by). Default 5m.
	LateBy time.Duration
	// Bad is the fraction (0..1) of deliberately malformed records: not
	// JSON, a missing "type"/"timestamp" field, or an unparseable timestamp,
	// in turn (--bad).
	Bad float64
	// Seed makes ids, types, choices, late and bad events reproducible
	// (--seed). Zero means a random seed.
	Seed int64
	// PartitionKey chooses each record's partition key (--partition-key):
	// "id" (default, the event's id), "type", "random", "field:NAME" (a
	// top-level field of the event) or "fixed:VALUE" (one key, one shard).
	PartitionKey string

	// Count stops after this many events (--count). Zero: no limit.
	Count int64
	// Duration stops after this long (--duration). Zero: no limit. With
	// neither Count nor Duration the producer runs until cancelled.
	Duration time.Duration
	// Rate is the target in events per second, spread evenly (--rate).
	// Zero: as fast as Kinesis accepts.
	Rate float64
	// Batch is the most records per PutRecords request, 1..500 (--batch).
	// Default 500. Batch 1 sends each record with PutRecord.
	Batch int
	// Concurrency is the number of requests in flight (--concurrency). Default 4.
	Concurrency int
	// Linger is how long a partial batch (or aggregated record) waits for
	// more events before it is sent (--linger). Default 50ms.
	Linger time.Duration
	// NoAdapt turns off the adaptive send rate, which follows what Kinesis
	// accepts once it starts throttling instead of hammering it (--no-adapt).
	NoAdapt bool

	// Aggregate packs many events per Kinesis record in the KPL aggregated
	// format (--aggregate). Events are grouped by the shard their partition
	// key maps to, and each aggregated record and its events carry its first
	// event's hash key, so consumers that filter user records by hash range
	// (the KCL, spk run) keep them all, even across a reshard.
	Aggregate bool
	// AggregateMaxSize bounds an aggregated record in bytes (--aggregate-max-size).
	// Default 51200, as the KPL; at most 1 MiB.
	AggregateMaxSize int

	// Print echoes "Event sent to Kinesis: {...}" for every acknowledged
	// event, as the tutorial did (--print).
	Print bool
	// Output is the final summary's format: "text" (default, on stderr) or
	// "json" (on stdout) (--output).
	Output string
	// StatusInterval is how often a status line is written when stderr is
	// not a terminal (--status-interval). Default 5s.
	StatusInterval time.Duration
	// DrainTimeout bounds how long in-flight records are still retried after
	// cancellation before they are reported as not acknowledged. Default 15s.
	DrainTimeout time.Duration
	// StallTimeout ends the run when requests have failed this long with
	// none answered meanwhile (an endpoint that went away or does not
	// answer): what is left is reported as not acknowledged, with the last
	// error. Time without requests does not count. Default 1m.
	StallTimeout time.Duration
	// RetryBaseDelay and RetryMaxDelay bound the exponential backoff (with
	// jitter) between retries of rejected entries. Defaults 50ms and 2s.
	RetryBaseDelay, RetryMaxDelay time.Duration

	// Now is the clock for event timestamps; nil means time.Now.
	Now func() time.Time
}

// withDefaults fills zero fields.
func (o Options) withDefaults() Options {
	if o.Template == "" {
		o.Template = DefaultTemplate
	}
	if o.LateBy == 0 {
		o.LateBy = DefaultLateBy
	}
	if o.Batch == 0 {
		o.Batch = DefaultBatch
	}
	if o.Concurrency == 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.Linger == 0 {
		o.Linger = DefaultLinger
	}
	if o.AggregateMaxSize == 0 {
		o.AggregateMaxSize = DefaultAggregateMaxSize
	}
	if o.Output == "" {
		o.Output = "text"
	}
	if o.StatusInterval == 0 {
		o.StatusInterval = DefaultStatusInterval
	}
	if o.DrainTimeout == 0 {
		o.DrainTimeout = DefaultDrainTimeout
	}
	if o.StallTimeout == 0 {
		o.StallTimeout = DefaultStallTimeout
	}
	if o.RetryBaseDelay == 0 {
		o.RetryBaseDelay = DefaultRetryBaseDelay
	}
	if o.RetryMaxDelay == 0 {
		o.RetryMaxDelay = DefaultRetryMaxDelay
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Prepared are options checked once, with their defaults filled in and
// their template loaded and parsed: what a producer runs. Make it with
// Prepare before contacting anything, then call Producer once.
type Prepared struct {
	opts Options
	gen  *Generator
}

// Prepare checks the options a user can get wrong, after defaults, and
// loads and parses the template, once. Problems are an *OptionsError.
func Prepare(o Options) (Prepared, error) {
	o = o.withDefaults()
	if err := o.check(); err != nil {
		return Prepared{}, &OptionsError{Err: err}
	}
	gen, err := NewGenerator(o)
	if err != nil {
		return Prepared{}, &OptionsError{Err: err}
	}
	return Prepared{opts: o, gen: gen}, nil
}

// Options are the prepared options, defaults filled in.
func (pr Prepared) Options() Options { return pr.opts }

// Validate checks the options a user can get wrong, after defaults,
// including that the template loads and parses.
func (o Options) Validate() error {
	o = o.withDefaults()
	if err := o.check(); err != nil {
		return err
	}
	// The template must load and parse (errors while rendering come later).
	_, err := NewGenerator(o)
	return err
}

// check checks the options, defaults filled in, but not the template.
func (o Options) check() error {
	switch {
	case o.StreamName == "" && o.StreamARN == "":
		return fmt.Errorf("no stream given: name the Kinesis stream to write to (create one with `spk create-stream`)")
	case o.Batch < 1 || o.Batch > MaxBatch:
		return fmt.Errorf("invalid --batch %d: PutRecords takes 1 to %d records", o.Batch, MaxBatch)
	case o.Concurrency < 1:
		return fmt.Errorf("invalid --concurrency %d: give 1 or more", o.Concurrency)
	case !(o.Rate >= 0) || math.IsInf(o.Rate, 1): // NaN too
		return fmt.Errorf("invalid --rate %v: give events per second, or 0 for as fast as possible", o.Rate)
	case o.Count < 0:
		return fmt.Errorf("invalid --count %d: give a number of events, or 0 for no limit", o.Count)
	case o.Duration < 0:
		return fmt.Errorf("invalid --duration %v: give a positive duration such as 30s, or 0 for no limit", o.Duration)
	case !(o.Late >= 0 && o.Late <= 1): // NaN too
		return fmt.Errorf("invalid --late %v: give a fraction between 0 and 1, e.g. 0.05", o.Late)
	case !(o.Bad >= 0 && o.Bad <= 1): // NaN too
		return fmt.Errorf("invalid --bad %v: give a fraction between 0 and 1, e.g. 0.01", o.Bad)
	case o.LateBy < time.Minute:
		return fmt.Errorf("invalid --late-by %v: late events are at least a minute old; give 1m or more", o.LateBy)
	case o.AggregateMaxSize < 1024 || o.AggregateMaxSize > MaxRecordBytes:
		return fmt.Errorf("invalid --aggregate-max-size %d: give 1024 to %d bytes", o.AggregateMaxSize, MaxRecordBytes)
	case o.Output != "text" && o.Output != "json":
		return fmt.Errorf("invalid --output %q: use text or json", o.Output)
	case o.Linger < 0 || o.StatusInterval < 0 || o.DrainTimeout < 0:
		return fmt.Errorf("invalid options: --linger, --status-interval and drain timeout must not be negative")
	}
	if _, err := parsePartitionKey(o.PartitionKey); err != nil {
		return err
	}
	if o.Types != "" {
		if _, err := ParseWeights(o.Types); err != nil {
			return fmt.Errorf("--types: %w", err)
		}
	}
	return nil
}

// streamLabel names the stream in messages.
func (o Options) streamLabel() string {
	if o.StreamName != "" {
		return o.StreamName
	}
	return o.StreamARN
}
