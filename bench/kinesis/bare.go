package main

import (
	"crypto/md5"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spk-cli/spk/bench/internal/endpoint"
	"github.com/spk-cli/spk/bench/internal/grouplog"
)

// The bare endpoint ("bare") is the least a durable Kinesis endpoint can
// do: it decodes each PutRecords with encoding/json, hashes each partition
// key with MD5 to find its shard, numbers the records, keeps them in a
// slice per shard, logs the request and answers after one fdatasync for
// every group of puts waiting (group commit), and encodes its answers with
// encoding/json. It validates nothing and keeps no index. What it reaches
// is the floor under the ceiling for an endpoint that keeps what it
// acknowledges.

type bareRecord struct {
	SequenceNumber              string
	ApproximateArrivalTimestamp float64
	Data                        []byte
	PartitionKey                string
}

type bareStream struct {
	mu     sync.Mutex
	shards [][]bareRecord
	log    *grouplog.Log
}

// shardOf is the shard whose equal share of the 128-bit hash key space
// holds key's MD5, as Kinesis splits a new stream.
func (s *bareStream) shardOf(key string) int {
	sum := md5.Sum([]byte(key))
	hi := binary.BigEndian.Uint64(sum[:8])
	n := uint64(len(s.shards))
	return int(hi / (^uint64(0)/n + 1))
}

func (s *bareStream) serve(op string, body []byte) (any, uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch op {
	case "CreateStream":
		var req struct{ ShardCount int }
		if err := json.Unmarshal(body, &req); err != nil {
			return nil, 0, err
		}
		s.shards = make([][]bareRecord, req.ShardCount)
		return struct{}{}, 0, nil
	case "DescribeStreamSummary":
		return map[string]map[string]string{"StreamDescriptionSummary": {"StreamStatus": "ACTIVE"}}, 0, nil
	case "PutRecords":
		var req struct {
			Records []struct {
				Data         []byte
				PartitionKey string
			}
		}
		if err := json.Unmarshal(body, &req); err != nil {
			return nil, 0, err
		}
		type result struct{ SequenceNumber, ShardId string }
		out := struct {
			FailedRecordCount int
			Records           []result
		}{Records: make([]result, len(req.Records))}
		now := float64(time.Now().UnixMilli()) / 1000
		for i, r := range req.Records {
			shard := s.shardOf(r.PartitionKey)
			rec := bareRecord{bareSequence(shard, len(s.shards[shard])), now, r.Data, r.PartitionKey}
			s.shards[shard] = append(s.shards[shard], rec)
			out.Records[i] = result{rec.SequenceNumber, fmt.Sprintf("shardId-%012d", shard)}
		}
		return out, s.log.Append(body), nil
	case "GetShardIterator":
		var req struct{ ShardId string }
		if err := json.Unmarshal(body, &req); err != nil {
			return nil, 0, err
		}
		shard, _ := strconv.Atoi(strings.TrimLeft(strings.TrimPrefix(req.ShardId, "shardId-"), "0"))
		return map[string]string{"ShardIterator": fmt.Sprintf("%d/0", shard)}, 0, nil
	case "GetRecords":
		var req struct {
			ShardIterator string
			Limit         int
		}
		if err := json.Unmarshal(body, &req); err != nil {
			return nil, 0, err
		}
		var shard, from int
		fmt.Sscanf(req.ShardIterator, "%d/%d", &shard, &from)
		recs := s.shards[shard][from:]
		recs = recs[:min(len(recs), req.Limit)]
		return struct {
			Records            []bareRecord
			NextShardIterator  string
			MillisBehindLatest int
		}{recs, fmt.Sprintf("%d/%d", shard, from+len(recs)), 0}, 0, nil
	}
	return nil, 0, fmt.Errorf("bare endpoint: %s is not served", op)
}

// serveBare serves the bare endpoint until SIGINT, printing its URL; its
// log lives in dir.
func serveBare(dir string) int {
	log, err := grouplog.Open(filepath.Join(dir, "bare.log"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	s := &bareStream{log: log}
	err = endpoint.Serve(endpoint.JSONHandler("Kinesis_20131202.", "application/x-amz-json-1.1", false, log, s.serve), "")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// bareSequence is a 56-digit sequence number, increasing within a shard.
func bareSequence(shard, n int) string {
	b := []byte("49000000000000000000000000000000000000000000000000000000")
	s := strconv.Itoa(shard)
	copy(b[5-len(s):5], s)
	s = strconv.Itoa(n)
	copy(b[len(b)-len(s):], s)
	return string(b)
}
