package cmd

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/spk-cli/spk/provision"
	"github.com/spk-cli/spk/provision/local"
	"github.com/spk-cli/spk/provision/sdkhttp"
	"github.com/spk-cli/spk/stream/consume/endpointtest"
	"github.com/spk-cli/spk/stream/lease"
)

func dynamoClient(url string) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), HTTPClient: sdkhttp.New(nil),
		Credentials: credentials.NewStaticCredentialsProvider("spk", "spk", "")})
}

// createUntaggedTable makes a table of the aggregate table's keys that spk
// did not create: no spk-app tag.
func createUntaggedTable(t *testing.T, url, name string) {
	t.Helper()
	_, err := dynamoClient(url).CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		AttributeDefinitions: []dtypes.AttributeDefinition{{AttributeName: aws.String("BucketStart"), AttributeType: dtypes.ScalarAttributeTypeS}, {AttributeName: aws.String("EventType"), AttributeType: dtypes.ScalarAttributeTypeS}},
		KeySchema:            []dtypes.KeySchemaElement{{AttributeName: aws.String("BucketStart"), KeyType: dtypes.KeyTypeHash}, {AttributeName: aws.String("EventType"), KeyType: dtypes.KeyTypeRange}},
		BillingMode:          dtypes.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestCreateTableIdempotentAndProvisioned(t *testing.T) {
	srv := startLocal(t)
	env := endpointEnv(srv.URL())
	r := run(t, env, "create-table", "--provisioned", "20,20")
	if r.code != 0 || !strings.Contains(r.stderr, "✓ step 4: create table my-table: created and ACTIVE") {
		t.Fatalf("create: code %d\n%s", r.code, r.stderr)
	}
	desc, err := dynamoClient(srv.URL()).DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String("my-table")})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToInt64(desc.Table.ProvisionedThroughput.ReadCapacityUnits); got != 20 {
		t.Fatalf("read capacity %d", got)
	}
	keys := map[string]dtypes.KeyType{}
	for _, k := range desc.Table.KeySchema {
		keys[aws.ToString(k.AttributeName)] = k.KeyType
	}
	if keys["BucketStart"] != dtypes.KeyTypeHash || keys["EventType"] != dtypes.KeyTypeRange {
		t.Fatalf("key schema %v", keys)
	}
	tags, err := dynamoClient(srv.URL()).ListTagsOfResource(context.Background(), &dynamodb.ListTagsOfResourceInput{ResourceArn: desc.Table.TableArn})
	// No stream was named, so none is tagged (see TestCreateTableForAStreamNamedOnCreateStream).
	if err != nil || len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != provision.TagKey || aws.ToString(tags.Tags[0].Value) != "StreamingCountsApp" {
		t.Fatalf("tags %v err %v", tags, err)
	}
	r = run(t, env, "create-table")
	if r.code != 0 || !strings.Contains(r.stderr, "already exists with the right key schema and is ACTIVE") {
		t.Fatalf("second create: code %d\n%s", r.code, r.stderr)
	}
}

func TestCreateTableSchemaConflictNamesTheDifference(t *testing.T) {
	srv := startLocal(t)
	db := dynamoClient(srv.URL())
	_, err := db.CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName:            aws.String("taken"),
		AttributeDefinitions: []dtypes.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: dtypes.ScalarAttributeTypeN}},
		KeySchema:            []dtypes.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: dtypes.KeyTypeHash}},
		BillingMode:          dtypes.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatal(err)
	}
	r := run(t, endpointEnv(srv.URL()), "create-table", "taken")
	want := `✗ step 4: create table taken: failed
spk: create aggregate table "taken": table "taken" exists with another key schema: hash key is id (N), spk needs BucketStart (S); range key is missing, spk needs EventType (S)`
	if r.code != ExitFailure || !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, "hint: choose another name (--table)") {
		t.Fatalf("code %d\n%s\nwant %s", r.code, r.stderr, want)
	}
}

func TestTableErrors(t *testing.T) {
	srv := startLocal(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"create-table", "ab"}, `spk: table.name: expected a table name of 3 to 255 letters`},
		{[]string{"create-table", "--provisioned", "20"}, `spk: create-table: --provisioned "20" is not READ,WRITE`},
		{[]string{"create-table", "--table", "bad name!"}, `flag --table: expected a table name`},
	} {
		r := run(t, endpointEnv(srv.URL()), c.args...)
		if r.code != ExitUsage || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: code %d\n%s", c.args, r.code, r.stderr)
		}
	}
	out, err := dynamoClient(srv.URL()).ListTables(context.Background(), &dynamodb.ListTablesInput{})
	if err != nil || len(out.TableNames) != 0 {
		t.Fatalf("refused calls created tables: %v %v", out.TableNames, err)
	}
}

func TestStatusShowsMissingThenPresent(t *testing.T) {
	srv := startLocal(t)
	env := endpointEnv(srv.URL())
	r := run(t, env, "status", "--output", "json")
	var st provision.Status
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil || r.code != 0 {
		t.Fatalf("status: code %d err %v\n%s%s", r.code, err, r.stdout, r.stderr)
	}
	if !st.Endpoint.Reachable || st.Stream.Exists || st.Table.Exists || st.LeaseTable.Exists || st.Stream.Error != "" {
		t.Fatalf("empty status: %+v", st)
	}
	for _, args := range [][]string{{"create-stream"}, {"create-table"}} {
		if r := run(t, env, args...); r.code != 0 {
			t.Fatalf("%v: %s", args, r.stderr)
		}
	}
	r = run(t, env, "status")
	for _, row := range [][]string{
		{"stream", "my-stream", "ACTIVE", "1 open shards, PROVISIONED, 24h retention"},
		{"aggregate table", "my-table", "ACTIVE", "0 items, PAY_PER_REQUEST"},
		{"lease table", "StreamingCountsApp", "missing", "-"},
	} {
		if !hasRow(r.stdout, row...) {
			t.Errorf("status lacks row %q:\n%s", row, r.stdout)
		}
	}
}

// TestStatusShowsACheckpointWithinAnAggregate: a lease checkpointed at a
// user record of a KPL aggregate shows it after the sequence number, as the
// dashboard writes a position.
func TestStatusShowsACheckpointWithinAnAggregate(t *testing.T) {
	srv := startLocal(t)
	env := endpointEnv(srv.URL())
	ctx := context.Background()
	db := dynamoClient(srv.URL())
	if _, err := provision.CreateTable(ctx, db, lease.TableSpec("StreamingCountsApp"), nil); err != nil {
		t.Fatal(err)
	}
	tbl := &lease.Table{DB: db, Name: "StreamingCountsApp"}
	const seq = "49590338271490256608559692538361571095921575989136588898"
	for _, key := range []string{"shardId-000000000000", "shardId-000000000001"} {
		if _, err := tbl.Create(ctx, lease.Lease{Key: key, Checkpoint: lease.TrimHorizon}); err != nil {
			t.Fatal(err)
		}
		if _, err := tbl.Take(ctx, key, 0, "worker-a"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := tbl.Checkpoint(ctx, "shardId-000000000000", 1, "worker-a", seq, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := tbl.Checkpoint(ctx, "shardId-000000000001", 1, "worker-a", seq, 3); err != nil {
		t.Fatal(err)
	}
	r := run(t, env, "status")
	if !hasRow(r.stdout, "shardId-000000000000", "worker-a", "2", seq+"\n") || !hasRow(r.stdout, "shardId-000000000001", "worker-a", "2", seq+"/3") {
		t.Fatalf("status leases:\n%s", r.stdout)
	}
}

func TestTeardownOfPartialSetUp(t *testing.T) {
	srv := startLocal(t)
	env := endpointEnv(srv.URL())
	if r := run(t, env, "create-stream"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	// No terminal and no --yes: refused, nothing deleted.
	r := run(t, env, "teardown")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "spk: teardown: not deleting without confirmation") {
		t.Fatalf("unconfirmed: code %d\n%s", r.code, r.stderr)
	}
	r = run(t, env, "teardown", "--dry-run")
	if r.code != 0 || !hasRow(r.stdout, "stream", "my-stream", "will be deleted") || !hasRow(r.stdout, "aggregate table", "my-table", "missing: nothing to do") {
		t.Fatalf("dry run: code %d\n%s", r.code, r.stdout)
	}
	if st := statusOf(t, env); !st.Stream.Exists {
		t.Fatal("dry run deleted the stream")
	}
	// On a terminal, answering no keeps everything.
	r = runWithInput(t, env, "n\n", true, "teardown")
	if r.code != ExitFailure || !strings.Contains(r.stderr, "teardown: cancelled; nothing was deleted") || !statusOf(t, env).Stream.Exists {
		t.Fatalf("answered no: code %d\n%s", r.code, r.stderr)
	}
	r = runWithInput(t, env, "y\n", true, "teardown")
	if r.code != 0 || !hasRow(r.stdout, "stream", "my-stream", "deleted") || !hasRow(r.stdout, "lease table", "StreamingCountsApp", "missing") {
		t.Fatalf("teardown: code %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if st := statusOf(t, env); st.Stream.Exists || st.Table.Exists {
		t.Fatalf("left behind: %+v", st)
	}
	// Again: everything missing is fine.
	if r = run(t, env, "teardown", "--yes"); r.code != 0 {
		t.Fatalf("second teardown: code %d\n%s", r.code, r.stderr)
	}
}

func statusOf(t *testing.T, env map[string]string) provision.Status {
	t.Helper()
	r := run(t, env, "status", "--output", "json")
	var st provision.Status
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil {
		t.Fatalf("status: %v\n%s", err, r.stderr)
	}
	return st
}

func TestTeardownLocalDataRefusedWhileRunning(t *testing.T) {
	dir := t.TempDir()
	srv := startDurableLocal(t, dir)
	env := endpointEnv(srv.URL(), "SPK_LOCAL_DATA_DIR", dir)
	if r := run(t, env, "create-stream"); r.code != 0 {
		t.Fatalf("create-stream: code %d\n%s", r.code, r.stderr)
	}
	// Refused before anything is deleted: the plan says so, the stream stays.
	r := run(t, env, "teardown", "--yes", "--local-data")
	if r.code != ExitFailure || !hasRow(r.stdout, "local data", dir, "refused: the embedded endpoint is running with this data directory") ||
		!strings.Contains(r.stderr, "spk: remove local data "+dir+": the embedded endpoint is running with this data directory") ||
		!strings.Contains(r.stderr, "stop spk local (or spk up) first") {
		t.Fatalf("code %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if _, err := osStat(dir); err != nil {
		t.Fatal("data removed while the endpoint runs")
	}
	if st := statusOf(t, env); !st.Stream.Exists {
		t.Fatal("the stream was deleted though the teardown was refused")
	}
}

func TestDoctor(t *testing.T) {
	srv := startLocal(t)
	r := run(t, endpointEnv(srv.URL()), "doctor")
	for _, row := range [][]string{{"ok", "endpoint " + srv.URL(), "reachable"}, {"ok", "kinesis access"}, {"ok", "dynamodb access"}, {"ok", "clock skew"}, {"ok", "stream my-stream", "not created yet"}} {
		if !hasRow(r.stdout, row...) {
			t.Errorf("doctor lacks %q:\n%s", row, r.stdout)
		}
	}
	if r.code != 0 {
		t.Fatalf("code %d\n%s", r.code, r.stderr)
	}
	addr := refusingAddr(t)
	r = run(t, map[string]string{"SPK_AWS_ENDPOINT_URL": "http://" + addr, "SPK_LOCAL_ADDR": addr}, "doctor", "--output", "json")
	if r.code != ExitFailure || !strings.Contains(r.stdout, `"ok": false`) || !strings.Contains(r.stdout, "start it with: spk local") || !strings.Contains(r.stderr, "spk: doctor: found problems") {
		t.Fatalf("unreachable: code %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

func TestTeardownRefusesUntaggedResources(t *testing.T) {
	srv := startLocal(t)
	env := endpointEnv(srv.URL())
	// A table spk did not create (no spk-app tag), and a stream it did.
	createUntaggedTable(t, srv.URL(), "my-table")
	if r := run(t, env, "create-stream"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	r := run(t, env, "teardown", "--yes")
	if r.code != ExitFailure || !hasRow(r.stdout, "aggregate table", "my-table", "refused: it has no spk-app tag") || !hasRow(r.stdout, "stream", "my-stream", "deleted") {
		t.Fatalf("code %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, `spk: teardown: aggregate table "my-table" not deleted: it has no spk-app tag`) {
		t.Fatalf("error does not name the refused table:\n%s", r.stderr)
	}
	if st := statusOf(t, env); !st.Table.Exists || st.Stream.Exists {
		t.Fatalf("after teardown: table exists=%v (want true), stream exists=%v (want false)", st.Table.Exists, st.Stream.Exists)
	}
	if r = run(t, env, "teardown", "--yes", "--force"); r.code != 0 || !hasRow(r.stdout, "aggregate table", "my-table", "deleted") {
		t.Fatalf("--force: code %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// TestTeardownOfSeveralFailuresEndsInOneLine: each resource teardown could
// not delete has its row; the error after the table is one line naming
// them, where the errors joined made a line apiece.
func TestTeardownOfSeveralFailuresEndsInOneLine(t *testing.T) {
	srv := startLocal(t)
	env := endpointEnv(srv.URL())
	ctx := context.Background()
	// A stream and a table spk did not create (no spk-app tag).
	if _, err := kinesis.NewFromConfig(endpointtest.Config(srv.URL())).CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("my-stream"), ShardCount: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	createUntaggedTable(t, srv.URL(), "my-table")
	r := run(t, env, "teardown", "--yes")
	want := `spk: teardown: 2 resources not deleted: stream "my-stream", aggregate table "my-table"; the table above says why for each` + "\n"
	if r.code != ExitFailure || !strings.Contains(r.stderr, "\n"+want) || strings.Count(r.stderr, "not deleted") != 1 ||
		!hasRow(r.stdout, "stream", "my-stream", "refused: it has no spk-app tag") || !hasRow(r.stdout, "aggregate table", "my-table", "refused: it has no spk-app tag") {
		t.Fatalf("code %d\n%s\nstderr:\n%s\nwant the line:\n%s", r.code, r.stdout, r.stderr, want)
	}
}

func TestEmbeddedEndpointNeedsNoTags(t *testing.T) {
	srv := startLocal(t)
	addr := strings.TrimPrefix(srv.URL(), "http://")
	env := endpointEnv(srv.URL(), "SPK_LOCAL_ADDR", addr)
	if _, err := dynamoClient(srv.URL()).CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName:            aws.String("StreamingCountsApp"),
		AttributeDefinitions: []dtypes.AttributeDefinition{{AttributeName: aws.String("leaseKey"), AttributeType: dtypes.ScalarAttributeTypeS}},
		KeySchema:            []dtypes.KeySchemaElement{{AttributeName: aws.String("leaseKey"), KeyType: dtypes.KeyTypeHash}},
		BillingMode:          dtypes.BillingModePayPerRequest,
	}); err != nil {
		t.Fatal(err)
	}
	if r := run(t, env, "teardown", "--yes"); r.code != 0 || !hasRow(r.stdout, "lease table", "StreamingCountsApp", "deleted") {
		t.Fatalf("code %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// TestCreateTableAboveTheMaximumFailsAtOnce: DynamoDB's LimitExceeded for
// capacity above the per-table maximum is a refusal, not throttling: it is
// told at once with a hint, not retried for two minutes.
func TestCreateTableAboveTheMaximumFailsAtOnce(t *testing.T) {
	srv := startLocal(t)
	env := endpointEnv(srv.URL())
	r := run(t, env, "create-table", "too-big", "--provisioned", "40001,1")
	if r.code != ExitFailure || !strings.Contains(r.stderr, "LimitExceededException: The requested ReadCapacityUnits, 40001, is above the per table maximum") ||
		strings.Contains(r.stderr, "still failing after") || !strings.HasSuffix(r.stderr, "hint: the request is above the service's maximum: ask for less (a smaller --provisioned, say), or have the quota raised\n") {
		t.Fatalf("code %d\n%s", r.code, r.stderr)
	}
	tables, err := dynamoClient(srv.URL()).ListTables(context.Background(), &dynamodb.ListTablesInput{})
	if err != nil || len(tables.TableNames) != 0 {
		t.Fatalf("tables %v %v after the refusal", tables, err)
	}
}

// TestCreateTableForAStreamNamedOnCreateStream: step 3 may name the stream
// on create-stream alone; create-table then must not tag its table with the
// default stream, or spk run on the named stream would be refused it.
func TestCreateTableForAStreamNamedOnCreateStream(t *testing.T) {
	srv := startLocal(t)
	env := endpointEnv(srv.URL())
	for _, args := range [][]string{{"create-stream", "clicks"}, {"create-table", "counts"}, {"run", "--stream", "clicks", "--table", "counts", "--until-caught-up"}} {
		if r := run(t, env, args...); r.code != 0 {
			t.Fatalf("%v: code %d\n%s", args, r.code, r.stderr)
		}
	}
	// Named, the stream is tagged, and another stream is refused the table.
	if r := run(t, env, "create-table", "named", "--stream", "clicks"); r.code != 0 {
		t.Fatalf("create-table --stream: code %d\n%s", r.code, r.stderr)
	}
	if r := run(t, env, "create-stream", "other"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	r := run(t, env, "run", "--stream", "other", "--app", "OtherApp", "--table", "named", "--until-caught-up")
	if r.code != ExitFailure || !strings.Contains(r.stderr, `aggregate table "named" counts stream "clicks" (its spk-stream tag), not "other"`) {
		t.Fatalf("code %d\n%s", r.code, r.stderr)
	}
}

// TestTeardownOfATableBeingDeleted: a teardown run again after one that was
// interrupted finds the table DELETING; it waits for it to go and succeeds,
// where it waited ten minutes for the table to be ACTIVE again.
func TestTeardownOfATableBeingDeleted(t *testing.T) {
	srv, err := local.Start(context.Background(), local.Options{Addr: "127.0.0.1:0", InMemory: true, DeleteDelay: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	env := endpointEnv(srv.URL())
	if r := run(t, env, "create-table"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	db := dynamoClient(srv.URL())
	if _, err := db.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String("my-table")}); err != nil {
		t.Fatal(err)
	}
	r := run(t, env, "teardown", "--yes")
	if r.code != 0 || !hasRow(r.stdout, "aggregate table", "my-table", "deleted") {
		t.Fatalf("teardown of a DELETING table: code %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if _, err := db.DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String("my-table")}); err == nil {
		t.Fatal("the table is still there after teardown")
	}
}
