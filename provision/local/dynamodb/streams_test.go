package dynamodb_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	stypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/spk-cli/spk/provision/sdkhttp"
)

const noStreams = "dynalite has no DynamoDB Streams"

// streamsClientFor returns a DynamoDB Streams SDK client for the endpoint.
func streamsClientFor(url string) *dynamodbstreams.Client {
	return dynamodbstreams.New(dynamodbstreams.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(url),
		Credentials:      credentials.NewStaticCredentialsProvider("AKIAFAKE", "secret", ""),
		HTTPClient:       sdkhttp.New(&http.Client{Timeout: 30 * time.Second}),
		RetryMaxAttempts: 1,
	})
}

func withStream(view types.StreamViewType) func(*dynamodb.CreateTableInput) {
	return func(in *dynamodb.CreateTableInput) {
		in.StreamSpecification = &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: view}
	}
}

// streamTable makes a table (hash pk S, range sk S) with a stream of the
// view type and returns its name and stream ARN.
func streamTable(t *testing.T, c *dynamodb.Client, view types.StreamViewType) (string, string) {
	t.Helper()
	name := makeTable(t, c, keyAttr{"pk", "S"}, &keyAttr{"sk", "S"}, withStream(view))
	out, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	if out.Table.LatestStreamArn == nil {
		t.Fatalf("table %s has no LatestStreamArn", name)
	}
	return name, *out.Table.LatestStreamArn
}

// shardsOf returns the stream's shards, all pages.
func shardsOf(t *testing.T, sc *dynamodbstreams.Client, arn string) []stypes.Shard {
	t.Helper()
	var shards []stypes.Shard
	in := &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(arn)}
	for {
		out, err := sc.DescribeStream(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		shards = append(shards, out.StreamDescription.Shards...)
		if out.StreamDescription.LastEvaluatedShardId == nil {
			return shards
		}
		in.ExclusiveStartShardId = out.StreamDescription.LastEvaluatedShardId
	}
}

// readShard reads a shard from the iterator until it ends (closed) or
// returns nothing more (open).
func readShard(t *testing.T, sc *dynamodbstreams.Client, iter *string, limit int32) []stypes.Record {
	t.Helper()
	var recs []stypes.Record
	for iter != nil {
		in := &dynamodbstreams.GetRecordsInput{ShardIterator: iter}
		if limit > 0 {
			in.Limit = aws.Int32(limit)
		}
		out, err := sc.GetRecords(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, out.Records...)
		if len(out.Records) == 0 {
			break
		}
		iter = out.NextShardIterator
	}
	return recs
}

func iterator(t *testing.T, sc *dynamodbstreams.Client, arn, shard string, typ stypes.ShardIteratorType, seq *string) *string {
	t.Helper()
	out, err := sc.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(arn), ShardId: aws.String(shard), ShardIteratorType: typ, SequenceNumber: seq})
	if err != nil {
		t.Fatal(err)
	}
	return out.ShardIterator
}

// readStream reads every shard of the stream from its trim horizon, parents
// first.
func readStream(t *testing.T, sc *dynamodbstreams.Client, arn string) []stypes.Record {
	t.Helper()
	var recs []stypes.Record
	for _, sh := range shardsOf(t, sc, arn) {
		recs = append(recs, readShard(t, sc, iterator(t, sc, arn, *sh.ShardId, stypes.ShardIteratorTypeTrimHorizon, nil), 0)...)
	}
	return recs
}

func streamStatus(t *testing.T, sc *dynamodbstreams.Client, arn string) stypes.StreamStatus {
	t.Helper()
	out, err := sc.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	return out.StreamDescription.StreamStatus
}

// waitStreamStatus polls until the stream has the status.
func waitStreamStatus(t *testing.T, sc *dynamodbstreams.Client, arn string, want stypes.StreamStatus) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := streamStatus(t, sc, arn)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("stream %s is %s, want %s", arn, got, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// rawError sends a raw request and checks the error type and exact message.
func rawError(t *testing.T, target, body, typ, msg string) {
	t.Helper()
	resp, b := rawCall(t, target, body)
	if resp.StatusCode != 400 {
		t.Fatalf("%s %s: status %d, want 400: %s", target, body, resp.StatusCode, b)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	gotType, _ := m["__type"].(string)
	gotMsg, _ := m["message"].(string)
	if _, after, _ := strings.Cut(gotType, "#"); after != typ || gotMsg != msg {
		t.Errorf("%s %s:\n got %s %q\nwant %s %q", target, body, gotType, gotMsg, typ, msg)
	}
}

var labelPattern = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$`)

func TestStreamSpecificationValidation(t *testing.T) {
	skipOn(t, noStreams, "dynalite")
	c := newClient(t)
	tbl := makeTable(t, c, keyAttr{"pk", "S"}, nil)
	create := func(name, spec string) string {
		return `{"TableName":"` + name + `","BillingMode":"PAY_PER_REQUEST","AttributeDefinitions":[{"AttributeName":"a","AttributeType":"S"}],"KeySchema":[{"AttributeName":"a","KeyType":"HASH"}],"StreamSpecification":` + spec + `}`
	}
	update := func(spec string) string { return `{"TableName":"` + tbl + `","StreamSpecification":` + spec + `}` }
	const invalid = "One or more parameter values were invalid: "
	cases := []struct{ name, op, body, msg string }{
		{"create enabled without view type", "CreateTable", create("vs1", `{"StreamEnabled":true}`), invalid + "Table is being created with a stream enabled, UpdateViewType is required"},
		{"create disabled with view type", "CreateTable", create("vs2", `{"StreamEnabled":false,"StreamViewType":"KEYS_ONLY"}`), invalid + "Table is being created with a stream disabled, UpdateViewType should not be specified"},
		{"create view type enum", "CreateTable", create("vs3", `{"StreamEnabled":true,"StreamViewType":"Fisk"}`), "1 validation error detected: Value 'Fisk' at 'streamSpecification.streamViewType' failed to satisfy constraint: Member must satisfy enum value set: [OLD_IMAGE, KEYS_ONLY, NEW_AND_OLD_IMAGES, NEW_IMAGE]"},
		{"create enabled null", "CreateTable", create("vs4", `{"StreamViewType":"KEYS_ONLY"}`), "1 validation error detected: Value null at 'streamSpecification.streamEnabled' failed to satisfy constraint: Member must not be null"},
		{"update enabled without view type", "UpdateTable", update(`{"StreamEnabled":true}`), invalid + "If stream is being enabled then UpdateViewType is required"},
		{"update disable with view type", "UpdateTable", update(`{"StreamEnabled":false,"StreamViewType":"NEW_IMAGE"}`), invalid + "If stream is being disabled, then UpdateViewType must not be specified"},
		{"update disable without stream", "UpdateTable", update(`{"StreamEnabled":false}`), "Table has no stream to disable: TableName: " + tbl},
		{"update with throughput", "UpdateTable", `{"TableName":"` + tbl + `","BillingMode":"PROVISIONED","ProvisionedThroughput":{"ReadCapacityUnits":1,"WriteCapacityUnits":1},"StreamSpecification":{"StreamEnabled":true,"StreamViewType":"KEYS_ONLY"}}`, invalid + "You cannot modify stream status while updating table IOPS"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rawError(t, "DynamoDB_20120810."+tc.op, tc.body, "ValidationException", tc.msg)
		})
	}
	// Nothing was created by the refused requests.
	for _, name := range []string{"vs1", "vs2", "vs3", "vs4"} {
		_, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
		apiErr(t, err, "ResourceNotFoundException", "Requested resource not found: Table: "+name+" not found")
	}
	out, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(tbl)})
	if err != nil {
		t.Fatal(err)
	}
	if out.Table.StreamSpecification != nil || out.Table.LatestStreamArn != nil || out.Table.TableStatus != types.TableStatusActive {
		t.Fatalf("refused updates changed the table: %+v", out.Table)
	}

	// StreamEnabled false at creation is accepted and makes no stream.
	off := makeTable(t, c, keyAttr{"pk", "S"}, nil, func(in *dynamodb.CreateTableInput) {
		in.StreamSpecification = &types.StreamSpecification{StreamEnabled: aws.Bool(false)}
	})
	if out, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(off)}); err != nil || out.Table.StreamSpecification != nil || out.Table.LatestStreamArn != nil {
		t.Fatalf("a table created with StreamEnabled false: %+v %v", out, err)
	}

	// An enabled stream cannot be enabled again, not even with another view type.
	if _, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String(tbl),
		StreamSpecification: &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeKeysOnly}}); err != nil {
		t.Fatal(err)
	}
	waitActive(t, c, tbl)
	for _, view := range []string{"KEYS_ONLY", "NEW_IMAGE"} {
		rawError(t, "DynamoDB_20120810.UpdateTable", update(`{"StreamEnabled":true,"StreamViewType":"`+view+`"}`), "ValidationException", "Table already has an enabled stream: TableName: "+tbl)
	}
}

func TestStreamLifecycle(t *testing.T) {
	skipOn(t, noStreams, "dynalite")
	c := newClient(t)
	sc := streamsClientFor(endpoint)
	name := uniqueName("streamlife")
	created, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: "S"}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: "HASH"}},
		StreamSpecification:  &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewAndOldImages},
	})
	if err != nil {
		t.Fatal(err)
	}
	d := created.TableDescription
	if d.StreamSpecification == nil || !*d.StreamSpecification.StreamEnabled || d.StreamSpecification.StreamViewType != types.StreamViewTypeNewAndOldImages {
		t.Fatalf("CreateTable StreamSpecification %+v", d.StreamSpecification)
	}
	first := *d.LatestStreamArn
	if !labelPattern.MatchString(*d.LatestStreamLabel) || first != "arn:aws:dynamodb:us-east-1:000000000000:table/"+name+"/stream/"+*d.LatestStreamLabel {
		t.Fatalf("LatestStreamArn %s, LatestStreamLabel %s", first, *d.LatestStreamLabel)
	}
	waitActive(t, c, name)
	waitStreamStatus(t, sc, first, stypes.StreamStatusEnabled)

	desc, err := sc.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(first)})
	if err != nil {
		t.Fatal(err)
	}
	sd := desc.StreamDescription
	if *sd.StreamArn != first || *sd.StreamLabel != *d.LatestStreamLabel || *sd.TableName != name || sd.StreamViewType != stypes.StreamViewTypeNewAndOldImages ||
		len(sd.KeySchema) != 1 || *sd.KeySchema[0].AttributeName != "pk" || sd.CreationRequestDateTime == nil || time.Since(*sd.CreationRequestDateTime) > time.Minute {
		t.Fatalf("StreamDescription %+v", sd)
	}
	if len(sd.Shards) != 1 || sd.Shards[0].ParentShardId != nil || sd.Shards[0].SequenceNumberRange.EndingSequenceNumber != nil ||
		!regexp.MustCompile(`^\d{21,}$`).MatchString(*sd.Shards[0].SequenceNumberRange.StartingSequenceNumber) || len(*sd.Shards[0].ShardId) < 28 || len(*sd.Shards[0].ShardId) > 65 {
		t.Fatalf("shards %+v", sd.Shards)
	}

	// Disabling keeps the ARN in DescribeTable and the stream readable.
	put(t, c, name, item{"pk": s("before-disable")})
	up, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String(name), StreamSpecification: &types.StreamSpecification{StreamEnabled: aws.Bool(false)}})
	if err != nil {
		t.Fatal(err)
	}
	if up.TableDescription.StreamSpecification != nil || *up.TableDescription.LatestStreamArn != first {
		t.Fatalf("after disable: spec %+v, arn %v", up.TableDescription.StreamSpecification, up.TableDescription.LatestStreamArn)
	}
	waitActive(t, c, name)
	waitStreamStatus(t, sc, first, stypes.StreamStatusDisabled)
	put(t, c, name, item{"pk": s("while-disabled")})
	if recs := readStream(t, sc, first); len(recs) != 1 || strOf(t, dynItem(recs[0].Dynamodb.Keys)["pk"]) != "before-disable" {
		t.Fatalf("disabled stream records %+v", recs)
	}
	shards := shardsOf(t, sc, first)
	if len(shards) != 1 || shards[0].SequenceNumberRange.EndingSequenceNumber == nil {
		t.Fatalf("a disabled stream's shard is closed: %+v", shards)
	}

	// Re-enabling makes a new stream.
	up, err = c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String(name), StreamSpecification: &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeKeysOnly}})
	if err != nil {
		t.Fatal(err)
	}
	second := *up.TableDescription.LatestStreamArn
	if second == first || up.TableDescription.StreamSpecification.StreamViewType != types.StreamViewTypeKeysOnly {
		t.Fatalf("re-enabled stream %s (first %s)", second, first)
	}
	waitActive(t, c, name)
	list, err := sc.ListStreams(ctx, &dynamodbstreams.ListStreamsInput{TableName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Streams) != 2 || list.LastEvaluatedStreamArn != nil {
		t.Fatalf("ListStreams %+v", list)
	}
	for _, st := range list.Streams {
		if *st.TableName != name || (*st.StreamArn != first && *st.StreamArn != second) || !strings.HasSuffix(*st.StreamArn, "/stream/"+*st.StreamLabel) {
			t.Fatalf("listed stream %+v", st)
		}
	}
	page, err := sc.ListStreams(ctx, &dynamodbstreams.ListStreamsInput{TableName: aws.String(name), Limit: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Streams) != 1 || page.LastEvaluatedStreamArn == nil || *page.LastEvaluatedStreamArn != *page.Streams[0].StreamArn {
		t.Fatalf("ListStreams page 1 %+v", page)
	}
	page2, err := sc.ListStreams(ctx, &dynamodbstreams.ListStreamsInput{TableName: aws.String(name), Limit: aws.Int32(1), ExclusiveStartStreamArn: page.LastEvaluatedStreamArn})
	if err != nil {
		t.Fatal(err)
	}
	if len(page2.Streams) != 1 || *page2.Streams[0].StreamArn == *page.Streams[0].StreamArn {
		t.Fatalf("ListStreams page 2 %+v", page2)
	}

	// Deleting the table disables its stream, which stays readable.
	put(t, c, name, item{"pk": s("after-enable")})
	if _, err := c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	waitStreamStatus(t, sc, second, stypes.StreamStatusDisabled)
	if err := dynamodb.NewTableNotExistsWaiter(c).Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	if recs := readStream(t, sc, second); len(recs) != 1 || recs[0].Dynamodb.StreamViewType != stypes.StreamViewTypeKeysOnly {
		t.Fatalf("deleted table's stream records %+v", recs)
	}
	if list, err = sc.ListStreams(ctx, &dynamodbstreams.ListStreamsInput{TableName: aws.String(name)}); err != nil || len(list.Streams) != 2 {
		t.Fatalf("ListStreams after DeleteTable %+v %v", list, err)
	}
}

// dynItem converts a Streams attribute map into a DynamoDB one, for the
// test helpers.
func dynItem(m map[string]stypes.AttributeValue) item {
	out := item{}
	for k, v := range m {
		switch v := v.(type) {
		case *stypes.AttributeValueMemberS:
			out[k] = s(v.Value)
		case *stypes.AttributeValueMemberN:
			out[k] = n(v.Value)
		}
	}
	return out
}

func TestStreamRecords(t *testing.T) {
	skipOn(t, noStreams, "dynalite")
	c := newClient(t)
	sc := streamsClientFor(endpoint)
	name, arn := streamTable(t, c, types.StreamViewTypeNewAndOldImages)
	start := time.Now().Add(-time.Second).Truncate(time.Second)
	key := item{"pk": s("a"), "sk": s("1")}
	put(t, c, name, item{"pk": s("a"), "sk": s("1"), "v": n("1")})
	put(t, c, name, item{"pk": s("a"), "sk": s("1"), "v": n("1")}) // no change: no record
	if _, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(name), Key: key, UpdateExpression: aws.String("SET v = v + :one"),
		ExpressionAttributeValues: item{":one": n("1")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(name), Key: key}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(name), Key: key}); err != nil { // nothing to delete: no record
		t.Fatal(err)
	}
	if _, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{name: {
		{PutRequest: &types.PutRequest{Item: item{"pk": s("b"), "sk": s("1")}}},
		{PutRequest: &types.PutRequest{Item: item{"pk": s("b"), "sk": s("2")}}},
	}}}); err != nil {
		t.Fatal(err)
	}
	if peer != "dynalite" {
		if _, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
			{Put: &types.Put{TableName: aws.String(name), Item: item{"pk": s("c"), "sk": s("1")}}},
			{Delete: &types.Delete{TableName: aws.String(name), Key: item{"pk": s("b"), "sk": s("2")}}},
		}}); err != nil {
			t.Fatal(err)
		}
	}
	recs := readStream(t, sc, arn)
	type want struct {
		event, pk, sk string
		newV, oldV    string // "" when the image is absent; "-" when it has no v
	}
	wants := []want{
		{"INSERT", "a", "1", "1", ""},
		{"MODIFY", "a", "1", "2", "1"},
		{"REMOVE", "a", "1", "", "2"},
		{"INSERT", "b", "1", "-", ""},
		{"INSERT", "b", "2", "-", ""},
		{"INSERT", "c", "1", "-", ""},
		{"REMOVE", "b", "2", "", "-"},
	}
	if len(recs) != len(wants) {
		t.Fatalf("%d records, want %d: %+v", len(recs), len(wants), recs)
	}
	ids := map[string]bool{}
	prevSeq := ""
	for i, r := range recs {
		w := wants[i]
		dd := r.Dynamodb
		if string(r.EventName) != w.event || *r.EventVersion != "1.1" || *r.EventSource != "aws:dynamodb" || *r.AwsRegion != "us-east-1" || r.UserIdentity != nil {
			t.Errorf("record %d: %s %s %s %s %+v", i, r.EventName, *r.EventVersion, *r.EventSource, *r.AwsRegion, r.UserIdentity)
		}
		keys := dynItem(dd.Keys)
		if len(keys) != 2 || strOf(t, keys["pk"]) != w.pk || strOf(t, keys["sk"]) != w.sk {
			t.Errorf("record %d keys %v", i, dd.Keys)
		}
		for _, img := range []struct {
			m    map[string]stypes.AttributeValue
			want string
			name string
		}{{dd.NewImage, w.newV, "NewImage"}, {dd.OldImage, w.oldV, "OldImage"}} {
			switch {
			case img.want == "" && img.m != nil:
				t.Errorf("record %d has %s %v", i, img.name, img.m)
			case img.want == "-" && (img.m == nil || img.m["v"] != nil):
				t.Errorf("record %d %s %v, want one without v", i, img.name, img.m)
			case img.want != "" && img.want != "-" && (img.m == nil || numOf(t, dynItem(img.m)["v"]) != img.want):
				t.Errorf("record %d %s %v, want v = %s", i, img.name, img.m, img.want)
			}
		}
		if dd.StreamViewType != stypes.StreamViewTypeNewAndOldImages || *dd.SizeBytes <= 0 {
			t.Errorf("record %d view type %s size %d", i, dd.StreamViewType, *dd.SizeBytes)
		}
		if dd.ApproximateCreationDateTime.Before(start) || dd.ApproximateCreationDateTime.After(time.Now().Add(time.Second)) {
			t.Errorf("record %d created %v", i, dd.ApproximateCreationDateTime)
		}
		if ids[*r.EventID] || len(*r.EventID) == 0 {
			t.Errorf("record %d event ID %q repeats", i, *r.EventID)
		}
		ids[*r.EventID] = true
		if seq := *dd.SequenceNumber; len(seq) < 21 || seq <= prevSeq {
			t.Errorf("record %d sequence number %s after %s", i, seq, prevSeq)
		}
		prevSeq = *dd.SequenceNumber
	}
}

func TestStreamViewTypes(t *testing.T) {
	skipOn(t, noStreams, "dynalite")
	c := newClient(t)
	sc := streamsClientFor(endpoint)
	for _, view := range []types.StreamViewType{"KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"} {
		t.Run(string(view), func(t *testing.T) {
			name, arn := streamTable(t, c, view)
			put(t, c, name, item{"pk": s("k"), "sk": s("s"), "v": n("1")})
			put(t, c, name, item{"pk": s("k"), "sk": s("s"), "v": n("2")})
			recs := readStream(t, sc, arn)
			if len(recs) != 2 {
				t.Fatalf("%d records", len(recs))
			}
			r := recs[1].Dynamodb
			wantNew := view == "NEW_IMAGE" || view == "NEW_AND_OLD_IMAGES"
			wantOld := view == "OLD_IMAGE" || view == "NEW_AND_OLD_IMAGES"
			if (r.NewImage != nil) != wantNew || (r.OldImage != nil) != wantOld || len(r.Keys) != 2 || string(r.StreamViewType) != string(view) {
				t.Fatalf("MODIFY record %+v", r)
			}
			if wantNew && numOf(t, dynItem(r.NewImage)["v"]) != "2" || wantOld && numOf(t, dynItem(r.OldImage)["v"]) != "1" {
				t.Fatalf("images new %v old %v", r.NewImage, r.OldImage)
			}
		})
	}
}

func TestStreamIterators(t *testing.T) {
	skipOn(t, noStreams, "dynalite")
	c := newClient(t)
	sc := streamsClientFor(endpoint)
	name, arn := streamTable(t, c, types.StreamViewTypeKeysOnly)
	shard := *shardsOf(t, sc, arn)[0].ShardId
	latest := iterator(t, sc, arn, shard, stypes.ShardIteratorTypeLatest, nil)
	for _, k := range []string{"1", "2", "3", "4", "5"} {
		put(t, c, name, item{"pk": s(k), "sk": s("x")})
	}
	all := readShard(t, sc, iterator(t, sc, arn, shard, stypes.ShardIteratorTypeTrimHorizon, nil), 2)
	if len(all) != 5 {
		t.Fatalf("TRIM_HORIZON read %d records in pages of 2, want 5", len(all))
	}
	if got := readShard(t, sc, latest, 0); len(got) != 5 {
		t.Fatalf("an iterator at LATEST taken before the writes read %d, want 5", len(got))
	}
	if got := readShard(t, sc, iterator(t, sc, arn, shard, stypes.ShardIteratorTypeLatest, nil), 0); len(got) != 0 {
		t.Fatalf("LATEST after the writes read %d, want 0", len(got))
	}
	// The shard starts before its first record, as on DynamoDB, and an
	// iterator at its start reads it all.
	start := shardsOf(t, sc, arn)[0].SequenceNumberRange.StartingSequenceNumber
	if first := all[0].Dynamodb.SequenceNumber; len(*start) != len(*first) || *start >= *first {
		t.Errorf("shard starts at %s, its first record is %s: want the start before it", *start, *first)
	}
	if got := readShard(t, sc, iterator(t, sc, arn, shard, stypes.ShardIteratorTypeAtSequenceNumber, start), 0); len(got) != 5 {
		t.Errorf("AT_SEQUENCE_NUMBER at the shard's start read %d records, want 5", len(got))
	}
	third := all[2].Dynamodb.SequenceNumber
	at := readShard(t, sc, iterator(t, sc, arn, shard, stypes.ShardIteratorTypeAtSequenceNumber, third), 0)
	after := readShard(t, sc, iterator(t, sc, arn, shard, stypes.ShardIteratorTypeAfterSequenceNumber, third), 0)
	if len(at) != 3 || *at[0].Dynamodb.SequenceNumber != *third || len(after) != 2 || *after[0].Dynamodb.SequenceNumber != *all[3].Dynamodb.SequenceNumber {
		t.Fatalf("AT_SEQUENCE_NUMBER read %d, AFTER_SEQUENCE_NUMBER read %d", len(at), len(after))
	}
	// An open shard always gives a next iterator, even with nothing new.
	out, err := sc.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: iterator(t, sc, arn, shard, stypes.ShardIteratorTypeLatest, nil)})
	if err != nil || len(out.Records) != 0 || out.NextShardIterator == nil {
		t.Fatalf("GetRecords at LATEST: %+v %v", out, err)
	}

	// Errors, exactly as the service words them.
	const (
		sp        = "DynamoDBStreams_20120810."
		validate  = "ValidationException"
		vPrefix   = "1 validation error detected: "
		notFound  = "ResourceNotFoundException"
		missing   = "arn:aws:dynamodb:us-east-1:000000000000:table/nope/stream/2026-01-01T00:00:00.000"
		badShard  = "shardId-00000000000000000000-00000000"
		iterPrefx = "arn:aws:dynamodb:us-east-1:000000000000:table/x/stream/2026-01-01T00:00:00.000|1|"
	)
	cases := []struct{ name, op, body, typ, msg string }{
		{"list limit 0", "ListStreams", `{"Limit":0}`, validate, vPrefix + "Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"list limit 101", "ListStreams", `{"Limit":101}`, validate, vPrefix + "Value '101' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100"},
		{"list bad start", "ListStreams", `{"ExclusiveStartStreamArn":"short"}`, validate, vPrefix + "Value 'short' at 'exclusiveStartStreamArn' failed to satisfy constraint: Member must have length greater than or equal to 37"},
		{"describe null arn", "DescribeStream", `{}`, validate, vPrefix + "Value null at 'streamArn' failed to satisfy constraint: Member must not be null"},
		{"describe missing", "DescribeStream", `{"StreamArn":"` + missing + `"}`, notFound, "Requested resource not found: Stream: " + missing + " not found"},
		{"describe short shard", "DescribeStream", `{"StreamArn":"` + arn + `","ExclusiveStartShardId":"x"}`, validate, vPrefix + "Value 'x' at 'exclusiveStartShardId' failed to satisfy constraint: Member must have length greater than or equal to 28"},
		{"describe filter type", "DescribeStream", `{"StreamArn":"` + arn + `","ShardFilter":{"Type":"PARENT_SHARDS","ShardId":"shardId-00000001795781070940-2c33fb4c"}}`, validate, vPrefix + "Value 'PARENT_SHARDS' at 'shardFilter.type' failed to satisfy constraint: Member must satisfy enum value set: [CHILD_SHARDS]"},
		{"describe filter short shard", "DescribeStream", `{"StreamArn":"` + arn + `","ShardFilter":{"Type":"CHILD_SHARDS","ShardId":"x"}}`, validate, vPrefix + "Value 'x' at 'shardFilter.shardId' failed to satisfy constraint: Member must have length greater than or equal to 28"},
		{"iterator type enum", "GetShardIterator", `{"StreamArn":"` + arn + `","ShardId":"` + shard + `","ShardIteratorType":"OLDEST"}`, validate, vPrefix + "Value 'OLDEST' at 'shardIteratorType' failed to satisfy constraint: Member must satisfy enum value set: [TRIM_HORIZON, LATEST, AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER]"},
		{"iterator null shard", "GetShardIterator", `{"StreamArn":"` + arn + `","ShardIteratorType":"LATEST"}`, validate, vPrefix + "Value null at 'shardId' failed to satisfy constraint: Member must not be null"},
		{"iterator short sequence", "GetShardIterator", `{"StreamArn":"` + arn + `","ShardId":"` + shard + `","ShardIteratorType":"AT_SEQUENCE_NUMBER","SequenceNumber":"12"}`, validate, vPrefix + "Value '12' at 'sequenceNumber' failed to satisfy constraint: Member must have length greater than or equal to 21"},
		{"iterator missing sequence", "GetShardIterator", `{"StreamArn":"` + arn + `","ShardId":"` + shard + `","ShardIteratorType":"AFTER_SEQUENCE_NUMBER"}`, validate, "One or more parameter values were invalid: SequenceNumber is required for ShardIteratorType AFTER_SEQUENCE_NUMBER"},
		{"iterator missing stream", "GetShardIterator", `{"StreamArn":"` + missing + `","ShardId":"` + shard + `","ShardIteratorType":"LATEST"}`, notFound, "Requested resource not found: Stream: " + missing + " not found"},
		{"iterator missing shard", "GetShardIterator", `{"StreamArn":"` + arn + `","ShardId":"` + badShard + `","ShardIteratorType":"LATEST"}`, notFound, "Requested resource not found: Shard: " + badShard + " in Stream: " + arn + " not found"},
		{"iterator sequence out of range", "GetShardIterator", `{"StreamArn":"` + arn + `","ShardId":"` + shard + `","ShardIteratorType":"AT_SEQUENCE_NUMBER","SequenceNumber":"199999999999999999999"}`, validate, "Invalid SequenceNumber 199999999999999999999 for shard " + shard + " of stream " + arn},
		{"iterator sequence with TRIM_HORIZON", "GetShardIterator", `{"StreamArn":"` + arn + `","ShardId":"` + shard + `","ShardIteratorType":"TRIM_HORIZON","SequenceNumber":"100000000000000000001"}`, validate, "One or more parameter values were invalid: SequenceNumber may only be given with ShardIteratorType AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER, not TRIM_HORIZON"},
		{"iterator sequence with LATEST", "GetShardIterator", `{"StreamArn":"` + arn + `","ShardId":"` + shard + `","ShardIteratorType":"LATEST","SequenceNumber":"100000000000000000001"}`, validate, "One or more parameter values were invalid: SequenceNumber may only be given with ShardIteratorType AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER, not LATEST"},
		{"iterator every member wrong", "GetShardIterator", `{"ShardId":"x","ShardIteratorType":"OLDEST"}`, validate, "3 validation errors detected: Value null at 'streamArn' failed to satisfy constraint: Member must not be null; Value 'x' at 'shardId' failed to satisfy constraint: Member must have length greater than or equal to 28; Value 'OLDEST' at 'shardIteratorType' failed to satisfy constraint: Member must satisfy enum value set: [TRIM_HORIZON, LATEST, AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER]"},
		{"describe a table's ARN", "DescribeStream", `{"StreamArn":"arn:aws:dynamodb:us-east-1:000000000000:table/some-table"}`, validate, "Invalid StreamArn"},
		{"describe a Kinesis stream's ARN", "DescribeStream", `{"StreamArn":"arn:aws:kinesis:us-east-1:000000000000:stream/table-changes"}`, validate, "Invalid StreamArn"},
		{"describe garbage", "DescribeStream", `{"StreamArn":"sdfadfsdfnlfkajakfgjalksfgklasjklasdjfklasdfasdfgasf"}`, validate, "Invalid StreamArn"},
		{"iterator of a table's ARN", "GetShardIterator", `{"StreamArn":"arn:aws:dynamodb:us-east-1:000000000000:table/some-table","ShardId":"` + shard + `","ShardIteratorType":"LATEST"}`, validate, "Invalid StreamArn"},
		{"list after garbage", "ListStreams", `{"ExclusiveStartStreamArn":"kossaapaaasdafsdaasdasdasdasasdasfadfadfasdasdas"}`, validate, "Invalid StreamArn"},
		{"list two members wrong", "ListStreams", `{"Limit":0,"TableName":"x"}`, validate, "2 validation errors detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1; Value 'x' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3"},
		{"records null iterator", "GetRecords", `{}`, validate, vPrefix + "Value null at 'shardIterator' failed to satisfy constraint: Member must not be null"},
		{"records limit 1001", "GetRecords", `{"ShardIterator":"x","Limit":1001}`, validate, vPrefix + "Value '1001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 1000"},
		{"records bad iterator", "GetRecords", `{"ShardIterator":"garbage"}`, validate, "Invalid ShardIterator"},
		{"records missing stream", "GetRecords", `{"ShardIterator":"` + iterPrefx + `eyJzIjoic2hhcmRJZC14IiwibiI6MSwidCI6OTk5OTk5OTk5OTk5OX0"}`, notFound, "Requested resource not found: Stream: arn:aws:dynamodb:us-east-1:000000000000:table/x/stream/2026-01-01T00:00:00.000 not found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { rawError(t, sp+tc.op, tc.body, tc.typ, tc.msg) })
	}
	t.Run("unknown operation", func(t *testing.T) {
		rawError(t, sp+"PutRecord", `{}`, "UnknownOperationException", "An unknown operation was requested.")
	})
	t.Run("error namespace", func(t *testing.T) {
		_, b := rawCall(t, sp+"DescribeStream", `{"StreamArn":"`+missing+`"}`)
		if !strings.Contains(string(b), `"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException"`) {
			t.Fatalf("body %s", b)
		}
	})
	var rnf *stypes.ResourceNotFoundException
	if _, err := sc.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(missing)}); !errors.As(err, &rnf) {
		t.Fatalf("SDK DescribeStream of a missing stream: %v", err)
	}
}

func TestStreamDescribePagination(t *testing.T) {
	skipOn(t, noStreams, "dynalite")
	c := newClient(t)
	sc := streamsClientFor(endpoint)
	_, arn := streamTable(t, c, types.StreamViewTypeKeysOnly)
	shard := *shardsOf(t, sc, arn)[0].ShardId
	out, err := sc.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(arn), Limit: aws.Int32(1)})
	if err != nil || len(out.StreamDescription.Shards) != 1 || out.StreamDescription.LastEvaluatedShardId != nil {
		t.Fatalf("DescribeStream Limit 1 of a one-shard stream: %+v %v", out, err)
	}
	out, err = sc.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(arn), ExclusiveStartShardId: aws.String(shard)})
	if err != nil || len(out.StreamDescription.Shards) != 0 {
		t.Fatalf("DescribeStream after the last shard: %+v %v", out, err)
	}
}

// TestStreamToggleUnderWrites enables and disables a stream while writers
// keep putting: UpdateTable and the writes' commits must not wait on each
// other for ever, and every record belongs to a write that was made.
func TestStreamToggleUnderWrites(t *testing.T) {
	skipOn(t, noStreams, "dynalite")
	c := newClient(t)
	sc := streamsClientFor(endpoint)
	name := makeTable(t, c, keyAttr{"pk", "S"}, nil)
	stop := make(chan struct{})
	written := make(chan int, 4)
	for w := range 4 {
		go func() {
			n := 0
			for ; ; n++ {
				select {
				case <-stop:
					written <- n
					return
				default:
				}
				if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(name), Item: item{"pk": s(strconv.Itoa(w*1_000_000 + n))}}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	var arns []string
	for i := range 6 {
		spec := &types.StreamSpecification{StreamEnabled: aws.Bool(i%2 == 0)}
		if i%2 == 0 {
			spec.StreamViewType = types.StreamViewTypeKeysOnly
		}
		out, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String(name), StreamSpecification: spec})
		if err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			arns = append(arns, *out.TableDescription.LatestStreamArn)
		}
		waitActive(t, c, name)
	}
	close(stop)
	total := 0
	for range 4 {
		total += <-written
	}
	seen := map[string]bool{}
	for _, arn := range arns {
		for _, r := range readStream(t, sc, arn) {
			k := strOf(t, dynItem(r.Dynamodb.Keys)["pk"])
			if seen[k] || r.EventName != stypes.OperationTypeInsert {
				t.Fatalf("record %s %s repeats or is not an INSERT", r.EventName, k)
			}
			seen[k] = true
		}
	}
	if len(seen) > total {
		t.Fatalf("%d records for %d writes", len(seen), total)
	}
	t.Logf("%d writes, %d recorded over %d streams", total, len(seen), len(arns))
}

// TestStreamRecordsFromPartiQL checks that PartiQL writes, single and in a
// transaction, are recorded like the other write paths, and that a
// statement that changes nothing records nothing.
func TestStreamRecordsFromPartiQL(t *testing.T) {
	skipOn(t, noStreams, "dynalite")
	c := newClient(t)
	sc := streamsClientFor(endpoint)
	name, arn := streamTable(t, c, types.StreamViewTypeNewAndOldImages)
	exec := func(stmt string, params ...types.AttributeValue) {
		t.Helper()
		if _, err := c.ExecuteStatement(ctx, &dynamodb.ExecuteStatementInput{Statement: aws.String(stmt), Parameters: params}); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	exec(`INSERT INTO "` + name + `" VALUE {'pk': 'p', 'sk': '1', 'v': 1}`)
	exec(`UPDATE "` + name + `" SET v = v + 1 WHERE pk = 'p' AND sk = '1'`)
	exec(`UPDATE "`+name+`" SET v = ? WHERE pk = 'p' AND sk = '1'`, n("2")) // the same value: no record
	exec(`DELETE FROM "` + name + `" WHERE pk = 'p' AND sk = '1'`)
	exec(`DELETE FROM "` + name + `" WHERE pk = 'p' AND sk = '1'`) // nothing to delete: no record
	if _, err := c.ExecuteTransaction(ctx, &dynamodb.ExecuteTransactionInput{TransactStatements: []types.ParameterizedStatement{
		{Statement: aws.String(`INSERT INTO "` + name + `" VALUE {'pk': 'q', 'sk': '1'}`)},
		{Statement: aws.String(`INSERT INTO "` + name + `" VALUE {'pk': 'q', 'sk': '2'}`)},
	}}); err != nil {
		t.Fatal(err)
	}
	recs := readStream(t, sc, arn)
	var got []string
	for _, r := range recs {
		keys := dynItem(r.Dynamodb.Keys)
		desc := string(r.EventName) + " " + strOf(t, keys["pk"]) + "/" + strOf(t, keys["sk"])
		if v, ok := r.Dynamodb.NewImage["v"]; ok {
			desc += " new v=" + numOf(t, dynItem(map[string]stypes.AttributeValue{"v": v})["v"])
		}
		if v, ok := r.Dynamodb.OldImage["v"]; ok {
			desc += " old v=" + numOf(t, dynItem(map[string]stypes.AttributeValue{"v": v})["v"])
		}
		got = append(got, desc)
	}
	want := []string{
		"INSERT p/1 new v=1",
		"MODIFY p/1 new v=2 old v=1",
		"REMOVE p/1 old v=2",
		"INSERT q/1",
		"INSERT q/2",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("records:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestStreamsKeepTheirOwnRecords interleaves writes to two tables with
// streams: each stream holds its own table's records, in order, and none of
// the other's (the streams share one record log in the store).
func TestStreamsKeepTheirOwnRecords(t *testing.T) {
	skipOn(t, noStreams, "dynalite")
	c := newClient(t)
	sc := streamsClientFor(endpoint)
	a, arnA := streamTable(t, c, types.StreamViewTypeKeysOnly)
	b, arnB := streamTable(t, c, types.StreamViewTypeKeysOnly)
	for i := range 20 {
		table := a
		if i%3 == 0 {
			table = b
		}
		put(t, c, table, item{"pk": s(table), "sk": s(fmt.Sprintf("%02d", i))})
	}
	for _, st := range []struct{ table, arn string }{{a, arnA}, {b, arnB}} {
		var got, want []string
		for i := range 20 {
			if (i%3 == 0) == (st.table == b) {
				want = append(want, st.table+"/"+fmt.Sprintf("%02d", i))
			}
		}
		for _, r := range readStream(t, sc, st.arn) {
			keys := dynItem(r.Dynamodb.Keys)
			got = append(got, strOf(t, keys["pk"])+"/"+strOf(t, keys["sk"]))
		}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("stream of %s holds %v, want %v", st.table, got, want)
		}
	}
}
