// Package consume is spk's stream consumer, the library behind `spk run`: it
// reads every shard of a Kinesis stream, buckets each event by time and by a
// field, and keeps exact counts in a DynamoDB aggregate table across crashes,
// restarts, several workers and resharding.
package consume

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/spk-cli/spk/stream/bucket"
	"github.com/spk-cli/spk/stream/lease"
	"github.com/spk-cli/spk/stream/view"
)

// Kinesis is the part of the Kinesis API the consumer uses: shard discovery,
// GetRecords for polling, and the stream consumer calls and SubscribeToShard
// for enhanced fan-out.
type Kinesis interface {
	ListShards(context.Context, *kinesis.ListShardsInput, ...func(*kinesis.Options)) (*kinesis.ListShardsOutput, error)
	GetShardIterator(context.Context, *kinesis.GetShardIteratorInput, ...func(*kinesis.Options)) (*kinesis.GetShardIteratorOutput, error)
	GetRecords(context.Context, *kinesis.GetRecordsInput, ...func(*kinesis.Options)) (*kinesis.GetRecordsOutput, error)

	DescribeStreamSummary(context.Context, *kinesis.DescribeStreamSummaryInput, ...func(*kinesis.Options)) (*kinesis.DescribeStreamSummaryOutput, error)
	RegisterStreamConsumer(context.Context, *kinesis.RegisterStreamConsumerInput, ...func(*kinesis.Options)) (*kinesis.RegisterStreamConsumerOutput, error)
	DescribeStreamConsumer(context.Context, *kinesis.DescribeStreamConsumerInput, ...func(*kinesis.Options)) (*kinesis.DescribeStreamConsumerOutput, error)
	SubscribeToShard(context.Context, *kinesis.SubscribeToShardInput, ...func(*kinesis.Options)) (*kinesis.SubscribeToShardOutput, error)
}

// DynamoDB is the part of the DynamoDB API the consumer uses (lease table and
// aggregate table).
type DynamoDB interface {
	lease.DynamoDB
}

// Position says where a shard without a checkpoint starts.
type Position string

// Initial positions.
const (
	TrimHorizon Position = lease.TrimHorizon // the oldest record kept: nothing produced earlier is missed
	Latest      Position = lease.Latest      // only records put after the shard is first read
	AtTimestamp Position = lease.AtTimestamp // records put at or after Options.Timestamp
)

// Retrieval says how records are read from the shards.
type Retrieval string

// Retrievals.
const (
	// Polling reads each shard with GetRecords, at most 5 calls a second,
	// sharing the shard's 2 MB/s read limit with every other reader: the
	// tutorial's KCL 1.x way.
	Polling Retrieval = "polling"
	// FanOut registers a stream consumer named after the app and has Kinesis
	// push each leased shard's records over SubscribeToShard, with 2 MB/s of
	// its own per shard: the KCL 2.x and 3.x way.
	FanOut Retrieval = "fanout"
)

// Defaults.
const (
	DefaultApp                = lease.DefaultTable
	DefaultFlushInterval      = 2 * time.Second
	DefaultCheckpointInterval = 10 * time.Second
	DefaultShardSyncInterval  = 10 * time.Second
	DefaultMaxEventBytes      = 64 << 10
)

// Options configure a consumer. Kinesis, DynamoDB, Stream and Table are
// required; everything else has a default.
type Options struct {
	Kinesis  Kinesis
	DynamoDB DynamoDB

	Stream string // Kinesis stream name
	App    string // lease table name; DefaultApp when empty
	Table  string // aggregate table name; created (on-demand) when missing

	InitialPosition Position  // for shards without a checkpoint; TrimHorizon when empty
	Timestamp       time.Time // with AtTimestamp

	// Retrieval is Polling (when empty) or FanOut. Leases, checkpoints and
	// the exactly-once counts are the same for both. With FanOut the stream
	// consumer is named after App and stays registered when the consumer
	// stops, as the KCL leaves it; deleting the stream removes it.
	Retrieval Retrieval

	// FlushInterval bounds how long counted records wait before they are
	// written while the consumer catches up; near the tip of a shard every
	// read is written at once. The tutorial's batchInterval.
	FlushInterval time.Duration
	// CheckpointInterval is how often each shard's position is saved.
	CheckpointInterval time.Duration
	BucketSize         time.Duration // 1m when zero; must divide an hour or a day
	GroupBy            string        // event field the rows are grouped by; "type" when empty
	MaxEventBytes      int           // larger events are rejected; DefaultMaxEventBytes when zero

	// Views are what is computed, compiled by view.CompileAll (which gives
	// each its table). Every record is offered to every view. When empty,
	// the one view is the tutorial's: counts per BucketSize per GroupBy,
	// into Table.
	Views []*view.View
	// Format is how records read: JSON (when empty) or AccessLog.
	Format Format
	// TimeField is the dotted path of the event time in JSON records:
	// an ISO 8601 string or epoch milliseconds. "timestamp" when empty.
	TimeField string
	// AllowedLateness, when positive, refuses events older than the newest
	// window a shard reader has seen minus this much (reason late); zero
	// accepts every event whatever its age.
	AllowedLateness time.Duration

	// ReadConcurrency caps how many shards decode and count a GetRecords page
	// at once: a full page is large while decoded, so this bounds memory.
	// Zero means GOMAXPROCS+1, which keeps every core busy.
	ReadConcurrency int
	// ReadBufferBytes bounds the bytes of pages (GetRecords answers,
	// subscription events) read and not yet counted, across all shards: a
	// shard whose next page does not fit waits for others to be counted.
	// A page larger than the bound is read alone. DefaultReadBufferBytes
	// when zero.
	ReadBufferBytes int

	WorkerID          string        // hostname plus a random suffix when empty
	Failover          time.Duration // lease expiry; lease.DefaultFailover when zero
	ShardSyncInterval time.Duration // how often ListShards looks for new shards

	MetricsAddr    string    // serve Prometheus text on this address (path /metrics)
	DeadLetter     io.Writer // rejected records as JSON lines; or
	DeadLetterPath string    // a file they are appended to

	Duration      time.Duration // stop after this long; 0 runs until ctx ends
	UntilCaughtUp bool          // stop once every shard is at its tip and all is flushed

	Logger *slog.Logger
	Clock  lease.Clock // for lease expiry; the monotonic system clock when nil
}

func (o Options) withDefaults() (Options, error) {
	var problems []string
	if o.Kinesis == nil || o.DynamoDB == nil {
		problems = append(problems, "Kinesis and DynamoDB clients are required")
	}
	if o.Stream == "" {
		problems = append(problems, "no stream name: set the stream to read (kinesis.streamName)")
	}
	if o.Table == "" {
		problems = append(problems, "no aggregate table: set the table to write counts to (dynamodb.tableName)")
	}
	if o.App == "" {
		o.App = DefaultApp
	}
	if o.App == o.Table && o.Table != "" {
		problems = append(problems, fmt.Sprintf("the app name and the aggregate table are both %q: they must be different tables", o.App))
	}
	switch o.InitialPosition {
	case "":
		o.InitialPosition = TrimHorizon
	case TrimHorizon, Latest:
	case AtTimestamp:
		if o.Timestamp.IsZero() {
			problems = append(problems, "initial position AT_TIMESTAMP needs a timestamp")
		}
	default:
		problems = append(problems, fmt.Sprintf("initial position %q is unknown: use TRIM_HORIZON, LATEST or AT_TIMESTAMP", o.InitialPosition))
	}
	switch o.Retrieval {
	case "":
		o.Retrieval = Polling
	case Polling, FanOut:
	default:
		problems = append(problems, fmt.Sprintf("retrieval %q is unknown: use polling (GetRecords) or fanout (enhanced fan-out)", o.Retrieval))
	}
	if o.FlushInterval == 0 {
		o.FlushInterval = DefaultFlushInterval
	}
	if o.CheckpointInterval == 0 {
		o.CheckpointInterval = DefaultCheckpointInterval
	}
	if o.FlushInterval < 0 || o.CheckpointInterval < 0 || o.Duration < 0 || o.Failover < 0 {
		problems = append(problems, "intervals and durations must not be negative")
	}
	if o.BucketSize == 0 {
		o.BucketSize = bucket.DefaultSize
	}
	if err := bucket.ValidateSize(o.BucketSize); err != nil {
		problems = append(problems, err.Error())
	}
	if o.GroupBy == "" {
		o.GroupBy = bucket.DefaultGroupBy
	}
	switch o.Format {
	case "":
		o.Format = JSON
	case JSON, AccessLog:
	default:
		problems = append(problems, fmt.Sprintf("format %q is unknown: use json or accesslog", o.Format))
	}
	if o.TimeField == "" {
		o.TimeField = bucket.TimestampField
	}
	if _, err := view.ParsePath(o.TimeField); err != nil {
		problems = append(problems, fmt.Sprintf("time field: %v: use a field name or a dotted path such as dynamodb.ApproximateCreationDateTime", err))
	}
	if o.AllowedLateness < 0 {
		problems = append(problems, "allowed lateness must not be negative")
	}
	if len(o.Views) == 0 && o.GroupBy != "" && o.BucketSize > 0 && len(problems) == 0 {
		def := view.DefaultDefinition()
		def.GroupBy, def.Window.Size, def.Table = strings.Split(o.GroupBy, ","), o.BucketSize, o.Table
		v, err := view.Compile(def)
		if err != nil {
			problems = append(problems, err.Error())
		} else {
			o.Views = []*view.View{v}
		}
	}
	for _, v := range o.Views {
		if v.Table(o.Table) == o.App {
			problems = append(problems, fmt.Sprintf("view %q writes to %q, the app's lease table: give it another table", v.Name(), o.App))
		}
	}
	if o.MaxEventBytes == 0 {
		o.MaxEventBytes = DefaultMaxEventBytes
	}
	if o.Failover == 0 {
		o.Failover = lease.DefaultFailover
	} else if o.Failover > 0 && o.Failover < lease.MinFailover {
		problems = append(problems, fmt.Sprintf("failover %v is shorter than the %v its lease renewals need", o.Failover, lease.MinFailover))
	}
	if o.ShardSyncInterval == 0 {
		o.ShardSyncInterval = DefaultShardSyncInterval
	}
	if o.WorkerID == "" {
		o.WorkerID = defaultWorkerID()
	}
	if o.ReadConcurrency <= 0 {
		o.ReadConcurrency = runtime.GOMAXPROCS(0) + 1
	}
	if o.ReadBufferBytes <= 0 {
		o.ReadBufferBytes = DefaultReadBufferBytes
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Clock == nil {
		o.Clock = lease.SystemClock
	}
	if len(problems) > 0 {
		return o, fmt.Errorf("consumer options: %s", strings.Join(problems, "; "))
	}
	return o, nil
}

func defaultWorkerID() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "worker"
	}
	var b [4]byte
	rand.Read(b[:])
	return host + "-" + hex.EncodeToString(b[:])
}
