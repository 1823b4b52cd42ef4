package consume

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/schemas"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/aws/smithy-go/transport/http/protocol/awsjson"
)

// TestGetRecordsDecoderAgreesWithTheSDK decodes GetRecords answers with a
// polling source's protocol and with the SDK's, which must agree; what the
// source does not read in full is left to the SDK, and every buffer goes
// back to the pool.
func TestGetRecordsDecoderAgreesWithTheSDK(t *testing.T) {
	big := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte(`{"type":"Red"}`), 5000))
	cases := []struct {
		body string
		fast bool
	}{
		{`{"Records":[],"NextShardIterator":"it-1","MillisBehindLatest":0}`, true},
		{`{"Records":[{"SequenceNumber":"4960","ApproximateArrivalTimestamp":1764121234.567,"Data":"eyJhIjoxfQ==","PartitionKey":"k1"},{"SequenceNumber":"4961","ApproximateArrivalTimestamp":1764121234,"Data":"","PartitionKey":"k2","EncryptionType":"KMS"},{"SequenceNumber":"4962","Data":"` + big + `","PartitionKey":"k3","EncryptionType":"NONE"}],"NextShardIterator":"it-2","MillisBehindLatest":1234}`, true},
		{`{"Records":[],"MillisBehindLatest":0}`, true}, // a closed shard's end: no iterator
		{`{"Records":[{"SequenceNumber":"1","Data":"AA==","PartitionKey":"\u00e9"}],"NextShardIterator":"it","MillisBehindLatest":0}`, false},
		{`{"Records":[],"MillisBehindLatest":0,"ChildShards":[{"ShardId":"shardId-000000000002","ParentShards":["shardId-000000000000"],"HashKeyRange":{"StartingHashKey":"0","EndingHashKey":"1"}}]}`, false},
		{`{"Records":[{"SequenceNumber":"1","Data":"!!","PartitionKey":"p"}],"NextShardIterator":"it","MillisBehindLatest":0}`, false},
	}
	op := smithy.NewOperationSchema(schemas.GetRecords, schemas.GetRecordsInput, schemas.GetRecordsOutput)
	response := func(body string, length int64) *smithyhttp.Response {
		return &smithyhttp.Response{Response: &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader(body)), ContentLength: length}}
	}
	sdk := awsjson.New11(schemas.Kinesis_20131202)
	pool := newPagePool(1 << 20)
	for _, c := range cases {
		want := &kinesis.GetRecordsOutput{}
		wantErr := sdk.DeserializeResponse(context.Background(), op, kinesis.TypeRegistry, response(c.body, int64(len(c.body))), want)
		p := &pollProtocol{ClientProtocol: sdk, pages: pool}
		got := &kinesis.GetRecordsOutput{}
		err := p.DeserializeResponse(context.Background(), op, kinesis.TypeRegistry, response(c.body, int64(len(c.body))), got)
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("%.80s: error %v, the SDK's %v", c.body, err, wantErr)
		}
		if err != nil {
			if held := pool.held(); held != 0 {
				t.Fatalf("%.80s: %d bytes held after an error", c.body, held)
			}
			continue
		}
		if pg := p.page(); (pg != nil) != c.fast {
			t.Fatalf("%.80s: read here %v, want %v", c.body, pg != nil, c.fast)
		} else if pg != nil {
			got.Records = pg.records()
		}
		if len(got.Records) == 0 && len(want.Records) == 0 {
			got.Records, want.Records = nil, nil
		}
		for i := range got.Records {
			if len(got.Records[i].Data) == 0 && len(want.Records[i].Data) == 0 {
				got.Records[i].Data, want.Records[i].Data = nil, nil
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%.80s:\n got %+v\nwant %+v", c.body, got, want)
		}
		p.done()
		if held := pool.held(); held != 0 {
			t.Fatalf("%.80s: %d bytes held once counted", c.body, held)
		}
	}
	// An answer of unknown length is the SDK's.
	p := &pollProtocol{ClientProtocol: sdk, pages: pool}
	got := &kinesis.GetRecordsOutput{}
	if err := p.DeserializeResponse(context.Background(), op, kinesis.TypeRegistry, response(cases[1].body, -1), got); err != nil {
		t.Fatal(err)
	}
	if p.page() != nil || len(got.Records) != 3 {
		t.Fatalf("an answer of unknown length: page %v, %d records", p.page() != nil, len(got.Records))
	}
	// An error answer is the SDK's, and leaves no page.
	resp := response(`{"__type":"ExpiredIteratorException","message":"expired"}`, 57)
	resp.StatusCode = 400
	var expired *types.ExpiredIteratorException
	if err := p.DeserializeResponse(context.Background(), op, kinesis.TypeRegistry, resp, &kinesis.GetRecordsOutput{}); !errors.As(err, &expired) || p.page() != nil {
		t.Fatalf("an error answer: %v", err)
	}
}
