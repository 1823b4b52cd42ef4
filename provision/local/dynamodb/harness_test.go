package dynamodb_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/spk-cli/spk/provision/local"
	"github.com/spk-cli/spk/provision/local/localtest"
	"github.com/spk-cli/spk/provision/sdkhttp"
)

// The suite runs against spk's endpoint started in-process, or against a
// peer emulator given by SPK_CONFORMANCE_ENDPOINT and SPK_CONFORMANCE_PEER.
var (
	endpoint string
	peer     string // "" for spk
)

func TestMain(m *testing.M) {
	localtest.ServeIfChild()
	endpoint = os.Getenv("SPK_CONFORMANCE_ENDPOINT")
	peer = os.Getenv("SPK_CONFORMANCE_PEER")
	if endpoint == "" {
		opts := local.DefaultOptions()
		opts.Addr = "127.0.0.1:0"
		opts.InMemory = true
		opts.CreateDelay = 50 * time.Millisecond
		opts.DeleteDelay = 50 * time.Millisecond
		opts.UpdateDelay = 50 * time.Millisecond
		srv, err := local.Start(context.Background(), opts)
		if err != nil {
			fmt.Fprintln(os.Stderr, "start endpoint:", err)
			os.Exit(1)
		}
		endpoint = srv.URL()
		code := m.Run()
		srv.Shutdown(context.Background())
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// skipOn skips the test against the named peers, giving their difference.
func skipOn(t *testing.T, reason string, peers ...string) {
	t.Helper()
	for _, p := range peers {
		if p == peer {
			t.Skipf("%s: %s", peer, reason)
		}
	}
}

func newClient(t testing.TB) *dynamodb.Client { return clientFor(endpoint) }

// clientFor returns an SDK client for the endpoint at url.
func clientFor(url string) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(url),
		Credentials:      credentials.NewStaticCredentialsProvider("AKIAFAKE", "secret", ""),
		HTTPClient:       sdkhttp.New(&http.Client{Timeout: 30 * time.Second}),
		RetryMaxAttempts: 1,
	})
}

var tableSeq atomic.Int64

// uniqueName returns a table name no other test uses.
func uniqueName(prefix string) string {
	return fmt.Sprintf("%s-%d-%d", prefix, time.Now().UnixNano()%1e9, tableSeq.Add(1))
}

// keyAttr describes one key attribute for makeTable.
type keyAttr struct {
	name string
	typ  types.ScalarAttributeType
}

// makeTable creates a PAY_PER_REQUEST table, waits for ACTIVE and deletes
// it at the end of the test.
func makeTable(t *testing.T, c *dynamodb.Client, hash keyAttr, rng *keyAttr, mutate ...func(*dynamodb.CreateTableInput)) string {
	t.Helper()
	name := uniqueName(strings.ReplaceAll(t.Name(), "/", "-"))
	if len(name) > 200 {
		name = name[len(name)-200:]
	}
	in := &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String(hash.name), AttributeType: hash.typ}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String(hash.name), KeyType: types.KeyTypeHash}},
	}
	if rng != nil {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{AttributeName: aws.String(rng.name), AttributeType: rng.typ})
		in.KeySchema = append(in.KeySchema, types.KeySchemaElement{AttributeName: aws.String(rng.name), KeyType: types.KeyTypeRange})
	}
	for _, f := range mutate {
		f(in)
	}
	ctx := context.Background()
	if _, err := c.CreateTable(ctx, in); err != nil {
		t.Fatalf("create table %s: %v", name, err)
	}
	waitActive(t, c, name)
	t.Cleanup(func() {
		c.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(name)})
	})
	return name
}

func waitActive(t *testing.T, c *dynamodb.Client, name string) {
	t.Helper()
	w := dynamodb.NewTableExistsWaiter(c, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay = 20 * time.Millisecond
		o.MaxDelay = 100 * time.Millisecond
	})
	if err := w.Wait(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String(name)}, 30*time.Second); err != nil {
		t.Fatalf("wait for %s to be ACTIVE: %v", name, err)
	}
}

// waitReady waits until the table and every global index are ACTIVE, as
// a client of DynamoDB must after adding an index: the table turns ACTIVE
// while the index still backfills.
func waitReady(t *testing.T, c *dynamodb.Client, name string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		d, err := c.DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		ready := d.Table.TableStatus == types.TableStatusActive
		for _, g := range d.Table.GlobalSecondaryIndexes {
			ready = ready && g.IndexStatus == types.IndexStatusActive
		}
		if ready {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready: %s, indexes %+v", name, d.Table.TableStatus, d.Table.GlobalSecondaryIndexes)
		}
		time.Sleep(20 * time.Millisecond) // polling interval, not synchronisation
	}
}

// countsTable is the tutorial's table: hash pk S, range minute S.
func countsTable(t *testing.T, c *dynamodb.Client) string {
	return makeTable(t, c, keyAttr{"pk", types.ScalarAttributeTypeS}, &keyAttr{"minute", types.ScalarAttributeTypeS})
}

// apiErr asserts err is an API error with the code and a message
// containing want.
func apiErr(t *testing.T, err error, code, want string) smithy.APIError {
	t.Helper()
	if err == nil {
		t.Fatalf("want %s %q, got success", code, want)
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want API error %s, got %v", code, err)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("want error code %s, got %s: %s", code, ae.ErrorCode(), ae.ErrorMessage())
	}
	if !strings.Contains(ae.ErrorMessage(), want) {
		t.Fatalf("want %s message containing %q, got %q", code, want, ae.ErrorMessage())
	}
	return ae
}

func s(v string) types.AttributeValue   { return &types.AttributeValueMemberS{Value: v} }
func n(v string) types.AttributeValue   { return &types.AttributeValueMemberN{Value: v} }
func b(v []byte) types.AttributeValue   { return &types.AttributeValueMemberB{Value: v} }
func boolV(v bool) types.AttributeValue { return &types.AttributeValueMemberBOOL{Value: v} }

type item = map[string]types.AttributeValue

func put(t *testing.T, c *dynamodb.Client, table string, it item) {
	t.Helper()
	if _, err := c.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(table), Item: it}); err != nil {
		t.Fatalf("put item: %v", err)
	}
}

func get(t *testing.T, c *dynamodb.Client, table string, key item) item {
	t.Helper()
	out, err := c.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(table), Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatalf("get item: %v", err)
	}
	return out.Item
}

func numOf(t *testing.T, v types.AttributeValue) string {
	t.Helper()
	nv, ok := v.(*types.AttributeValueMemberN)
	if !ok {
		t.Fatalf("want a number, got %#v", v)
	}
	return nv.Value
}

func strOf(t *testing.T, v types.AttributeValue) string {
	t.Helper()
	sv, ok := v.(*types.AttributeValueMemberS)
	if !ok {
		t.Fatalf("want a string, got %#v", v)
	}
	return sv.Value
}
