package provision_test

import (
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	ktypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/spf13/pflag"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/spk-cli/spk/config"
	"github.com/spk-cli/spk/internal/retry"
	"github.com/spk-cli/spk/provision"
	"github.com/spk-cli/spk/provision/ddbtable"
	"github.com/spk-cli/spk/provision/local"
	"github.com/spk-cli/spk/stream/consume/endpointtest"
	"github.com/spk-cli/spk/stream/lease"
	"github.com/spk-cli/spk/stream/sink"
)

// clients starts a real spk local in memory, with short delays, and
// returns clients that treat it as spk's embedded endpoint.
func clients(t *testing.T) *provision.Clients {
	t.Helper()
	srv, err := local.Start(context.Background(), local.Options{
		Addr: "127.0.0.1:0", InMemory: true,
		CreateDelay: 100 * time.Millisecond, DeleteDelay: 100 * time.Millisecond, UpdateDelay: 100 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	cfg := endpointtest.Config(srv.URL())
	return &provision.Clients{
		Target:  provision.Target{Region: "us-east-1", KinesisEndpoint: srv.URL(), DynamoDBEndpoint: srv.URL(), Embedded: true},
		Config:  cfg,
		Kinesis: kinesis.NewFromConfig(cfg), DynamoDB: dynamodb.NewFromConfig(cfg),
	}
}

func TestCreateStreamIsIdempotentAndTagged(t *testing.T) {
	c := clients(t)
	ctx := context.Background()
	var said []string
	progress := provision.Progress(func(msg string) { said = append(said, msg) })
	out, err := provision.CreateStream(ctx, c.Kinesis, provision.StreamSpec{Name: "s", Shards: 2, App: "app"}, progress)
	if err != nil || !out.Created || out.Note != "" {
		t.Fatalf("first create: %+v %v", out, err)
	}
	if len(said) != 1 || said[0] != "waiting for stream s to become ACTIVE" {
		t.Fatalf("progress: %q", said)
	}
	tags, err := c.Kinesis.ListTagsForStream(ctx, &kinesis.ListTagsForStreamInput{StreamName: aws.String("s")})
	if err != nil || len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != provision.TagKey || aws.ToString(tags.Tags[0].Value) != "app" {
		t.Fatalf("tags: %+v %v", tags, err)
	}
	out, err = provision.CreateStream(ctx, c.Kinesis, provision.StreamSpec{Name: "s", Shards: 3, App: "app"}, nil)
	if err != nil || out.Created || out.Note != "already exists and is ACTIVE with 2 open shards (not the 3 asked for; spk does not reshard an existing stream)" {
		t.Fatalf("second create: %+v %v", out, err)
	}
}

func TestCreateTableRefusesATableWithOtherKeys(t *testing.T) {
	c := clients(t)
	ctx := context.Background()
	if _, err := c.DynamoDB.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String("counts"),
		AttributeDefinitions: []dtypes.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: dtypes.ScalarAttributeTypeN}},
		KeySchema:            []dtypes.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: dtypes.KeyTypeHash}},
		BillingMode:          dtypes.BillingModePayPerRequest,
	}); err != nil {
		t.Fatal(err)
	}
	_, err := provision.CreateTable(ctx, c.DynamoDB, sink.TableSpec("counts", "app", "", nil), nil)
	var mismatch *ddbtable.MismatchError
	if !errors.As(err, &mismatch) {
		t.Fatalf("got %v", err)
	}
	if want := `create aggregate table "counts": table "counts" exists with another key schema: hash key is id (N), spk needs BucketStart (S); range key is missing, spk needs EventType (S)`; err.Error() != want {
		t.Fatalf("message: %v\nwant     %s", err, want)
	}
	if h := hintOf(err); h != "choose another name (--table), or delete that table first if it is not needed" {
		t.Fatalf("hint: %q", h)
	}
	// The table is left as it was.
	desc, err := c.DynamoDB.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("counts")})
	if err != nil || len(desc.Table.KeySchema) != 1 || aws.ToString(desc.Table.KeySchema[0].AttributeName) != "id" {
		t.Fatalf("table changed: %+v %v", desc, err)
	}
	// The same keys are fine, and say so.
	if _, err := provision.CreateTable(ctx, c.DynamoDB, sink.TableSpec("other", "app", "", nil), nil); err != nil {
		t.Fatal(err)
	}
	out, err := provision.CreateTable(ctx, c.DynamoDB, sink.TableSpec("other", "app", "", nil), nil)
	if err != nil || out.Created || !strings.Contains(out.Note, "ACTIVE") {
		t.Fatalf("again: %+v %v", out, err)
	}
}

func TestTeardownDeletesWhatExistsAndReportsEachFate(t *testing.T) {
	c := clients(t)
	ctx := context.Background()
	if _, err := provision.CreateStream(ctx, c.Kinesis, provision.StreamSpec{Name: "s", Shards: 1, App: "app"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := provision.CreateTable(ctx, c.DynamoDB, sink.TableSpec("counts", "app", "", nil), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := provision.CreateTable(ctx, c.DynamoDB, sink.TableSpec("counts-view", "app", "", nil), nil); err != nil {
		t.Fatal(err)
	}
	resources := append(provision.Resources("s", "counts", "app"),
		provision.Resource{Kind: provision.KindAggregate, Name: "counts-view", IfPresent: true},
		provision.Resource{Kind: provision.KindAggregate, Name: "counts-example", IfPresent: true})
	plan := provision.PlanTeardown(ctx, c, resources, false)
	fates := map[string]provision.Fate{}
	for _, p := range plan {
		fates[p.Name] = p.Fate
	}
	want := map[string]provision.Fate{"s": provision.FateDelete, "counts": provision.FateDelete, "app": provision.FateMissing, "counts-view": provision.FateDelete}
	if len(fates) != len(want) {
		t.Fatalf("plan %v, want %v (a missing if-present table is left out)", fates, want)
	}
	for k, v := range want {
		if fates[k] != v {
			t.Fatalf("plan %v, want %v", fates, want)
		}
	}
	if err := provision.Teardown(ctx, c, plan, nil); err != nil {
		t.Fatal(err)
	}
	for _, p := range plan {
		if p.Fate != provision.FateDeleted && p.Fate != provision.FateMissing {
			t.Errorf("%s: %s %s", p.Name, p.Fate, p.Error)
		}
	}
	tables, err := c.DynamoDB.ListTables(ctx, &dynamodb.ListTablesInput{})
	if err != nil || len(tables.TableNames) != 0 {
		t.Fatalf("tables left: %v %v", tables.TableNames, err)
	}
	streams, err := c.Kinesis.ListStreams(ctx, &kinesis.ListStreamsInput{})
	if err != nil || len(streams.StreamNames) != 0 {
		t.Fatalf("streams left: %v %v", streams.StreamNames, err)
	}
}

func TestRemoveLocalDataRefusesWhileAnEndpointHoldsIt(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	srv, err := local.Start(context.Background(), local.Options{Addr: "127.0.0.1:0", DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	removed, err := provision.RemoveLocalData(dir)
	if removed || !errors.Is(err, provision.ErrEndpointRunning) {
		t.Fatalf("while running: %v %v", removed, err)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("the data directory went: %v", err)
	}
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if removed, err := provision.RemoveLocalData(dir); !removed || err != nil {
		t.Fatalf("after stopping: %v %v", removed, err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("still there: %v", err)
	}
	if removed, err := provision.RemoveLocalData(dir); removed || err != nil {
		t.Fatalf("missing: %v %v", removed, err)
	}
}

// TestEndpointClientsIgnoreAnUnusedProfileInTheEnvironment: with an
// endpoint and no profile in spk's configuration, an AWS_PROFILE naming a
// profile that does not exist is not spk's concern.
func TestEndpointClientsIgnoreAnUnusedProfileInTheEnvironment(t *testing.T) {
	c := clients(t)
	t.Setenv("AWS_PROFILE", "missing")
	dir := t.TempDir()
	env := map[string]string{
		"AWS_CONFIG_FILE": filepath.Join(dir, "config"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_PROFILE": "missing", "SPK_AWS_ENDPOINT_URL": c.Target.KinesisEndpoint,
	}
	got, err := clientsWith(t, dir, env)
	if err != nil {
		t.Fatalf("clients: %v", err)
	}
	if _, err := got.Kinesis.ListStreams(context.Background(), &kinesis.ListStreamsInput{}); err != nil {
		t.Fatalf("list streams: %v", err)
	}
}

// TestCreateTablesRefusesATableWithOtherKeysBeforeCreatingAny: every
// table is read first, so one with other keys fails the lot and nothing is
// left half-made.
func TestCreateTablesRefusesATableWithOtherKeysBeforeCreatingAny(t *testing.T) {
	c := clients(t)
	ctx := context.Background()
	if _, err := provision.CreateTable(ctx, c.DynamoDB, lease.TableSpec("taken"), nil); err != nil {
		t.Fatal(err)
	}
	err := provision.CreateTables(ctx, c.DynamoDB, []provision.TableSpec{
		sink.TableSpec("counts", "app", "", nil), sink.TableSpec("taken", "app", "", nil), lease.TableSpec("app"),
	})
	want := `create aggregate table "taken": table "taken" exists with another key schema: hash key is leaseKey (S), spk needs BucketStart (S); range key is missing, spk needs EventType (S)`
	var mismatch *ddbtable.MismatchError
	if !errors.As(err, &mismatch) || mismatch.Table != "taken" || err.Error() != want {
		t.Fatalf("got  %v\nwant %s", err, want)
	}
	tables, err := c.DynamoDB.ListTables(ctx, &dynamodb.ListTablesInput{})
	if err != nil || strings.Join(tables.TableNames, ",") != "taken" {
		t.Fatalf("tables %v %v, want only the one that was there", tables.TableNames, err)
	}
}

// TestLeaseTableWithOtherKeysSaysToChooseAnotherApp: the lease table is
// named after the app, so the way out is another --app.
func TestLeaseTableWithOtherKeysSaysToChooseAnotherApp(t *testing.T) {
	c := clients(t)
	ctx := context.Background()
	if _, err := provision.CreateTable(ctx, c.DynamoDB, sink.TableSpec("counts", "app", "", nil), nil); err != nil {
		t.Fatal(err)
	}
	_, err := provision.CreateTable(ctx, c.DynamoDB, lease.TableSpec("counts"), nil)
	want := `create lease table "counts": table "counts" exists with another key schema: hash key is BucketStart (S), spk needs leaseKey (S); range key is EventType (S), spk needs none`
	if err == nil || err.Error() != want {
		t.Fatalf("got  %v\nwant %s", err, want)
	}
	if h := hintOf(err); h != "choose another app name (--app), or delete that table first if it is not needed" {
		t.Fatalf("hint: %q", h)
	}
}

// TestCreateTablesMakesEveryTableActiveAndTagged: the tables of a run are
// created together, each ACTIVE and tagged with the app; a second call
// finds them all and creates nothing.
func TestCreateTablesMakesEveryTableActiveAndTagged(t *testing.T) {
	c := clients(t)
	ctx := context.Background()
	specs := []provision.TableSpec{sink.TableSpec("counts", "app", "", nil), sink.TableSpec("counts-view", "app", "", nil), lease.TableSpec("app")}
	if err := provision.CreateTables(ctx, c.DynamoDB, specs); err != nil {
		t.Fatal(err)
	}
	for _, s := range specs {
		desc, err := c.DynamoDB.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(s.Name)})
		if err != nil || desc.Table.TableStatus != dtypes.TableStatusActive || desc.Table.BillingModeSummary == nil ||
			desc.Table.BillingModeSummary.BillingMode != dtypes.BillingModePayPerRequest {
			t.Fatalf("%s: %+v %v", s.Name, desc, err)
		}
		tags, err := c.DynamoDB.ListTagsOfResource(ctx, &dynamodb.ListTagsOfResourceInput{ResourceArn: desc.Table.TableArn})
		if err != nil || len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != provision.TagKey || aws.ToString(tags.Tags[0].Value) != "app" {
			t.Fatalf("%s tags: %+v %v", s.Name, tags, err)
		}
	}
	for _, s := range specs {
		out, err := provision.CreateTable(ctx, c.DynamoDB, s, nil)
		if err != nil || out.Created || out.Note != "already exists with the right key schema and is ACTIVE" {
			t.Fatalf("%s again: %+v %v", s.Name, out, err)
		}
	}
}

// TestCreateTableSaysHowAnExistingTableIsBilled: a table that exists with
// another billing than asked is taken as it is, and the note says so, as
// create-stream says a stream's other shard count; it said only "already
// exists with the right key schema".
func TestCreateTableSaysHowAnExistingTableIsBilled(t *testing.T) {
	c := clients(t)
	ctx := context.Background()
	onDemand := sink.TableSpec("counts-od", "app", "", nil)
	prov := sink.TableSpec("counts-prov", "app", "", &provision.Capacity{Read: 20, Write: 20})
	for _, s := range []provision.TableSpec{onDemand, prov} {
		if _, err := provision.CreateTable(ctx, c.DynamoDB, s, nil); err != nil {
			t.Fatal(err)
		}
	}
	const same = "already exists with the right key schema and is ACTIVE"
	for _, c2 := range []struct {
		name string
		cap  *provision.Capacity
		want string
	}{
		{"counts-od", nil, same},
		{"counts-od", &provision.Capacity{Read: 5, Write: 6}, same + " (on demand, not provisioned at 5,6; spk does not change an existing table)"},
		{"counts-prov", nil, same + " (provisioned at 20,20, not on demand; spk does not change an existing table)"},
		{"counts-prov", &provision.Capacity{Read: 20, Write: 20}, same},
		{"counts-prov", &provision.Capacity{Read: 20, Write: 30}, same + " (provisioned at 20,20, not the 20,30 asked for; spk does not change an existing table)"},
	} {
		out, err := provision.CreateTable(ctx, c.DynamoDB, sink.TableSpec(c2.name, "app", "", c2.cap), nil)
		if err != nil || out.Created || out.Note != c2.want {
			t.Errorf("%s with %v: %+v, %v; want the note %q", c2.name, c2.cap, out, err, c2.want)
		}
	}
}

// TestCreateTableWaitsOutADeletingTable: a table being deleted is waited
// for, then made again, and the user is told both waits.
func TestCreateTableWaitsOutADeletingTable(t *testing.T) {
	c := clients(t)
	ctx := context.Background()
	spec := sink.TableSpec("counts", "app", "", &provision.Capacity{Read: 20, Write: 20})
	if _, err := provision.CreateTable(ctx, c.DynamoDB, spec, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DynamoDB.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("counts")}); err != nil {
		t.Fatal(err)
	}
	var said []string
	out, err := provision.CreateTable(ctx, c.DynamoDB, spec, func(msg string) { said = append(said, msg) })
	if err != nil || !out.Created {
		t.Fatalf("create over a deleting table: %+v %v", out, err)
	}
	want := []string{"table counts is being deleted; waiting for that to finish", "waiting for table counts to become ACTIVE"}
	if strings.Join(said, "|") != strings.Join(want, "|") {
		t.Fatalf("progress %q, want %q", said, want)
	}
	desc, err := c.DynamoDB.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("counts")})
	if err != nil || desc.Table.TableStatus != dtypes.TableStatusActive || aws.ToInt64(desc.Table.ProvisionedThroughput.ReadCapacityUnits) != 20 {
		t.Fatalf("after: %+v %v", desc, err)
	}
}

// TestTablesArePolledQuicklyOnALoopbackEndpoint: spk local answers in a
// millisecond, so a table is read every 20 ms while it is CREATING; AWS
// and remote endpoints are polled gently.
func TestTablesArePolledQuicklyOnALoopbackEndpoint(t *testing.T) {
	for _, tc := range []struct {
		endpoint   *string
		first, max time.Duration
	}{
		{aws.String("http://127.0.0.1:4566"), 20 * time.Millisecond, 20 * time.Millisecond},
		{aws.String("http://localhost:8000"), 20 * time.Millisecond, 20 * time.Millisecond},
		{aws.String("http://[::1]:4566"), 20 * time.Millisecond, 20 * time.Millisecond},
		{aws.String("https://dynamodb.example.internal"), 50 * time.Millisecond, time.Second},
		{nil, 250 * time.Millisecond, 5 * time.Second},
	} {
		first, max := ddbtable.PollDelays(tc.endpoint)
		if first != tc.first || max != tc.max {
			t.Errorf("%v: %v..%v, want %v..%v", aws.ToString(tc.endpoint), first, max, tc.first, tc.max)
		}
	}
}

func hintOf(err error) string {
	var h interface{ HintText() string }
	if errors.As(err, &h) {
		return h.HintText()
	}
	return ""
}

// TestRemoveLocalDataRefusesADirectoryOfOtherFiles: a data directory set by
// mistake to a directory of other files is refused, and nothing in it is
// removed, spk's own files included.
func TestRemoveLocalDataRefusesADirectoryOfOtherFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	srv, err := local.Start(context.Background(), local.Options{Addr: "127.0.0.1:0", DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("important\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "src"), 0o700); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadDir(dir)
	removed, err := provision.RemoveLocalData(dir)
	want := "remove local data " + dir + ": it holds files spk local does not write (notes.txt, src)"
	if removed || err == nil || err.Error() != want || !errors.Is(err, provision.ErrForeignFiles) {
		t.Fatalf("removed %v, err %v; want the refusal %q", removed, err, want)
	}
	after, _ := os.ReadDir(dir)
	if len(after) != len(before) {
		t.Fatalf("the directory held %d entries and holds %d after the refusal", len(before), len(after))
	}
}

// TestInterruptedCreatesLeaveTaggedResources: a run interrupted while its
// stream or table is still CREATING leaves them tagged as spk's, so that
// teardown, checking tags as on AWS, plans to delete them without --force
// (it waits for the table to become ACTIVE, when DynamoDB shows its tags).
func TestInterruptedCreatesLeaveTaggedResources(t *testing.T) {
	srv, err := local.Start(context.Background(), local.Options{Addr: "127.0.0.1:0", InMemory: true, CreateDelay: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	cfg := endpointtest.Config(srv.URL())
	c := &provision.Clients{
		Target:  provision.Target{Region: "us-east-1", KinesisEndpoint: srv.URL(), DynamoDBEndpoint: srv.URL()}, // checked as on AWS
		Config:  cfg,
		Kinesis: kinesis.NewFromConfig(cfg), DynamoDB: dynamodb.NewFromConfig(cfg),
	}
	// Interrupted as soon as it waits for ACTIVE, as Ctrl-C would.
	interrupted := func() (context.Context, provision.Progress) {
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		return ctx, func(msg string) {
			if strings.HasPrefix(msg, "waiting for") {
				cancel()
			}
		}
	}
	ctx, progress := interrupted()
	if _, err := provision.CreateStream(ctx, c.Kinesis, provision.StreamSpec{Name: "s", Shards: 1, App: "app"}, progress); !errors.Is(err, context.Canceled) {
		t.Fatalf("create stream: %v, want it interrupted", err)
	}
	ctx, progress = interrupted()
	if _, err := provision.CreateTable(ctx, c.DynamoDB, sink.TableSpec("counts", "app", "", nil), progress); !errors.Is(err, context.Canceled) {
		t.Fatalf("create table: %v, want it interrupted", err)
	}
	bg := context.Background()
	desc, err := c.DynamoDB.DescribeTable(bg, &dynamodb.DescribeTableInput{TableName: aws.String("counts")})
	if err != nil || desc.Table.TableStatus != dtypes.TableStatusCreating {
		t.Fatalf("table: %+v %v, want it CREATING", desc, err)
	}
	plan := provision.PlanTeardown(bg, c, []provision.Resource{{Kind: provision.KindStream, Name: "s"}, {Kind: provision.KindAggregate, Name: "counts"}}, false)
	for _, item := range plan {
		if item.Fate != provision.FateDelete {
			t.Errorf("%s %s: fate %s (%s %v), want it deleted", item.Kind, item.Name, item.Fate, item.Reason, item.Err)
		}
	}
}

// TestTeardownChecksTagsOnAnEndpointThatIsNotSpk: at the embedded
// endpoint's address, another emulator (LocalStack listens on 4566 too)
// holds resources that are not spk's: untagged ones are refused unless the
// endpoint answers as spk local does.
func TestTeardownChecksTagsOnAnEndpointThatIsNotSpk(t *testing.T) {
	if provision.SpkHealthPath != local.HealthPath {
		t.Fatalf("provision looks for spk local at %s, which answers at %s", provision.SpkHealthPath, local.HealthPath)
	}
	c := clients(t) // spk local itself, with Target.Embedded set
	ctx := context.Background()
	if _, err := c.Kinesis.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("theirs"), ShardCount: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	resources := []provision.Resource{{Kind: provision.KindStream, Name: "theirs"}}
	for _, item := range provision.PlanTeardown(ctx, c, resources, false) {
		if item.Fate != provision.FateDelete {
			t.Fatalf("on spk local: %s %s is %s (%s), want it deleted", item.Kind, item.Name, item.Fate, item.Reason)
		}
	}
	// The same resources behind an endpoint that does not answer as spk.
	target, _ := url.Parse(c.Target.KinesisEndpoint)
	proxy := httputil.NewSingleHostReverseProxy(target)
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == local.HealthPath {
			http.NotFound(w, r)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	defer other.Close()
	cfg := endpointtest.Config(other.URL)
	o := &provision.Clients{Target: provision.Target{Region: "us-east-1", KinesisEndpoint: other.URL, DynamoDBEndpoint: other.URL, Embedded: true},
		Config: cfg, Kinesis: kinesis.NewFromConfig(cfg), DynamoDB: dynamodb.NewFromConfig(cfg)}
	for _, item := range provision.PlanTeardown(ctx, o, resources, false) {
		if item.Fate != provision.FateRefused {
			t.Fatalf("on another emulator: %s %s is %s, want it refused", item.Kind, item.Name, item.Fate)
		}
	}
	// A table named as a built-in example's that spk did not make (it has
	// no tag) is the user's: left out of the plan, even with --force,
	// where every teardown failed on it and --force would delete it.
	if _, err := c.DynamoDB.CreateTable(ctx, &dynamodb.CreateTableInput{TableName: aws.String("my-table-weblog-status"), BillingMode: dtypes.BillingModePayPerRequest,
		AttributeDefinitions: []dtypes.AttributeDefinition{{AttributeName: aws.String("BucketStart"), AttributeType: dtypes.ScalarAttributeTypeS}, {AttributeName: aws.String("EventType"), AttributeType: dtypes.ScalarAttributeTypeS}},
		KeySchema:            []dtypes.KeySchemaElement{{AttributeName: aws.String("BucketStart"), KeyType: dtypes.KeyTypeHash}, {AttributeName: aws.String("EventType"), KeyType: dtypes.KeyTypeRange}}}); err != nil {
		t.Fatal(err)
	}
	example := []provision.Resource{{Kind: provision.KindAggregate, Name: "my-table-weblog-status", IfPresent: true}}
	for _, force := range []bool{false, true} {
		if plan := provision.PlanTeardown(ctx, o, example, force); len(plan) != 0 {
			t.Fatalf("force %v: an untagged example table is in the plan: %+v", force, plan)
		}
	}
}

// TestDoctorSaysWhenAWSIsNotReached: requests to AWS that never reach it
// (here a closed loopback port stands for a network that is down) get a
// network fix, not advice about profiles or permissions.
func TestDoctorSaysWhenAWSIsNotReached(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	cfg := endpointtest.Config(closed)
	cfg.RetryMaxAttempts = 1
	c := &provision.Clients{Target: provision.Target{AWS: true, Profile: "p", Region: "us-east-1"}, Config: cfg,
		Kinesis:  kinesis.NewFromConfig(cfg, func(o *kinesis.Options) { o.BaseEndpoint = aws.String(closed) }),
		DynamoDB: dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(closed) }),
		STS:      sts.NewFromConfig(cfg, func(o *sts.Options) { o.BaseEndpoint = aws.String(closed) })}
	checks := provision.Doctor(context.Background(), c, "s", "t")
	failed := 0
	for _, ch := range checks {
		if ch.OK {
			continue
		}
		failed++
		if !strings.HasPrefix(ch.Fix, "the request did not reach AWS (connection refused): check the network") {
			t.Errorf("%s: fix %q, want the network's", ch.Name, ch.Fix)
		}
	}
	if failed < 3 {
		t.Fatalf("%d checks failed, want credentials, kinesis and dynamodb: %+v", failed, checks)
	}
}

// TestEnvironmentKeysOutrankAWSProfile: with AWS_PROFILE and keys both in
// the environment spk signs with the keys, as the AWS CLI and the SDKs do
// (the profile still gives the region); --profile outranks the keys.
func TestEnvironmentKeysOutrankAWSProfile(t *testing.T) {
	dir := t.TempDir()
	creds, conf := filepath.Join(dir, "credentials"), filepath.Join(dir, "config")
	if err := os.WriteFile(creds, []byte("[work]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = profilesecret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(conf, []byte("[profile work]\nregion = eu-west-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"AWS_CONFIG_FILE": conf, "AWS_SHARED_CREDENTIALS_FILE": creds, "AWS_PROFILE": "work",
		"AWS_ACCESS_KEY_ID": "AKIDENVIRONMENT", "AWS_SECRET_ACCESS_KEY": "envsecret"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	keyOf := func(args ...string) (*provision.Clients, string) {
		t.Helper()
		fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
		fs.String("profile", "", "")
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		l, err := config.Load(config.Options{LookupEnv: lookup, Flags: fs, WorkDir: dir, UserConfigDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		c, err := provision.NewClients(context.Background(), l, lookup)
		if err != nil {
			t.Fatalf("clients: %v", err)
		}
		got, err := c.Config.Credentials.Retrieve(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return c, got.AccessKeyID
	}
	if c, key := keyOf(); key != "AKIDENVIRONMENT" || c.Credentials != provision.CredsFromEnvironment || c.Target.Region != "eu-west-1" || !c.Target.AWS {
		t.Errorf("with AWS_PROFILE and keys: key %s from %s, region %s, AWS %v; want the environment's key and the profile's region on AWS", key, c.Credentials, c.Target.Region, c.Target.AWS)
	}
	if c, key := keyOf("--profile", "work"); key != "AKIDPROFILE" || c.Credentials != provision.CredsFromProfile {
		t.Errorf("with --profile: key %s from %s, want the profile's", key, c.Credentials)
	}
}

// TestEndpointHonoursCABundle: an https endpoint signed by its own
// authority is reached with AWS_CA_BUNDLE, as by the AWS CLI and the SDK's
// loader, also without a profile; without it the certificate is refused.
func TestEndpointHonoursCABundle(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		io.WriteString(w, `{"StreamNames":[],"HasMoreStreams":false}`)
	}))
	defer srv.Close()
	dir := t.TempDir()
	bundle := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(bundle, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	list := func(extra map[string]string) error {
		env := map[string]string{"AWS_CONFIG_FILE": filepath.Join(dir, "config"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
			"SPK_AWS_ENDPOINT_URL": srv.URL, "AWS_MAX_ATTEMPTS": "1"}
		maps.Copy(env, extra)
		c, err := clientsWith(t, dir, env)
		if err != nil {
			return err
		}
		_, err = c.Kinesis.ListStreams(context.Background(), &kinesis.ListStreamsInput{})
		return err
	}
	if err := list(nil); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("without the bundle: %v, want the certificate refused", err)
	}
	if err := list(map[string]string{"AWS_CA_BUNDLE": bundle}); err != nil {
		t.Fatalf("with AWS_CA_BUNDLE: %v", err)
	}
	if err := list(map[string]string{"AWS_CA_BUNDLE": filepath.Join(dir, "none.pem")}); err == nil || !strings.Contains(err.Error(), "AWS_CA_BUNDLE") {
		t.Fatalf("with a missing bundle: %v, want it named", err)
	}
}

// clientsWith makes spk's clients as a verb would, with env as the whole
// environment and dir as the working and user-config directories.
func clientsWith(t *testing.T, dir string, env map[string]string) (*provision.Clients, error) {
	t.Helper()
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	l, err := config.Load(config.Options{LookupEnv: lookup, WorkDir: dir, UserConfigDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	return provision.NewClients(context.Background(), l, lookup)
}

// TestTLSThatCannotWorkIsTriedOnce: https:// to a plain-HTTP endpoint (spk
// local) and an https endpoint whose certificate is not trusted are asked
// once, not retried by the SDK as a passing connection error (each verb
// waited seconds, spk status twenty, for the same answer).
func TestTLSThatCannotWorkIsTriedOnce(t *testing.T) {
	var conns atomic.Int64
	counted := func(srv *httptest.Server) {
		srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				conns.Add(1)
			}
		}
		srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes are the point
	}
	plain := httptest.NewUnstartedServer(http.NotFoundHandler())
	counted(plain)
	plain.Start()
	defer plain.Close()
	untrusted := httptest.NewUnstartedServer(http.NotFoundHandler())
	counted(untrusted)
	untrusted.StartTLS()
	defer untrusted.Close()
	dir := t.TempDir()
	for what, url := range map[string]string{"https to plain HTTP": strings.Replace(plain.URL, "http://", "https://", 1), "an untrusted certificate": untrusted.URL} {
		c, err := clientsWith(t, dir, map[string]string{"AWS_CONFIG_FILE": filepath.Join(dir, "config"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"), "SPK_AWS_ENDPOINT_URL": url})
		if err != nil {
			t.Fatal(err)
		}
		conns.Store(0)
		for name, call := range map[string]func() error{
			"Kinesis": func() error {
				_, err := c.Kinesis.ListStreams(context.Background(), &kinesis.ListStreamsInput{})
				return err
			},
			"DynamoDB": func() error {
				_, err := c.DynamoDB.ListTables(context.Background(), &dynamodb.ListTablesInput{})
				return err
			},
		} {
			before := conns.Load()
			if err := call(); err == nil || !retry.TLSMismatch(err) {
				t.Errorf("%s, %s: %v, want the TLS refused", what, name, err)
			}
			if n := conns.Load() - before; n != 1 {
				t.Errorf("%s, %s: %d connections, want 1 (no retries)", what, name, n)
			}
		}
	}
}

// TestTeardownOfATableAlreadyDeleting: an endpoint that answers a second
// DeleteTable with ResourceInUseException (DynamoDB did, and other
// emulators do) while the table is DELETING is waited out until the table
// is gone, not waited on to become ACTIVE, which it never does.
func TestTeardownOfATableAlreadyDeleting(t *testing.T) {
	c := clients(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	spec := sink.TableSpec("counts", "app", "", nil)
	if _, err := provision.CreateTable(ctx, c.DynamoDB, spec, nil); err != nil {
		t.Fatal(err)
	}
	target, _ := url.Parse(c.Target.DynamoDBEndpoint)
	proxy := httputil.NewSingleHostReverseProxy(target)
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Amz-Target") == "DynamoDB_20120810.DeleteTable" {
			w.Header().Set("Content-Type", "application/x-amz-json-1.0")
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"__type":"com.amazonaws.dynamodb.v20120810#ResourceInUseException","message":"Attempt to change a resource which is still in use: Table is being deleted: counts"}`)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	defer other.Close()
	if _, err := c.DynamoDB.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("counts")}); err != nil {
		t.Fatal(err)
	}
	cfg := endpointtest.Config(other.URL)
	o := &provision.Clients{Target: provision.Target{Region: "us-east-1", KinesisEndpoint: other.URL, DynamoDBEndpoint: other.URL, Embedded: true},
		Config: cfg, Kinesis: kinesis.NewFromConfig(cfg), DynamoDB: dynamodb.NewFromConfig(cfg)}
	plan := []provision.PlanItem{{Resource: provision.Resource{Kind: provision.KindAggregate, Name: "counts"}, Fate: provision.FateDelete}}
	if err := provision.Teardown(ctx, o, plan, nil); err != nil || plan[0].Fate != provision.FateDeleted {
		t.Fatalf("teardown: %v, fate %s", err, plan[0].Fate)
	}
	if _, err := c.DynamoDB.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("counts")}); !errors.As(err, new(*dtypes.ResourceNotFoundException)) {
		t.Fatalf("after teardown the table answers %v", err)
	}
}

// TestCreateStreamWaitsOutFiveChanging: Kinesis's limit of five streams
// CREATING or DELETING at once is waited out, with a word to the user;
// it was taken for the shard limit and refused at once, with that hint.
func TestCreateStreamWaitsOutFiveChanging(t *testing.T) {
	srv, err := local.Start(context.Background(), local.Options{Addr: "127.0.0.1:0", InMemory: true, CreateDelay: time.Second, DeleteDelay: -1, UpdateDelay: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// No SDK retries: what is waited out is provision's doing.
	k := kinesis.NewFromConfig(endpointtest.Config(srv.URL()), func(o *kinesis.Options) { o.Retryer = aws.NopRetryer{} })
	for i := range 5 {
		if _, err := k.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(fmt.Sprint("busy", i)), ShardCount: aws.Int32(1)}); err != nil {
			t.Fatal(err)
		}
	}
	var said []string
	out, err := provision.CreateStream(ctx, k, provision.StreamSpec{Name: "mine", Shards: 1, App: "app"}, func(msg string) { said = append(said, msg) })
	if err != nil || !out.Created {
		t.Fatalf("create beside five CREATING streams: %+v %v", out, err)
	}
	if len(said) == 0 || said[0] != "five streams of the account are being created or deleted; waiting for one to finish" {
		t.Fatalf("progress %q", said)
	}
}

// TestCreateStreamOnDemandLimitHint: past the account's on-demand streams
// the hint says how to go on; it spoke of the shard limit and --shards,
// which --on-demand excludes.
func TestCreateStreamOnDemandLimitHint(t *testing.T) {
	srv, err := local.Start(context.Background(), local.Options{Addr: "127.0.0.1:0", InMemory: true, CreateDelay: -1, DeleteDelay: -1, UpdateDelay: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	ctx := context.Background()
	k := kinesis.NewFromConfig(endpointtest.Config(srv.URL()), func(o *kinesis.Options) { o.Retryer = aws.NopRetryer{} })
	for i := range 50 {
		if _, err := k.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(fmt.Sprint("od", i)), StreamModeDetails: &ktypes.StreamModeDetails{StreamMode: ktypes.StreamModeOnDemand}}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = provision.CreateStream(ctx, k, provision.StreamSpec{Name: "extra", OnDemand: true, App: "app"}, nil)
	var pe *provision.Error
	if !errors.As(err, &pe) || pe.Hint != "the account's on-demand streams are at their limit: delete unused ones, or create this one provisioned with --shards N" {
		t.Fatalf("the 51st on-demand stream: %v (%+v)", err, pe)
	}
}
