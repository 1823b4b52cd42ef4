package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/spk-cli/spk/bench/internal/endpoint"
)

// The do-nothing endpoint ("ceiling") answers the benchmark's requests with
// responses of the shape and size spk sends and keeps no records: a put is
// acknowledged at once and a drain gets canned records, as many per shard as
// were put. It costs what the HTTP exchange and the client's own work cost and
// nothing more, so it is the most any endpoint can reach with this client on
// this machine, and spk's figures are read as a share of it.

// ceilingRecordsPerGet is what one GetRecords answers at most, as the bench
// asks (Limit 10000).
const ceilingRecordsPerGet = 10000

// serveCeiling serves the do-nothing endpoint until SIGINT, printing its URL.
// events and shards say how many records the drain finds on each shard.
func serveCeiling(events, shards, batch int) int {
	// One record as GetRecords returns it, with data of the bench's size.
	sample := fmt.Sprintf(`{"timestamp": "2015-06-05T12:54:43.064528", "type": "Green", "id": "%s"}`, strings.Repeat("0", 36))
	record := fmt.Sprintf(`{"SequenceNumber":"49590338271490256608559692538361571095921575989136588898","ApproximateArrivalTimestamp":1.764121234567E9,"Data":"%s","PartitionKey":"%s"}`,
		base64.StdEncoding.EncodeToString([]byte(sample)), strings.Repeat("0", 36))
	// A full page's records are built once; a response is those records
	// (or a shorter page's, built when asked: once per shard and run) and
	// its own iterator.
	records := func(n int) []byte {
		var b bytes.Buffer
		b.WriteString(`{"Records":[`)
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(record)
		}
		return b.Bytes()
	}
	full := records(ceilingRecordsPerGet)
	var put bytes.Buffer
	put.WriteString(`{"FailedRecordCount":0,"Records":[`)
	for i := range batch {
		if i > 0 {
			put.WriteByte(',')
		}
		put.WriteString(`{"SequenceNumber":"49590338271490256608559692538361571095921575989136588898","ShardId":"shardId-000000000000"}`)
	}
	put.WriteString(`]}`)
	perShard := func(shard int) int {
		n := events / shards
		if shard < events%shards {
			n++
		}
		return n
	}
	fixed := map[string][]byte{
		"Kinesis_20131202.CreateStream":          []byte(`{}`),
		"Kinesis_20131202.DescribeStreamSummary": []byte(`{"StreamDescriptionSummary":{"StreamStatus":"ACTIVE"}}`),
		"Kinesis_20131202.PutRecords":            put.Bytes(),
	}
	err := endpoint.Serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		target := r.Header.Get("X-Amz-Target")
		var b, tail []byte
		switch target {
		case "Kinesis_20131202.GetShardIterator":
			shard, _ := strconv.Atoi(strings.TrimLeft(strings.TrimPrefix(member(body, "ShardId"), "shardId-"), "0"))
			b = []byte(fmt.Sprintf(`{"ShardIterator":"it-%d"}`, perShard(shard)))
		case "Kinesis_20131202.GetRecords":
			left, _ := strconv.Atoi(strings.TrimPrefix(member(body, "ShardIterator"), "it-"))
			n := min(left, ceilingRecordsPerGet)
			if b = full; n < ceilingRecordsPerGet {
				b = records(n)
			}
			tail = []byte(fmt.Sprintf(`],"NextShardIterator":"it-%d","MillisBehindLatest":0}`, left-n))
		default:
			if b = fixed[target]; b == nil {
				b = []byte(`{}`)
			}
		}
		endpoint.Answer(w, "application/x-amz-json-1.1", false, b, tail)
	}), "")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// member is the text of a string member of a flat JSON object, found
// without decoding the rest.
func member(body []byte, name string) string {
	key := []byte(`"` + name + `":"`)
	i := bytes.Index(body, key)
	if i < 0 {
		return ""
	}
	rest := body[i+len(key):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return ""
	}
	return string(rest[:j])
}
