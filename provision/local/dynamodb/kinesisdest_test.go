package dynamodb_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"sort"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	ktypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"

	"github.com/spk-cli/spk/provision/sdkhttp"
)

// Kinesis Data Streams for DynamoDB: the destination lifecycle with
// DynamoDB's exact messages, and the records a table's changes become.

const (
	msgEnableState  = "Table is not in a valid state to enable Kinesis Streaming Destination: EnableKinesisStreamingDestination must be DISABLED or ENABLE_FAILED to perform ENABLE operation."
	msgDisableState = "Table is not in a valid state to enable Kinesis Streaming Destination: KinesisStreamingDestination must be ACTIVE to perform DISABLE operation."
)

func kinesisFor(url string) *kinesis.Client {
	return kinesis.New(kinesis.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(url),
		Credentials:      credentials.NewStaticCredentialsProvider("AKIAFAKE", "secret", ""),
		HTTPClient:       sdkhttp.New(&http.Client{Timeout: 30 * time.Second}),
		RetryMaxAttempts: 1,
	})
}

// makeStream creates an ACTIVE Kinesis stream with the given shards and
// returns its ARN; it is deleted at the end of the test.
func makeStream(t *testing.T, kc *kinesis.Client, shards int32) string {
	t.Helper()
	name := uniqueName("kdest")
	if _, err := kc.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(name), ShardCount: aws.Int32(shards)}); err != nil {
		t.Fatalf("create stream: %v", err)
	}
	w := kinesis.NewStreamExistsWaiter(kc, func(o *kinesis.StreamExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 20*time.Millisecond, 100*time.Millisecond
	})
	if err := w.Wait(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String(name)}, 30*time.Second); err != nil {
		t.Fatalf("wait for stream: %v", err)
	}
	out, err := kc.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		kc.DeleteStream(context.Background(), &kinesis.DeleteStreamInput{StreamName: aws.String(name), EnforceConsumerDeletion: aws.Bool(true)})
	})
	return aws.ToString(out.StreamDescriptionSummary.StreamARN)
}

// destinations returns the table's destinations as stream ARN -> status.
func destinations(t *testing.T, c *dynamodb.Client, table string) []types.KinesisDataStreamDestination {
	t.Helper()
	out, err := c.DescribeKinesisStreamingDestination(ctx, &dynamodb.DescribeKinesisStreamingDestinationInput{TableName: aws.String(table)})
	if err != nil {
		t.Fatalf("describe kinesis streaming destination: %v", err)
	}
	if aws.ToString(out.TableName) != table {
		t.Fatalf("described table %q, want %q", aws.ToString(out.TableName), table)
	}
	return out.KinesisDataStreamDestinations
}

// waitDestination polls until the destination for arn has status want.
func waitDestination(t *testing.T, c *dynamodb.Client, table, arn string, want types.DestinationStatus) types.KinesisDataStreamDestination {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		for _, d := range destinations(t, c, table) {
			if aws.ToString(d.StreamArn) == arn && d.DestinationStatus == want {
				return d
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("destination %s of %s never became %s: %+v", arn, table, want, destinations(t, c, table))
		}
		time.Sleep(20 * time.Millisecond) // polling interval
	}
}

func enable(t *testing.T, c *dynamodb.Client, table, arn string) {
	t.Helper()
	out, err := c.EnableKinesisStreamingDestination(ctx, &dynamodb.EnableKinesisStreamingDestinationInput{TableName: aws.String(table), StreamArn: aws.String(arn)})
	if err != nil {
		t.Fatalf("enable: %v", err)
	}
	if out.DestinationStatus != types.DestinationStatusEnabling {
		t.Fatalf("enable answered %s, want ENABLING", out.DestinationStatus)
	}
	waitDestination(t, c, table, arn, types.DestinationStatusActive)
}

// exactErr asserts err is the API error code with exactly the message msg.
func exactErr(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want %s %q, got %v", code, msg, err)
	}
	if ae.ErrorCode() != code || ae.ErrorMessage() != msg {
		t.Fatalf("want %s %q,\ngot  %s %q", code, msg, ae.ErrorCode(), ae.ErrorMessage())
	}
}

func TestKinesisDestinationLifecycle(t *testing.T) {
	skipOn(t, "Kinesis streaming destinations are not implemented", "dynalite")
	c, kc := newClient(t), kinesisFor(endpoint)
	table := makeTable(t, c, keyAttr{"pk", "S"}, nil)
	arn, other := makeStream(t, kc, 1), makeStream(t, kc, 1)
	desc, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		t.Fatal(err)
	}
	tableID := aws.ToString(desc.Table.TableId)

	if got := destinations(t, c, table); len(got) != 0 {
		t.Fatalf("a new table has destinations: %+v", got)
	}
	out, err := c.EnableKinesisStreamingDestination(ctx, &dynamodb.EnableKinesisStreamingDestinationInput{TableName: aws.String(table), StreamArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	if out.DestinationStatus != types.DestinationStatusEnabling || aws.ToString(out.StreamArn) != arn || aws.ToString(out.TableName) != table ||
		out.EnableKinesisStreamingConfiguration == nil || out.EnableKinesisStreamingConfiguration.ApproximateCreationDateTimePrecision != "" {
		t.Fatalf("enable answered %+v", out)
	}
	d := waitDestination(t, c, table, arn, types.DestinationStatusActive)
	if d.ApproximateCreationDateTimePrecision != "" || d.DestinationStatusDescription != nil {
		t.Errorf("an ACTIVE destination enabled without configuration shows %+v", d)
	}

	// At most one destination that is not DISABLED or ENABLE_FAILED.
	for _, a := range []string{arn, other} {
		_, err = c.EnableKinesisStreamingDestination(ctx, &dynamodb.EnableKinesisStreamingDestinationInput{TableName: aws.String(table), StreamArn: aws.String(a)})
		exactErr(t, err, "ValidationException", msgEnableState)
	}

	// Update: the configuration is required and must change the precision
	// (MILLISECOND applies while none was set).
	_, err = c.UpdateKinesisStreamingDestination(ctx, &dynamodb.UpdateKinesisStreamingDestinationInput{TableName: aws.String(table), StreamArn: aws.String(arn)})
	exactErr(t, err, "ValidationException", "Streaming destination cannot be updated with given parameters: UpdateKinesisStreamingConfiguration cannot be null or contain only null values")
	precision := func(p types.ApproximateCreationDateTimePrecision) *types.UpdateKinesisStreamingConfiguration {
		return &types.UpdateKinesisStreamingConfiguration{ApproximateCreationDateTimePrecision: p}
	}
	_, err = c.UpdateKinesisStreamingDestination(ctx, &dynamodb.UpdateKinesisStreamingDestinationInput{TableName: aws.String(table), StreamArn: aws.String(arn), UpdateKinesisStreamingConfiguration: precision("MILLISECOND")})
	exactErr(t, err, "ValidationException", "Invalid Request: Precision is already set to the desired value of MILLISECOND for tableId: "+tableID+", kdsArn: "+arn)
	_, err = c.UpdateKinesisStreamingDestination(ctx, &dynamodb.UpdateKinesisStreamingDestinationInput{TableName: aws.String(table), StreamArn: aws.String(other), UpdateKinesisStreamingConfiguration: precision("MICROSECOND")})
	exactErr(t, err, "ValidationException", "Table is not in a valid state to enable Kinesis Streaming Destination: No streaming destination with streamArn: "+other)
	up, err := c.UpdateKinesisStreamingDestination(ctx, &dynamodb.UpdateKinesisStreamingDestinationInput{TableName: aws.String(table), StreamArn: aws.String(arn), UpdateKinesisStreamingConfiguration: precision("MICROSECOND")})
	if err != nil {
		t.Fatal(err)
	}
	if up.DestinationStatus != types.DestinationStatusUpdating || up.UpdateKinesisStreamingConfiguration.ApproximateCreationDateTimePrecision != "MICROSECOND" {
		t.Fatalf("update answered %+v", up)
	}
	d = waitDestination(t, c, table, arn, types.DestinationStatusActive)
	if d.ApproximateCreationDateTimePrecision != "MICROSECOND" {
		t.Errorf("precision after update: %q", d.ApproximateCreationDateTimePrecision)
	}

	// Disable takes no configuration, then only an ACTIVE destination.
	_, err = c.DisableKinesisStreamingDestination(ctx, &dynamodb.DisableKinesisStreamingDestinationInput{TableName: aws.String(table), StreamArn: aws.String(arn),
		EnableKinesisStreamingConfiguration: &types.EnableKinesisStreamingConfiguration{ApproximateCreationDateTimePrecision: "MICROSECOND"}})
	exactErr(t, err, "ValidationException", "Stream cannot be disabled using EnableKinesisStreamingConfiguration parameters")
	_, err = c.DisableKinesisStreamingDestination(ctx, &dynamodb.DisableKinesisStreamingDestinationInput{TableName: aws.String(table), StreamArn: aws.String(other)})
	exactErr(t, err, "ValidationException", msgDisableState)
	dis, err := c.DisableKinesisStreamingDestination(ctx, &dynamodb.DisableKinesisStreamingDestinationInput{TableName: aws.String(table), StreamArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	if dis.DestinationStatus != types.DestinationStatusDisabling || aws.ToString(dis.StreamArn) != arn {
		t.Fatalf("disable answered %+v", dis)
	}
	waitDestination(t, c, table, arn, types.DestinationStatusDisabled)
	_, err = c.DisableKinesisStreamingDestination(ctx, &dynamodb.DisableKinesisStreamingDestinationInput{TableName: aws.String(table), StreamArn: aws.String(arn)})
	exactErr(t, err, "ValidationException", msgDisableState)
	_, err = c.UpdateKinesisStreamingDestination(ctx, &dynamodb.UpdateKinesisStreamingDestinationInput{TableName: aws.String(table), StreamArn: aws.String(arn), UpdateKinesisStreamingConfiguration: precision("MILLISECOND")})
	exactErr(t, err, "ValidationException", "Table is not in a valid state to enable Kinesis Streaming Destination: Kinesis streaming is not in ACTIVE state. Updates are only allowed in ACTIVE state. TableName: "+table+", kdsArn: "+arn)

	// Enabling again flips the DISABLED entry (no second one) and resets
	// the precision; another stream may then be enabled only after it is
	// disabled.
	enable(t, c, table, arn)
	got := destinations(t, c, table)
	if len(got) != 1 || got[0].ApproximateCreationDateTimePrecision != "" {
		t.Fatalf("after re-enabling: %+v", got)
	}
}

func TestKinesisDestinationEnableFailures(t *testing.T) {
	skipOn(t, "Kinesis streaming destinations are not implemented", "dynalite")
	c, kc := newClient(t), kinesisFor(endpoint)
	table := makeTable(t, c, keyAttr{"pk", "S"}, nil)
	good := makeStream(t, kc, 1)
	missing := "arn:aws:kinesis:us-east-1:000000000000:stream/no-such-stream"
	otherRegion := "arn:aws:kinesis:eu-west-1:000000000000:stream/somewhere"
	otherAccount := "arn:aws:kinesis:us-east-1:111111111111:stream/theirs"
	firehose := "arn:aws:firehose:us-east-1:000000000000:deliverystream/a-delivery-stream"

	// DynamoDB accepts any well-formed ARN and fails asynchronously, with
	// a description; failed entries accumulate, one per stream.
	for _, tc := range []struct{ arn, why string }{
		{missing, "User does not have a permission to use kinesis stream"},
		{otherRegion, "The kinesis Arn used to enable kinesis replication belongs to a stream which is not in the current region"},
		{otherAccount, "The kinesis Arn used to enable kinesis replication belongs to a stream which is not in Active state"},
		{"arn:aws:dynamodb:us-east-1:000000000000:table/" + table, "User does not have a permission to use kinesis stream"},
		{firehose, "The kinesis Arn used to enable kinesis replication belongs to a stream which is not in Active state"},
	} {
		out, err := c.EnableKinesisStreamingDestination(ctx, &dynamodb.EnableKinesisStreamingDestinationInput{TableName: aws.String(table), StreamArn: aws.String(tc.arn)})
		if err != nil {
			t.Fatalf("enable %s: %v", tc.arn, err)
		}
		if out.DestinationStatus != types.DestinationStatusEnabling {
			t.Fatalf("enable %s answered %s", tc.arn, out.DestinationStatus)
		}
		d := waitDestination(t, c, table, tc.arn, types.DestinationStatusEnableFailed)
		if aws.ToString(d.DestinationStatusDescription) != tc.why {
			t.Errorf("%s failed with %q, want %q", tc.arn, aws.ToString(d.DestinationStatusDescription), tc.why)
		}
	}
	_, err := c.DisableKinesisStreamingDestination(ctx, &dynamodb.DisableKinesisStreamingDestinationInput{TableName: aws.String(table), StreamArn: aws.String(missing)})
	exactErr(t, err, "ValidationException", msgDisableState)
	// Re-enabling a failed stream flips its entry; a good stream can be
	// enabled next to failed ones, most recent first.
	if _, err := c.EnableKinesisStreamingDestination(ctx, &dynamodb.EnableKinesisStreamingDestinationInput{TableName: aws.String(table), StreamArn: aws.String(missing)}); err != nil {
		t.Fatal(err)
	}
	waitDestination(t, c, table, missing, types.DestinationStatusEnableFailed)
	enable(t, c, table, good)
	var order []string
	for _, d := range destinations(t, c, table) {
		order = append(order, aws.ToString(d.StreamArn)+"="+string(d.DestinationStatus))
	}
	want := []string{good + "=ACTIVE", missing + "=ENABLE_FAILED", firehose + "=ENABLE_FAILED", "arn:aws:dynamodb:us-east-1:000000000000:table/" + table + "=ENABLE_FAILED", otherAccount + "=ENABLE_FAILED", otherRegion + "=ENABLE_FAILED"}
	if !reflect.DeepEqual(order, want) {
		t.Errorf("destinations:\n got %v\nwant %v", order, want)
	}

	// The table may be given by its ARN.
	byArn, err := c.DescribeKinesisStreamingDestination(ctx, &dynamodb.DescribeKinesisStreamingDestinationInput{TableName: aws.String("arn:aws:dynamodb:us-east-1:000000000000:table/" + table)})
	if err != nil || aws.ToString(byArn.TableName) != table || len(byArn.KinesisDataStreamDestinations) != len(want) {
		t.Errorf("describe by table ARN: %+v, %v", byArn, err)
	}
}

func TestKinesisDestinationValidation(t *testing.T) {
	skipOn(t, "Kinesis streaming destinations are not implemented", "dynalite")
	c := newClient(t)
	table := makeTable(t, c, keyAttr{"pk", "S"}, nil)
	arn := "arn:aws:kinesis:us-east-1:000000000000:stream/never-made"
	notFound := "Requested resource not found: Table: nope-kdest not found"
	cases := []struct{ name, op, body, typ, msg string }{
		{"describe missing table", "DescribeKinesisStreamingDestination", `{"TableName":"nope-kdest"}`, "ResourceNotFoundException", notFound},
		{"enable missing table", "EnableKinesisStreamingDestination", `{"TableName":"nope-kdest","StreamArn":"` + arn + `"}`, "ResourceNotFoundException", notFound},
		{"disable missing table", "DisableKinesisStreamingDestination", `{"TableName":"nope-kdest","StreamArn":"` + arn + `"}`, "ResourceNotFoundException", notFound},
		{"update missing table", "UpdateKinesisStreamingDestination", `{"TableName":"nope-kdest","StreamArn":"` + arn + `","UpdateKinesisStreamingConfiguration":{"ApproximateCreationDateTimePrecision":"MICROSECOND"}}`, "ResourceNotFoundException", notFound},
		{"describe null table", "DescribeKinesisStreamingDestination", `{}`, "ValidationException", "1 validation error detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null"},
		{"enable nulls", "EnableKinesisStreamingDestination", `{}`, "ValidationException", "2 validation errors detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null; Value null at 'streamArn' failed to satisfy constraint: Member must not be null"},
		{"enable short arn", "EnableKinesisStreamingDestination", `{"TableName":"` + table + `","StreamArn":"not-an-arn"}`, "ValidationException", "1 validation error detected: Value 'not-an-arn' at 'streamArn' failed to satisfy constraint: Member must have length greater than or equal to 37"},
		{"enable precision enum", "EnableKinesisStreamingDestination", `{"TableName":"` + table + `","StreamArn":"` + arn + `","EnableKinesisStreamingConfiguration":{"ApproximateCreationDateTimePrecision":"SECOND"}}`, "ValidationException", "1 validation error detected: Value 'SECOND' at 'enableKinesisStreamingConfiguration.approximateCreationDateTimePrecision' failed to satisfy constraint: Member must satisfy enum value set: [MILLISECOND, MICROSECOND]"},
		{"update precision enum", "UpdateKinesisStreamingDestination", `{"TableName":"` + table + `","StreamArn":"` + arn + `","UpdateKinesisStreamingConfiguration":{"ApproximateCreationDateTimePrecision":"NANOSECOND"}}`, "ValidationException", "1 validation error detected: Value 'NANOSECOND' at 'updateKinesisStreamingConfiguration.approximateCreationDateTimePrecision' failed to satisfy constraint: Member must satisfy enum value set: [MILLISECOND, MICROSECOND]"},
		{"update empty configuration", "UpdateKinesisStreamingDestination", `{"TableName":"` + table + `","StreamArn":"` + arn + `","UpdateKinesisStreamingConfiguration":{}}`, "ValidationException", "Streaming destination cannot be updated with given parameters: UpdateKinesisStreamingConfiguration cannot be null or contain only null values"},
		{"disable never enabled", "DisableKinesisStreamingDestination", `{"TableName":"` + table + `","StreamArn":"` + arn + `"}`, "ValidationException", msgDisableState},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := rawCall(t, "DynamoDB_20120810."+tc.op, tc.body)
			var e struct {
				Type    string `json:"__type"`
				Message string `json:"message"`
			}
			if err := json.Unmarshal(body, &e); err != nil {
				t.Fatalf("status %d, body %s", resp.StatusCode, body)
			}
			if resp.StatusCode != 400 || !regexp.MustCompile(`#`+tc.typ+`$`).MatchString(e.Type) || e.Message != tc.msg {
				t.Fatalf("got %d %s %q,\nwant 400 %s %q", resp.StatusCode, e.Type, e.Message, tc.typ, tc.msg)
			}
		})
	}
	// Nothing was half-created by the refused requests.
	if got := destinations(t, c, table); len(got) != 0 {
		t.Errorf("refused requests left destinations: %+v", got)
	}
}

// changeRecord is the JSON of a record DynamoDB puts into the stream.
type changeRecord struct {
	AwsRegion    string `json:"awsRegion"`
	EventID      string `json:"eventID"`
	EventName    string `json:"eventName"`
	UserIdentity *struct {
		PrincipalID string `json:"principalId"`
		Type        string `json:"type"`
	} `json:"userIdentity"`
	RecordFormat string `json:"recordFormat"`
	TableName    string `json:"tableName"`
	Dynamodb     struct {
		ApproximateCreationDateTime          int64          `json:"ApproximateCreationDateTime"`
		Keys                                 map[string]any `json:"Keys"`
		NewImage                             map[string]any `json:"NewImage"`
		OldImage                             map[string]any `json:"OldImage"`
		SizeBytes                            int            `json:"SizeBytes"`
		ApproximateCreationDateTimePrecision string         `json:"ApproximateCreationDateTimePrecision"`
	} `json:"dynamodb"`
	EventSource  string `json:"eventSource"`
	partitionKey string
	shard        string
}

// readStream reads every shard of the stream from TRIM_HORIZON until it
// holds at least want records, and returns them shard by shard.
func readKinesisChanges(t *testing.T, kc *kinesis.Client, arn string, want int) []changeRecord {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var recs []changeRecord
		shards, err := kc.ListShards(ctx, &kinesis.ListShardsInput{StreamARN: aws.String(arn)})
		if err != nil {
			t.Fatal(err)
		}
		for _, sh := range shards.Shards {
			it, err := kc.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamARN: aws.String(arn), ShardId: sh.ShardId, ShardIteratorType: ktypes.ShardIteratorTypeTrimHorizon})
			if err != nil {
				t.Fatal(err)
			}
			iter := it.ShardIterator
			for iter != nil {
				out, err := kc.GetRecords(ctx, &kinesis.GetRecordsInput{StreamARN: aws.String(arn), ShardIterator: iter})
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range out.Records {
					var cr changeRecord
					if err := json.Unmarshal(r.Data, &cr); err != nil {
						t.Fatalf("record data is not JSON: %v: %s", err, r.Data)
					}
					cr.partitionKey, cr.shard = aws.ToString(r.PartitionKey), aws.ToString(sh.ShardId)
					recs = append(recs, cr)
				}
				if len(out.Records) == 0 || aws.ToInt64(out.MillisBehindLatest) == 0 && len(out.Records) < 10000 {
					break
				}
				iter = out.NextShardIterator
			}
		}
		if len(recs) >= want {
			return recs
		}
		if time.Now().After(deadline) {
			t.Fatalf("stream holds %d records, want %d", len(recs), want)
		}
		time.Sleep(20 * time.Millisecond) // polling interval
	}
}

func jsonOf(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestKinesisDestinationRecords(t *testing.T) {
	skipOn(t, "Kinesis streaming destinations are not implemented", "dynalite")
	c, kc := newClient(t), kinesisFor(endpoint)
	table := makeTable(t, c, keyAttr{"pk", "S"}, &keyAttr{"sk", "N"})
	arn := makeStream(t, kc, 1)
	put(t, c, table, item{"pk": s("before"), "sk": n("0")}) // not captured: no destination yet
	enable(t, c, table, arn)
	start := time.Now()

	put(t, c, table, item{"pk": s("a"), "sk": n("1"), "v": s("x")})
	put(t, c, table, item{"pk": s("a"), "sk": n("1"), "v": s("x")}) // unchanged: no record
	if _, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(table), Key: item{"pk": s("a"), "sk": n("1")},
		UpdateExpression: aws.String("SET v = :v ADD c :one"), ExpressionAttributeValues: item{":v": s("y"), ":one": n("1")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String(table), Item: item{"pk": s("b"), "sk": n("2"), "bin": b([]byte{1, 2})}}},
		{Delete: &types.Delete{TableName: aws.String(table), Key: item{"pk": s("before"), "sk": n("0")}}},
	}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(table), Key: item{"pk": s("a"), "sk": n("1")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(table), Key: item{"pk": s("none"), "sk": n("9")}}); err != nil {
		t.Fatal(err) // deletes nothing: no record
	}

	want := []struct{ event, keys, newImage, oldImage string }{
		{"INSERT", `{"pk":{"S":"a"},"sk":{"N":"1"}}`, `{"pk":{"S":"a"},"sk":{"N":"1"},"v":{"S":"x"}}`, ``},
		{"MODIFY", `{"pk":{"S":"a"},"sk":{"N":"1"}}`, `{"pk":{"S":"a"},"sk":{"N":"1"},"v":{"S":"y"},"c":{"N":"1"}}`, `{"pk":{"S":"a"},"sk":{"N":"1"},"v":{"S":"x"}}`},
		{"INSERT", `{"pk":{"S":"b"},"sk":{"N":"2"}}`, `{"pk":{"S":"b"},"sk":{"N":"2"},"bin":{"B":"AQI="}}`, ``},
		{"REMOVE", `{"pk":{"S":"before"},"sk":{"N":"0"}}`, ``, `{"pk":{"S":"before"},"sk":{"N":"0"}}`},
		{"REMOVE", `{"pk":{"S":"a"},"sk":{"N":"1"}}`, ``, `{"pk":{"S":"a"},"sk":{"N":"1"},"v":{"S":"y"},"c":{"N":"1"}}`},
	}
	recs := readKinesisChanges(t, kc, arn, len(want))
	if len(recs) != len(want) {
		t.Fatalf("stream holds %d records, want %d", len(recs), len(want))
	}
	ids := map[string]bool{}
	pks := map[string]string{}
	for i, w := range want {
		r := recs[i]
		if r.EventName != w.event || r.AwsRegion != "us-east-1" || r.TableName != table || r.RecordFormat != "application/json" ||
			r.EventSource != "aws:dynamodb" || r.UserIdentity != nil || r.Dynamodb.ApproximateCreationDateTimePrecision != "MILLISECOND" {
			t.Errorf("record %d: %+v", i, r)
		}
		if !reflect.DeepEqual(r.Dynamodb.Keys, jsonOf(t, w.keys)) {
			t.Errorf("record %d keys %v, want %s", i, r.Dynamodb.Keys, w.keys)
		}
		for _, img := range []struct {
			got  map[string]any
			want string
		}{{r.Dynamodb.NewImage, w.newImage}, {r.Dynamodb.OldImage, w.oldImage}} {
			if w := img.want; w == "" && img.got != nil || w != "" && !reflect.DeepEqual(img.got, jsonOf(t, w)) {
				t.Errorf("record %d (%s) image %v, want %s", i, r.EventName, img.got, w)
			}
		}
		at := time.UnixMilli(r.Dynamodb.ApproximateCreationDateTime)
		if at.Before(start.Add(-time.Second)) || at.After(time.Now().Add(time.Second)) {
			t.Errorf("record %d ApproximateCreationDateTime %v is not in milliseconds of now", i, at)
		}
		if ids[r.EventID] || !regexp.MustCompile(`^[0-9a-f-]{36}$`).MatchString(r.EventID) {
			t.Errorf("record %d eventID %q is not a fresh UUID", i, r.EventID)
		}
		ids[r.EventID] = true
		if !regexp.MustCompile(`^[0-9A-F]{32}$`).MatchString(r.partitionKey) {
			t.Errorf("record %d partition key %q", i, r.partitionKey)
		}
		k := fmt.Sprint(r.Dynamodb.Keys)
		if p, ok := pks[k]; ok && p != r.partitionKey {
			t.Errorf("item %s has partition keys %s and %s", k, p, r.partitionKey)
		}
		pks[k] = r.partitionKey
	}
	// SizeBytes counts keys and images as DynamoDB counts item size:
	// INSERT of a: keys pk(2+1) + sk(2+2, a number of one digit) = 7, new
	// image 7 + v(1+1) = 9.
	if recs[0].Dynamodb.SizeBytes != 16 {
		t.Errorf("INSERT SizeBytes = %d, want 16", recs[0].Dynamodb.SizeBytes)
	}

	// Microsecond precision, then Disable stops the flow.
	if _, err := c.UpdateKinesisStreamingDestination(ctx, &dynamodb.UpdateKinesisStreamingDestinationInput{TableName: aws.String(table), StreamArn: aws.String(arn),
		UpdateKinesisStreamingConfiguration: &types.UpdateKinesisStreamingConfiguration{ApproximateCreationDateTimePrecision: "MICROSECOND"}}); err != nil {
		t.Fatal(err)
	}
	waitDestination(t, c, table, arn, types.DestinationStatusActive)
	put(t, c, table, item{"pk": s("micro"), "sk": n("3")})
	recs = readKinesisChanges(t, kc, arn, len(want)+1)
	last := recs[len(recs)-1]
	if last.Dynamodb.ApproximateCreationDateTimePrecision != "MICROSECOND" || time.UnixMicro(last.Dynamodb.ApproximateCreationDateTime).Before(start.Add(-time.Second)) ||
		time.UnixMicro(last.Dynamodb.ApproximateCreationDateTime).After(time.Now().Add(time.Second)) {
		t.Errorf("record after the precision update: %+v", last.Dynamodb)
	}
	if _, err := c.DisableKinesisStreamingDestination(ctx, &dynamodb.DisableKinesisStreamingDestinationInput{TableName: aws.String(table), StreamArn: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	put(t, c, table, item{"pk": s("after"), "sk": n("4")})
	waitDestination(t, c, table, arn, types.DestinationStatusDisabled)
	// A write through an enabled table afterwards proves the delivery
	// queue is empty when the stream is read.
	other := makeTable(t, c, keyAttr{"pk", "S"}, nil)
	enable(t, c, other, arn)
	put(t, c, other, item{"pk": s("marker")})
	recs = readKinesisChanges(t, kc, arn, len(want)+2)
	if len(recs) != len(want)+2 || recs[len(recs)-1].TableName != other {
		t.Errorf("after disabling, the stream holds %d records, the last of %s", len(recs), recs[len(recs)-1].TableName)
	}
}

// streamedTable is a table keyed by pk (S) whose changes stream to a new
// Kinesis stream of shards shards, ACTIVE.
func streamedTable(t *testing.T, shards int32) (c *dynamodb.Client, kc *kinesis.Client, table, arn string) {
	t.Helper()
	skipOn(t, "Kinesis streaming destinations are not implemented", "dynalite")
	c, kc = newClient(t), kinesisFor(endpoint)
	table = makeTable(t, c, keyAttr{"pk", "S"}, nil)
	arn = makeStream(t, kc, shards)
	enable(t, c, table, arn)
	return c, kc, table, arn
}

// addConcurrently has writers goroutines each ADD 1 to c adds times, on
// the item keyOf names for it, and waits for them all.
func addConcurrently(t *testing.T, c *dynamodb.Client, table string, writers, adds int, keyOf func(writer int) string) {
	t.Helper()
	errs := make(chan error, writers)
	for w := range writers {
		go func() {
			for range adds {
				if _, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(table), Key: item{"pk": s(keyOf(w))},
					UpdateExpression: aws.String("ADD c :one"), ExpressionAttributeValues: item{":one": n("1")}}); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range writers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

// TestKinesisDestinationOrderPerItem writes many changes to a few items
// from several goroutines into a stream of several shards: every item's
// records are in one shard, in the order of its changes.
func TestKinesisDestinationOrderPerItem(t *testing.T) {
	c, kc, table, arn := streamedTable(t, 4)
	const items, adds = 6, 40
	addConcurrently(t, c, table, items, adds, func(writer int) string { return fmt.Sprint("item", writer) })
	recs := readKinesisChanges(t, kc, arn, items*adds)
	counts := map[string][]string{}
	shardOf := map[string]string{}
	for _, r := range recs {
		k := fmt.Sprint(r.Dynamodb.Keys)
		if s, ok := shardOf[k]; ok && s != r.shard {
			t.Fatalf("item %s in shards %s and %s", k, s, r.shard)
		}
		shardOf[k] = r.shard
		counts[k] = append(counts[k], r.Dynamodb.NewImage["c"].(map[string]any)["N"].(string))
	}
	for k, cs := range counts {
		if len(cs) != adds {
			t.Errorf("item %s has %d records, want %d", k, len(cs), adds)
		}
		if !sort.SliceIsSorted(cs, func(a, b int) bool { return len(cs[a]) < len(cs[b]) || len(cs[a]) == len(cs[b]) && cs[a] < cs[b] }) {
			t.Errorf("item %s records out of order: %v", k, cs)
		}
	}
}

// TestKinesisDestinationTimesGrowPerItem: changes of one item made within
// the same millisecond get times a millisecond apart, as DynamoDB gives
// them, so a consumer that orders by ApproximateCreationDateTime and drops
// what is not newer (the developer guide's advice) keeps every change.
func TestKinesisDestinationTimesGrowPerItem(t *testing.T) {
	c, kc, table, arn := streamedTable(t, 1)
	const writers, adds = 4, 50
	addConcurrently(t, c, table, writers, adds, func(int) string { return "counter" })
	recs := readKinesisChanges(t, kc, arn, writers*adds)
	kept := 0
	var last int64
	for _, r := range recs {
		if r.Dynamodb.ApproximateCreationDateTime > last {
			kept++
			last = r.Dynamodb.ApproximateCreationDateTime
		}
	}
	if kept != writers*adds {
		t.Fatalf("a consumer keeping only newer times keeps %d of %d changes", kept, writers*adds)
	}
	if drift := time.Until(time.UnixMilli(last)); drift > 2*time.Second {
		t.Fatalf("the last change's time is %v ahead of the clock", drift)
	}
}

// TestKinesisDestinationTTLRecord: an item the TTL sweeper removes becomes
// a REMOVE record whose userIdentity names DynamoDB as the author.
func TestKinesisDestinationTTLRecord(t *testing.T) {
	c, kc, table, arn := streamedTable(t, 1)
	if _, err := c.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String(table),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{Enabled: aws.Bool(true), AttributeName: aws.String("exp")}}); err != nil {
		t.Fatal(err)
	}
	put(t, c, table, item{"pk": s("gone"), "exp": n(fmt.Sprint(time.Now().Add(-time.Minute).Unix()))})
	recs := readKinesisChanges(t, kc, arn, 2)
	r := recs[1]
	if r.EventName != "REMOVE" || r.UserIdentity == nil || r.UserIdentity.PrincipalID != "dynamodb.amazonaws.com" || r.UserIdentity.Type != "Service" {
		t.Errorf("TTL removal record: %+v", r)
	}
	if recs[0].EventName != "INSERT" || recs[0].UserIdentity != nil {
		t.Errorf("insert record: %+v", recs[0])
	}
}

// TestKinesisDestinationStreamDeleted: deleting the stream leaves the
// destination ACTIVE, as on DynamoDB; the changes made while it is gone are
// dropped, so a stream re-created under the same ARN receives only the
// changes made after it is ACTIVE.
func TestKinesisDestinationStreamDeleted(t *testing.T) {
	skipOn(t, "Kinesis streaming destinations are not implemented", "dynalite")
	c, kc := newClient(t), kinesisFor(endpoint)
	table := makeTable(t, c, keyAttr{"pk", "S"}, nil)
	arn := makeStream(t, kc, 1)
	name := arn[len("arn:aws:kinesis:us-east-1:000000000000:stream/"):]
	enable(t, c, table, arn)
	// A second table streams elsewhere: delivery is in commit order, so
	// once its marker is in its stream, the record before it was handled.
	table2, arn2 := makeTable(t, c, keyAttr{"pk", "S"}, nil), makeStream(t, kc, 1)
	enable(t, c, table2, arn2)
	if _, err := kc.DeleteStream(ctx, &kinesis.DeleteStreamInput{StreamName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	gone := kinesis.NewStreamNotExistsWaiter(kc, func(o *kinesis.StreamNotExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 20*time.Millisecond, 100*time.Millisecond
	})
	if err := gone.Wait(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String(name)}, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	put(t, c, table, item{"pk": s("while-gone")})
	put(t, c, table2, item{"pk": s("marker")})
	readKinesisChanges(t, kc, arn2, 1)
	if _, err := kc.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(name), ShardCount: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	exists := kinesis.NewStreamExistsWaiter(kc, func(o *kinesis.StreamExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 20*time.Millisecond, 100*time.Millisecond
	})
	if err := exists.Wait(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String(name)}, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	if d := destinations(t, c, table); len(d) != 1 || d[0].DestinationStatus != types.DestinationStatusActive || d[0].DestinationStatusDescription != nil {
		t.Fatalf("destination after its stream was deleted: %+v", d)
	}
	put(t, c, table, item{"pk": s("after")})
	recs := readKinesisChanges(t, kc, arn, 1)
	if len(recs) != 1 || recs[0].Dynamodb.Keys["pk"].(map[string]any)["S"] != "after" {
		t.Errorf("the re-created stream holds %+v", recs)
	}
}

// TestKinesisDestinationTableRecreated: deleting a table with an ACTIVE
// destination is allowed and leaves the stream alone; a table re-created
// under the same name starts with no destinations.
func TestKinesisDestinationTableRecreated(t *testing.T) {
	c, kc, table, arn := streamedTable(t, 1)
	put(t, c, table, item{"pk": s("one")})
	if _, err := c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(table)}); err != nil {
		t.Fatal(err)
	}
	w := dynamodb.NewTableNotExistsWaiter(c, func(o *dynamodb.TableNotExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 20*time.Millisecond, 100*time.Millisecond
	})
	if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)}, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	_, err := c.DescribeKinesisStreamingDestination(ctx, &dynamodb.DescribeKinesisStreamingDestinationInput{TableName: aws.String(table)})
	exactErr(t, err, "ResourceNotFoundException", "Requested resource not found: Table: "+table+" not found")
	if _, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{TableName: aws.String(table), BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: "S"}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: "HASH"}}}); err != nil {
		t.Fatal(err)
	}
	waitActive(t, c, table)
	if d := destinations(t, c, table); len(d) != 0 {
		t.Errorf("the re-created table inherited destinations: %+v", d)
	}
	put(t, c, table, item{"pk": s("two")})
	recs := readKinesisChanges(t, kc, arn, 1)
	if len(recs) != 1 || recs[0].Dynamodb.Keys["pk"].(map[string]any)["S"] != "one" {
		t.Errorf("the stream holds %+v", recs)
	}
}
