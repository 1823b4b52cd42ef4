package generate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
)

// faultTransport injects Kinesis failures between the client and a real
// endpoint: whole requests answered with a 500 InternalFailure or a 400
// ProvisionedThroughputExceededException before they reach the endpoint, and
// PutRecords entries removed from the request and reported back as failed
// (throttled or InternalFailure), as Kinesis reports partial failures.
// Nothing it fails was written, so retries must not duplicate. The first
// request always fails whole and the second loses its first entry.
type faultTransport struct {
	next        http.RoundTripper
	requestRate float64 // fraction of PutRecords/PutRecord requests failed whole
	entryRate   float64 // fraction of PutRecords entries failed

	mu  sync.Mutex
	rng *rand.Rand

	requests                      atomic.Int64
	failedRequests, failedEntries atomic.Int64
}

func newFaultTransport(requestRate, entryRate float64, seed uint64) *faultTransport {
	return &faultTransport{next: http.DefaultTransport, requestRate: requestRate, entryRate: entryRate,
		rng: rand.New(rand.NewPCG(seed, seed))}
}

func (f *faultTransport) roll(p float64) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rng.Float64() < p
}

func (f *faultTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	target := req.Header.Get("X-Amz-Target")
	if target != "Kinesis_20131202.PutRecords" && target != "Kinesis_20131202.PutRecord" {
		return f.next.RoundTrip(req)
	}
	// The first request always fails whole and the second loses its first
	// entry, so every run sees both kinds of fault.
	n := f.requests.Add(1)
	if n == 1 || f.roll(f.requestRate) {
		f.failedRequests.Add(1)
		if f.roll(0.5) {
			return kinesisError(req, 500, "InternalFailure", "injected")
		}
		return kinesisError(req, 400, "ProvisionedThroughputExceededException", "Rate exceeded for shard (injected)")
	}
	if target != "Kinesis_20131202.PutRecords" || f.entryRate == 0 {
		return f.next.RoundTrip(req)
	}

	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, err
	}
	var in struct {
		StreamName string            `json:"StreamName,omitempty"`
		StreamARN  string            `json:"StreamARN,omitempty"`
		Records    []json.RawMessage `json:"Records"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, fmt.Errorf("fault transport: %w", err)
	}
	failed := make([]string, len(in.Records)) // error code per entry, "" = forwarded
	var keep []json.RawMessage
	for i, r := range in.Records {
		if (n == 2 && i == 0) || f.roll(f.entryRate) {
			failed[i] = "ProvisionedThroughputExceededException"
			if f.roll(0.3) {
				failed[i] = "InternalFailure"
			}
			f.failedEntries.Add(1)
			continue
		}
		keep = append(keep, r)
	}
	type result struct {
		SequenceNumber string `json:"SequenceNumber,omitempty"`
		ShardId        string `json:"ShardId,omitempty"`
		ErrorCode      string `json:"ErrorCode,omitempty"`
		ErrorMessage   string `json:"ErrorMessage,omitempty"`
	}
	var forwarded []result
	if len(keep) > 0 {
		in.Records = keep
		nb, _ := json.Marshal(in)
		fwd := req.Clone(req.Context())
		fwd.Body = io.NopCloser(bytes.NewReader(nb))
		fwd.ContentLength = int64(len(nb))
		fwd.Header.Del("Content-Length")
		resp, err := f.next.RoundTrip(fwd)
		if err != nil || resp.StatusCode != 200 {
			return resp, err
		}
		rb, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		var out struct{ Records []result }
		if err := json.Unmarshal(rb, &out); err != nil {
			return nil, fmt.Errorf("fault transport: %w", err)
		}
		forwarded = out.Records
	}
	var merged []result
	count := 0
	for _, code := range failed {
		if code != "" {
			merged = append(merged, result{ErrorCode: code, ErrorMessage: "injected"})
			count++
			continue
		}
		r := forwarded[0]
		forwarded = forwarded[1:]
		if r.ErrorCode != "" {
			count++
		}
		merged = append(merged, r)
	}
	rb, _ := json.Marshal(map[string]any{"FailedRecordCount": count, "Records": merged})
	return jsonResponse(req, 200, rb), nil
}

func kinesisError(req *http.Request, status int, code, msg string) (*http.Response, error) {
	_, _ = io.Copy(io.Discard, req.Body)
	b, _ := json.Marshal(map[string]string{"__type": code, "message": msg})
	return jsonResponse(req, status, b), nil
}

func jsonResponse(req *http.Request, status int, body []byte) *http.Response {
	return &http.Response{
		StatusCode:    status,
		Status:        fmt.Sprintf("%d %s", status, http.StatusText(status)),
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{"Content-Type": {"application/x-amz-json-1.1"}, "X-Amzn-Requestid": {"injected"}},
		Body:          io.NopCloser(strings.NewReader(string(body))),
		ContentLength: int64(len(body)),
		Request:       req,
	}
}
