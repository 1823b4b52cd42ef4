package tasks

import (
	"context"
	"errors"
	"io"
	"regexp"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/spk-cli/spk/provision"
	"github.com/spk-cli/spk/provision/local"
	"github.com/spk-cli/spk/provision/sdkhttp"
	"github.com/spk-cli/spk/stream/consume"
	"github.com/spk-cli/spk/stream/generate"
	"github.com/spk-cli/spk/stream/results"
)

// endpoint starts spk local in memory on a free loopback port and returns
// clients for it.
func endpoint(t *testing.T) (*kinesis.Client, *dynamodb.Client) {
	k, db, _ := endpointAt(t)
	return k, db
}

// endpointAt is endpoint with the endpoint's URL.
func endpointAt(t *testing.T) (*kinesis.Client, *dynamodb.Client, string) {
	t.Helper()
	srv, err := local.Start(context.Background(), local.Options{Addr: "127.0.0.1:0", InMemory: true,
		CreateDelay: 20 * time.Millisecond, DeleteDelay: 20 * time.Millisecond, UpdateDelay: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	creds := credentials.NewStaticCredentialsProvider("spk", "spk", "")
	k := kinesis.New(kinesis.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL()), HTTPClient: sdkhttp.New(nil), Credentials: creds})
	db := dynamodb.New(dynamodb.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL()), HTTPClient: sdkhttp.New(nil), Credentials: creds})
	return k, db, srv.URL()
}

// streamWith creates a stream of two shards holding n events.
func streamWith(t *testing.T, k *kinesis.Client, name string, n int64) {
	t.Helper()
	ctx := context.Background()
	if _, err := provision.CreateStream(ctx, k, provision.StreamSpec{Name: name, Shards: 2}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := generate.Run(ctx, k, generate.Options{StreamName: name, Count: n, Seed: 1}, io.Discard); err != nil {
		t.Fatal(err)
	}
}

func consumer(t *testing.T, k *kinesis.Client, db *dynamodb.Client, stream string, untilCaughtUp bool) *consume.Consumer {
	t.Helper()
	c, err := consume.New(consume.Options{Kinesis: k, DynamoDB: db, Stream: stream, Table: "counts", App: "TasksTestApp",
		FlushInterval: 100 * time.Millisecond, UntilCaughtUp: untilCaughtUp})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func tableTotal(t *testing.T, db *dynamodb.Client) int64 {
	t.Helper()
	rows, err := results.Read(context.Background(), db, results.Query{Table: "counts", Consistent: true})
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, r := range rows {
		total += r.Count
	}
	return total
}

// TestConsumeCountsEverything: step 7 through the Runner, as spk run uses
// it: it reads the stream to its tip, counts every event once and says so.
func TestConsumeCountsEverything(t *testing.T) {
	k, db := endpoint(t)
	streamWith(t, k, "clicks", 300)
	var r recorder
	err := Runner{OnEvent: r.on}.Run(context.Background(), []Task{Consume(consumer(t, k, db, "clicks", true), "count events", "reading clicks")})
	if err != nil {
		t.Fatal(err)
	}
	want := regexp.MustCompile(`^7 count events pending
7 count events running: reading clicks
7 count events done: 300 records read, 0 rejected, \d+ rows written$`)
	if !want.MatchString(r.String()) {
		t.Fatalf("events:\n%s", r.String())
	}
	if got := tableTotal(t, db); got != 300 {
		t.Fatalf("the table counts %d events, want 300", got)
	}
}

// TestConsumeStoppedIsDone: a consumer stopped by its context has flushed
// and checkpointed: the step is done, not failed, and nothing is lost.
func TestConsumeStoppedIsDone(t *testing.T) {
	k, db := endpoint(t)
	streamWith(t, k, "clicks", 200)
	c := consumer(t, k, db, "clicks", false)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		deadline := time.Now().Add(30 * time.Second)
		for c.Snapshot().RecordsIn < 200 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond) // poll interval; the deadline bounds the wait
		}
		cancel()
	}()
	var r recorder
	if err := (Runner{OnEvent: r.on}).Run(ctx, []Task{Consume(c, "count events", "")}); err != nil {
		t.Fatalf("stopped by its context: %v\n%s", err, r.String())
	}
	if !regexp.MustCompile(`\n7 count events done: 200 records read, 0 rejected, \d+ rows written$`).MatchString(r.String()) {
		t.Fatalf("events:\n%s", r.String())
	}
	if got := tableTotal(t, db); got != 200 {
		t.Fatalf("the table counts %d events after the stop, want 200", got)
	}
}

// TestConsumeMissingStreamFails: the step fails with the consumer's own
// words, and creates no table.
func TestConsumeMissingStreamFails(t *testing.T) {
	k, db := endpoint(t)
	var r recorder
	err := Runner{OnEvent: r.on}.Run(context.Background(), []Task{Consume(consumer(t, k, db, "nowhere", true), "count events", "")})
	want := `step 7 (count events): list shards of stream "nowhere": the stream does not exist; create it first (spk create-stream)`
	var se *StepError
	if err == nil || err.Error() != want || !errors.As(err, &se) {
		t.Fatalf("got %v\nwant %s", err, want)
	}
	tables, err := db.ListTables(context.Background(), &dynamodb.ListTablesInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(tables.TableNames) != 0 {
		t.Fatalf("tables left behind: %v", tables.TableNames)
	}
}
