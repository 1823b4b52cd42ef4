package config

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/spk-cli/spk/internal/awsname"
	"github.com/spk-cli/spk/internal/hostport"
	"github.com/spk-cli/spk/stream/bucket"
)

// Kind is the type of a configuration value.
type Kind int

// The kinds of value a key can hold.
const (
	String Kind = iota
	Int
	Duration
)

func (k Kind) String() string {
	switch k {
	case Int:
		return "integer"
	case Duration:
		return "duration"
	default:
		return "string"
	}
}

// Key describes one configuration key: its name in spk.yaml, its default, the
// environment variables and flag that can set it, and how to check a value.
type Key struct {
	Name    string   // dotted name, as in spk.yaml ("stream.name")
	Kind    Kind     // the value's type
	Default string   // the default, as text
	Env     []string // environment variables, first set wins
	Flag    string   // the flag name, when a command defines it
	Doc     string   // one line for `spk config show` and the sample file
	// List keys hold comma-separated values: a YAML list in spk.yaml, a
	// repeatable flag, or a comma list anywhere.
	List bool
	// Choices are the values of an enum key. A value matching one but for
	// case and surrounding space is taken as that choice, from every layer
	// alike (flag, environment, file), as spk's enum flags do.
	Choices []string
	// Check validates a parsed value; it returns what was expected on failure.
	Check func(v any) error
}

// Keys lists every key spk understands, in the order they are shown.
var Keys = []Key{
	{Name: "app", Default: "StreamingCountsApp", Env: []string{"SPK_APP"}, Flag: "app",
		Doc: "application name; also names the lease (checkpoint) table", Check: checkTableName},
	{Name: "aws.profile", Env: []string{"SPK_AWS_PROFILE", "AWS_PROFILE"}, Flag: "profile",
		Doc: "AWS profile; empty means the embedded endpoint, a name means real AWS"},
	{Name: "aws.region", Default: "us-east-1", Env: []string{"SPK_AWS_REGION", "AWS_REGION", "AWS_DEFAULT_REGION"}, Flag: "region",
		Doc: "AWS region", Check: checkRegion},
	{Name: "aws.endpoint_url", Default: "http://127.0.0.1:4566", Env: []string{"SPK_AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL"}, Flag: "endpoint-url",
		Doc: "endpoint for both services; the default is the embedded one (ignored for AWS when a profile is set and this is not)", Check: checkEndpointURL},
	{Name: "aws.kinesis_endpoint_url", Env: []string{"SPK_AWS_KINESIS_ENDPOINT_URL", "AWS_ENDPOINT_URL_KINESIS"},
		Doc: "endpoint for Kinesis only; overrides aws.endpoint_url given at the same or a lower layer", Check: checkURL},
	{Name: "aws.dynamodb_endpoint_url", Env: []string{"SPK_AWS_DYNAMODB_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB"},
		Doc: "endpoint for DynamoDB only; overrides aws.endpoint_url given at the same or a lower layer", Check: checkURL},
	{Name: "stream.name", Default: "my-stream", Env: []string{"SPK_STREAM_NAME"}, Flag: "stream",
		Doc: "Kinesis stream name", Check: checkStreamName},
	{Name: "stream.shards", Kind: Int, Default: "1", Env: []string{"SPK_STREAM_SHARDS"}, Flag: "shards",
		Doc: "shards when spk creates the stream (the tutorial uses 1)", Check: checkShards},
	{Name: "table.name", Default: "my-table", Env: []string{"SPK_TABLE_NAME"}, Flag: "table",
		Doc: "DynamoDB aggregate table name", Check: checkTableName},
	{Name: "run.initial_position", Default: "TRIM_HORIZON", Env: []string{"SPK_RUN_INITIAL_POSITION"}, Flag: "initial-position",
		Doc: "where a new shard lease starts reading: TRIM_HORIZON, LATEST or AT_TIMESTAMP", Choices: []string{"TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"}, Check: checkPosition},
	{Name: "run.retrieval", Default: "polling", Env: []string{"SPK_RUN_RETRIEVAL"}, Flag: "retrieval",
		Doc: "how shards are read: polling (GetRecords, as the tutorial's KCL 1.x) or fanout (enhanced fan-out, as KCL 2.x/3.x)", Choices: []string{"polling", "fanout"}, Check: checkRetrieval},
	{Name: "run.batch_interval", Kind: Duration, Default: "2s", Env: []string{"SPK_RUN_BATCH_INTERVAL"}, Flag: "batch-interval",
		Doc: "how often the consumer flushes counts to the table", Check: checkPositive},
	{Name: "run.checkpoint_interval", Kind: Duration, Default: "10s", Env: []string{"SPK_RUN_CHECKPOINT_INTERVAL"}, Flag: "checkpoint-interval",
		Doc: "how often the consumer checkpoints its position", Check: checkPositive},
	{Name: "run.bucket_size", Kind: Duration, Default: "1m", Env: []string{"SPK_RUN_BUCKET_SIZE"}, Flag: "bucket-size",
		Doc: "bucket width; must divide an hour or a day", Check: checkBucketSize},
	{Name: "run.group_by", Default: "type", Env: []string{"SPK_RUN_GROUP_BY"}, Flag: "group-by", List: true,
		Doc: "event fields (dotted paths) whose values make a row's group; the run's one view unless views: are listed", Check: checkNonEmpty},
	{Name: "run.metrics", Default: "count", Env: []string{"SPK_RUN_METRICS"}, Flag: "metric", List: true,
		Doc: "what each row holds: count, sum:F, min:F, max:F, avg:F, distinct:F, top:F:K (see docs/views.md)", Check: checkNonEmpty},
	{Name: "run.window", Kind: Duration, Default: "0s", Env: []string{"SPK_RUN_WINDOW"}, Flag: "window",
		Doc: "window length of the run's one view; 0 means run.bucket_size", Check: checkWindow},
	{Name: "run.slide", Kind: Duration, Default: "0s", Env: []string{"SPK_RUN_SLIDE"}, Flag: "slide",
		Doc: "start a window every slide (sliding windows, dividing the window); 0 means tumbling windows", Check: checkWindow},
	{Name: "run.where", Env: []string{"SPK_RUN_WHERE"}, Flag: "where",
		Doc: "filter of the run's one view, such as status >= 500 and method = 'GET'"},
	{Name: "run.format", Default: "json", Env: []string{"SPK_RUN_FORMAT"}, Flag: "format",
		Doc: "how records read: json or accesslog (Common or Combined Log Format lines)", Choices: []string{"json", "accesslog"}, Check: checkFormat},
	{Name: "run.time_field", Default: "timestamp", Env: []string{"SPK_RUN_TIME_FIELD"}, Flag: "time-field",
		Doc: "dotted path of the event time in JSON records: ISO 8601 text or epoch milliseconds", Check: checkNonEmpty},
	{Name: "run.allowed_lateness", Kind: Duration, Default: "0s", Env: []string{"SPK_RUN_ALLOWED_LATENESS"}, Flag: "allowed-lateness",
		Doc: "refuse events older than the newest window minus this (reason late); 0 accepts any age", Check: checkNotNegative},
	{Name: "local.addr", Default: "127.0.0.1:4566", Env: []string{"SPK_LOCAL_ADDR"}, Flag: "addr",
		Doc: "address the embedded endpoint listens on", Check: checkHostPort},
	{Name: "local.data_dir", Env: []string{"SPK_LOCAL_DATA_DIR"}, Flag: "data-dir",
		Doc: "embedded endpoint data directory (a leading ~ is the home directory); empty means $XDG_DATA_HOME/spk/local"},
	{Name: "log_level", Default: "info", Env: []string{"SPK_LOG_LEVEL"}, Flag: "log-level",
		Doc: "debug, info, warn or error", Choices: []string{"debug", "info", "warn", "error"}, Check: checkLogLevel},
}

// KeyByName returns the key with that dotted name.
func KeyByName(name string) (Key, bool) {
	for _, k := range Keys {
		if k.Name == name {
			return k, true
		}
	}
	return Key{}, false
}

// parse converts text into the key's kind, saying what was expected on failure.
func (k Key) parse(text string) (any, error) {
	switch k.Kind {
	case Int:
		n, err := strconv.Atoi(strings.TrimSpace(text))
		if err != nil {
			return nil, fmt.Errorf("expected an integer, got %q", text)
		}
		return n, k.check(n)
	case Duration:
		d, err := time.ParseDuration(strings.TrimSpace(text))
		if err != nil {
			return nil, fmt.Errorf("expected a duration such as 2s, 500ms or 1m, got %q", text)
		}
		return d, k.check(d)
	default:
		text = k.choice(text)
		return text, k.check(text)
	}
}

// choice returns the choice text names, ignoring case and surrounding
// space, or text itself when it names none (Check then says what was
// expected).
func (k Key) choice(text string) string {
	for _, c := range k.Choices {
		if strings.EqualFold(strings.TrimSpace(text), c) {
			return c
		}
	}
	return text
}

func (k Key) check(v any) error {
	if k.Check == nil {
		return nil
	}
	return k.Check(v)
}

func checkStreamName(v any) error {
	if !awsname.Stream(v.(string)) {
		return fmt.Errorf("expected a stream name of 1 to 128 letters, digits, '_', '.' or '-', got %q", v)
	}
	return nil
}

func checkTableName(v any) error {
	if !awsname.Table(v.(string)) {
		return fmt.Errorf("expected a table name of 3 to 255 letters, digits, '_', '.' or '-', got %q", v)
	}
	return nil
}

// checkHostPort refuses an address that is not host:port: the default
// endpoint of every verb is http:// and this address, so a bad one must
// stop every verb here, not just spk local.
func checkHostPort(v any) error {
	if err := hostport.Check(v.(string)); err != nil {
		return fmt.Errorf("expected host:port such as 127.0.0.1:4566, got %q (%v)", v, err)
	}
	return nil
}

func checkRegion(v any) error {
	if !awsname.Region(v.(string)) {
		return fmt.Errorf("expected an AWS region such as us-east-1, got %q", v)
	}
	return nil
}

// checkEndpointURL is checkURL, refusing an empty value too: given
// explicitly (an unset variable in --endpoint-url "$URL", say) it would
// leave the SDK to find AWS's own endpoints, with the user's real keys.
func checkEndpointURL(v any) error {
	if v.(string) == "" {
		return errors.New("expected an http:// or https:// URL such as http://127.0.0.1:4566, got an empty value; leave it out for the embedded endpoint, or set a profile (--profile) for AWS")
	}
	return checkURL(v)
}

func checkURL(v any) error {
	s := v.(string)
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("expected an http:// or https:// URL such as http://127.0.0.1:4566, got %q", s)
	}
	return nil
}

func checkShards(v any) error {
	if n := v.(int); n < 1 || n > 10000 {
		return fmt.Errorf("expected a shard count from 1 to 10000, got %d", n)
	}
	return nil
}

func checkPosition(v any) error {
	switch v.(string) {
	case "TRIM_HORIZON", "LATEST", "AT_TIMESTAMP":
		return nil
	}
	return fmt.Errorf("expected TRIM_HORIZON, LATEST or AT_TIMESTAMP, got %q", v)
}

func checkRetrieval(v any) error {
	switch v.(string) {
	case "polling", "fanout":
		return nil
	}
	return fmt.Errorf("expected polling (GetRecords, the default) or fanout (enhanced fan-out with SubscribeToShard), got %q", v)
}

func checkPositive(v any) error {
	if d := v.(time.Duration); d <= 0 {
		return fmt.Errorf("expected a positive duration, got %s", d)
	}
	return nil
}

// checkBucketSize accepts whole-second widths that tile an hour or a day, so
// every bucket starts at the same wall-clock offsets on every worker.
func checkBucketSize(v any) error {
	d := v.(time.Duration)
	ok := d >= time.Second && d%time.Second == 0 && (time.Hour%d == 0 || 24*time.Hour%d == 0)
	if !ok {
		return fmt.Errorf("expected a bucket size that divides an hour or a day (1m, 5m, 15m, 1h, 6h, 24h), got %s", d)
	}
	return nil
}

// checkWindow accepts what a view's window takes (bucket.ValidateSize: a
// whole number of milliseconds that divides an hour or a day), so a window
// set by flag or key is held to what the same window in views: is.
func checkWindow(v any) error {
	if d := v.(time.Duration); d != 0 {
		return bucket.ValidateSize(d)
	}
	return nil
}

func checkNotNegative(v any) error {
	if d := v.(time.Duration); d < 0 {
		return fmt.Errorf("expected a duration of 0 or more, got %s", d)
	}
	return nil
}

func checkFormat(v any) error {
	switch v.(string) {
	case "json", "accesslog":
		return nil
	}
	return fmt.Errorf("expected json or accesslog, got %q", v)
}

func checkNonEmpty(v any) error {
	if strings.TrimSpace(v.(string)) == "" {
		return fmt.Errorf("expected a non-empty value")
	}
	return nil
}

func checkLogLevel(v any) error {
	switch v.(string) {
	case "debug", "info", "warn", "error":
		return nil
	}
	return fmt.Errorf("expected debug, info, warn or error, got %q", v)
}
