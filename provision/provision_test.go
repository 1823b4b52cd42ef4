package provision_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/spk-cli/spk/config"
	"github.com/spk-cli/spk/provision"
	"github.com/spk-cli/spk/provision/local"
	"github.com/spk-cli/spk/stream/consume/endpointtest"
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
	_, err := provision.CreateTable(ctx, c.DynamoDB, provision.AggregateTable("counts", "app", nil), nil)
	var mismatch *provision.SchemaMismatchError
	if !errors.As(err, &mismatch) {
		t.Fatalf("got %v", err)
	}
	if want := `table "counts" exists with another key schema: hash key is id (N), spk needs BucketStart (S); range key is missing, spk needs EventType (S)`; mismatch.Error() != want {
		t.Fatalf("message: %v", mismatch)
	}
	// The table is left as it was.
	desc, err := c.DynamoDB.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("counts")})
	if err != nil || len(desc.Table.KeySchema) != 1 || aws.ToString(desc.Table.KeySchema[0].AttributeName) != "id" {
		t.Fatalf("table changed: %+v %v", desc, err)
	}
	// The same keys are fine, and say so.
	if _, err := provision.CreateTable(ctx, c.DynamoDB, provision.AggregateTable("other", "app", nil), nil); err != nil {
		t.Fatal(err)
	}
	out, err := provision.CreateTable(ctx, c.DynamoDB, provision.AggregateTable("other", "app", nil), nil)
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
	if _, err := provision.CreateTable(ctx, c.DynamoDB, provision.AggregateTable("counts", "app", nil), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := provision.CreateTable(ctx, c.DynamoDB, provision.AggregateTable("counts-view", "app", nil), nil); err != nil {
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
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	l, err := config.Load(config.Options{LookupEnv: lookup, WorkDir: dir, UserConfigDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	got, err := provision.NewClients(context.Background(), l, lookup)
	if err != nil {
		t.Fatalf("clients: %v", err)
	}
	if _, err := got.Kinesis.ListStreams(context.Background(), &kinesis.ListStreamsInput{}); err != nil {
		t.Fatalf("list streams: %v", err)
	}
}

// TestCreateTablesCreatesEveryTableAndReportsTheFirstFailure: the tables
// are made together; one with other keys fails, the others are still made.
func TestCreateTablesCreatesEveryTableAndReportsTheFirstFailure(t *testing.T) {
	c := clients(t)
	ctx := context.Background()
	if _, err := provision.CreateTable(ctx, c.DynamoDB, provision.LeaseTable("taken"), nil); err != nil {
		t.Fatal(err)
	}
	err := provision.CreateTables(ctx, c.DynamoDB, []provision.TableSpec{
		provision.AggregateTable("counts", "app", nil), provision.AggregateTable("taken", "app", nil), provision.LeaseTable("app"),
	})
	var mismatch *provision.SchemaMismatchError
	if !errors.As(err, &mismatch) || mismatch.Table != "taken" {
		t.Fatalf("got %v", err)
	}
	tables, err := c.DynamoDB.ListTables(ctx, &dynamodb.ListTablesInput{})
	if err != nil || strings.Join(tables.TableNames, ",") != "app,counts,taken" {
		t.Fatalf("tables %v %v", tables.TableNames, err)
	}
}
