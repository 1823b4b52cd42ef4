package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/spk-cli/spk/bench/internal/endpoint"
	"github.com/spk-cli/spk/bench/internal/grouplog"
)

// The bare endpoint is the least a DynamoDB endpoint that keeps its items
// can do: it decodes each request with encoding/json, keeps the items in a
// Go map under one mutex, and encodes its answer with encoding/json. It
// validates nothing, parses no expression (UpdateItem adds one to "count"),
// stores nothing on disk and holds no second copy. What it reaches is the
// floor under the ceiling: no endpoint that reads its requests and keeps
// its data the standard library's way can do better than it.
//
// With -serve-bare-durable it also logs each write's request to a file and
// answers only after an fdatasync, one for all the writes waiting (group
// commit): the floor under the ceiling for a durable endpoint.

// bareValue holds the attribute types the benchmark sends.
type bareValue struct {
	S *string `json:"S,omitempty"`
	N *string `json:"N,omitempty"`
}

type bareItem map[string]bareValue

type bareRequest struct {
	TableName    string
	Key          bareItem
	Item         bareItem
	RequestItems map[string][]struct {
		PutRequest struct{ Item bareItem }
	}
	ExpressionAttributeValues bareItem
}

// bareTable keeps each partition's items sorted by sort key.
type bareTable struct {
	mu    sync.Mutex
	parts map[string][]bareItem
}

func (t *bareTable) find(hash, sort string) (int, bool) {
	return slices.BinarySearchFunc(t.parts[hash], sort, func(it bareItem, s string) int {
		return strings.Compare(*it["EventType"].S, s)
	})
}

// put stores it, replacing the item with its key; t.mu is held.
func (t *bareTable) put(it bareItem) {
	hash, sort := *it["BucketStart"].S, *it["EventType"].S
	i, found := t.find(hash, sort)
	if found {
		t.parts[hash][i] = it
		return
	}
	t.parts[hash] = slices.Insert(t.parts[hash], i, it)
}

// serveLogged serves op and, when log is not nil and op writes, appends
// the request to the log in the order the writes were applied, returning
// the log generation to wait for.
func (t *bareTable) serveLogged(op string, req *bareRequest, body []byte, log *grouplog.Log) (any, uint64, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	out, err := t.serve(op, req)
	if err != nil || log == nil || op == "Query" || op == "DescribeTable" {
		return out, 0, err
	}
	return out, log.Append(body), nil
}

// serve serves op; t.mu is held.
func (t *bareTable) serve(op string, req *bareRequest) (any, error) {
	switch op {
	case "CreateTable":
		return struct{}{}, nil
	case "DescribeTable":
		return map[string]map[string]string{"Table": {"TableName": req.TableName, "TableStatus": "ACTIVE"}}, nil
	case "BatchWriteItem":
		for _, reqs := range req.RequestItems {
			for _, r := range reqs {
				t.put(r.PutRequest.Item)
			}
		}
		return map[string]any{"UnprocessedItems": struct{}{}}, nil
	case "PutItem":
		t.put(req.Item)
		return struct{}{}, nil
	case "UpdateItem":
		hash, sort := *req.Key["BucketStart"].S, *req.Key["EventType"].S
		i, found := t.find(hash, sort)
		if !found {
			t.put(req.Key)
			i, _ = t.find(hash, sort)
		}
		it := t.parts[hash][i]
		n := 0
		if c, ok := it["count"]; ok && c.N != nil {
			n, _ = strconv.Atoi(*c.N)
		}
		s := strconv.Itoa(n + 1)
		it["count"] = bareValue{N: &s}
		return map[string]bareItem{"Attributes": {"count": it["count"]}}, nil
	case "Query":
		part := t.parts[*req.ExpressionAttributeValues[":b"].S]
		return struct {
			Count        int
			Items        []bareItem
			ScannedCount int
		}{len(part), part, len(part)}, nil
	}
	return nil, fmt.Errorf("bare endpoint: %s is not served", op)
}

// serveBare serves the bare endpoint until SIGTERM, printing its URL.
func serveBare(logDir string) error {
	t := &bareTable{parts: map[string][]bareItem{}}
	var log *grouplog.Log
	if logDir != "" {
		defer os.RemoveAll(logDir)
		var err error
		if log, err = grouplog.Open(filepath.Join(logDir, "bare.log")); err != nil {
			return err
		}
	}
	serve := func(op string, body []byte) (any, uint64, error) {
		var req bareRequest
		if err := json.Unmarshal(body, &req); err != nil {
			return nil, 0, err
		}
		return t.serveLogged(op, &req, body, log)
	}
	return endpoint.Serve(endpoint.JSONHandler("DynamoDB_20120810.", "application/x-amz-json-1.0", true, log, serve), "URL ")
}
