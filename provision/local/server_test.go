package local_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"

	local "github.com/spk-cli/spk/provision/local"
	"github.com/spk-cli/spk/provision/sdkhttp"
)

func start(t testing.TB, tweak func(*local.Options)) *local.Server {
	t.Helper()
	opts := local.DefaultOptions()
	opts.Addr = "127.0.0.1:0"
	opts.InMemory = true
	opts.CreateDelay = 10 * time.Millisecond
	if tweak != nil {
		tweak(&opts)
	}
	srv, err := local.Start(context.Background(), opts)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

func client(url, key, secret string) *kinesis.Client {
	return kinesis.New(kinesis.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(url), Retryer: aws.NopRetryer{},
		Credentials: credentials.NewStaticCredentialsProvider(key, secret, ""),
		HTTPClient:  sdkhttp.New(nil),
	})
}

func errorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return fmt.Sprint(err)
}

// TestStartServesOnTheListenerGiven: a listener bound by the caller is the
// one served; Start refusing its options closes it, as it would have been
// Start's to close, so the port is free again.
func TestStartServesOnTheListenerGiven(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := start(t, func(o *local.Options) { o.Addr, o.Listener = ln.Addr().String(), ln })
	if srv.Addr() != ln.Addr().String() {
		t.Fatalf("serving on %s, not on the listener given at %s", srv.Addr(), ln.Addr())
	}
	if _, err := client(srv.URL(), "k", "s").ListStreams(context.Background(), &kinesis.ListStreamsInput{}); err != nil {
		t.Fatalf("ListStreams on the listener given: %v", err)
	}

	refused, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	opts := local.DefaultOptions()
	opts.Addr, opts.Listener, opts.InMemory, opts.FaultRate = refused.Addr().String(), refused, true, 2
	if _, err := local.Start(context.Background(), opts); err == nil {
		t.Fatal("Start with a fault rate of 2 succeeded")
	}
	again, err := net.Listen("tcp", refused.Addr().String())
	if err != nil {
		t.Fatalf("the refused Start left its listener open: %v", err)
	}
	again.Close()
}

func TestStartRefusesNonLoopbackWithoutKeys(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", "[::]:0", ":0"} {
		t.Run(addr, func(t *testing.T) {
			opts := local.DefaultOptions()
			opts.Addr, opts.InMemory = addr, true
			srv, err := local.Start(context.Background(), opts)
			if err == nil {
				srv.Close()
				t.Fatalf("Start(%s) succeeded without keys", addr)
			}
			if !strings.Contains(err.Error(), "is not loopback") || !strings.Contains(err.Error(), "access key") {
				t.Fatalf("error %q does not say why and how to fix", err)
			}
		})
	}
	t.Run("only one key", func(t *testing.T) {
		opts := local.DefaultOptions()
		opts.Addr, opts.InMemory, opts.AccessKey = "127.0.0.1:0", true, "AK"
		if _, err := local.Start(context.Background(), opts); err == nil || !strings.Contains(err.Error(), "set both") {
			t.Fatalf("Start with only an access key: %v", err)
		}
	})
}

func TestStartNonLoopbackWithKeys(t *testing.T) {
	srv := start(t, func(o *local.Options) { o.Addr, o.AccessKey, o.SecretKey = "0.0.0.0:0", "AKIDEXAMPLE", "s3cr3t" })
	_, port, _ := net.SplitHostPort(srv.Addr())
	c := client("http://127.0.0.1:"+port, "AKIDEXAMPLE", "s3cr3t")
	if _, err := c.ListStreams(context.Background(), &kinesis.ListStreamsInput{}); err != nil {
		t.Fatalf("signed request refused: %v", err)
	}
}

func TestSignatureVerification(t *testing.T) {
	const key, secret = "AK/+=!é key", "wJalrXUtnFEMI/K7MDENG"
	srv := start(t, func(o *local.Options) { o.AccessKey, o.SecretKey = key, secret })
	cases := []struct {
		name, key, secret, wantCode string
	}{
		{"right keys", key, secret, ""},
		{"unknown access key", "AKIAOTHER", secret, "UnrecognizedClientException"},
		{"wrong secret", key, "not-the-secret", "InvalidSignatureException"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			name := "s-" + strings.ReplaceAll(c.name, " ", "-")
			_, err := client(srv.URL(), c.key, c.secret).CreateStream(context.Background(), &kinesis.CreateStreamInput{StreamName: &name, ShardCount: aws.Int32(1)})
			if c.wantCode == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if got := errorCode(err); got != c.wantCode {
				t.Fatalf("error %s, want %s", got, c.wantCode)
			}
			// Nothing was created by the refused request.
			out, err := client(srv.URL(), key, secret).ListStreams(context.Background(), &kinesis.ListStreamsInput{})
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range out.StreamNames {
				if n == name {
					t.Fatalf("refused request created stream %s", name)
				}
			}
		})
	}
}

func post(t *testing.T, url string, hdr map[string]string, body []byte) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	return resp, b.String()
}

const fakeAuth = "AWS4-HMAC-SHA256 Credential=AKIAFAKE/20260101/us-east-1/kinesis/aws4_request, SignedHeaders=host, Signature=00"

func TestWireRejections(t *testing.T) {
	srv := start(t, func(o *local.Options) { o.MaxRequestBytes = 1024 })
	cases := []struct {
		name       string
		hdr        map[string]string
		body       []byte
		wantStatus int
		wantBody   string
	}{
		{"no signature", map[string]string{"X-Amz-Target": "Kinesis_20131202.ListStreams"}, []byte("{}"),
			403, `{"__type":"MissingAuthenticationTokenException","message":"Missing Authentication Token"}`},
		{"unknown service", map[string]string{"X-Amz-Target": "Nope_2020.Do", "Authorization": fakeAuth}, []byte("{}"),
			400, `{"__type":"UnknownOperationException"}`},
		{"body too large", map[string]string{"X-Amz-Target": "Kinesis_20131202.ListStreams", "Authorization": fakeAuth}, bytes.Repeat([]byte(" "), 2048),
			413, `{"__type":"SerializationException","message":"Request body is larger than the 1024 bytes this endpoint accepts."}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := post(t, srv.URL()+"/", c.hdr, c.body)
			if resp.StatusCode != c.wantStatus || body != c.wantBody {
				t.Fatalf("got %d %s, want %d %s", resp.StatusCode, body, c.wantStatus, c.wantBody)
			}
			if resp.Header.Get("x-amzn-RequestId") == "" {
				t.Fatal("no x-amzn-RequestId")
			}
		})
	}
}

func TestShutdownKeepsDataAndFreesPort(t *testing.T) {
	dir := t.TempDir()
	opts := local.DefaultOptions()
	opts.Addr, opts.DataDir, opts.CreateDelay = "127.0.0.1:0", dir, 10*time.Millisecond
	srv, err := local.Start(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	c := client(srv.URL(), "AKIAFAKE", "secret")
	ctx := context.Background()
	name := "events"
	if _, err := c.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: &name, ShardCount: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	waitActive(t, c, name)
	put, err := c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: &name, PartitionKey: aws.String("p"), Data: []byte("kept")})
	if err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if _, err := net.DialTimeout("tcp", srv.Addr(), time.Second); err == nil {
		t.Fatal("still accepting connections after Shutdown")
	}

	srv2, err := local.Start(ctx, opts)
	if err != nil {
		t.Fatalf("restart on the same data dir: %v", err)
	}
	defer srv2.Close()
	c2 := client(srv2.URL(), "AKIAFAKE", "secret")
	it, err := c2.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: &name, ShardId: put.ShardId, ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	out, err := c2.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: it.ShardIterator})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Records) != 1 || string(out.Records[0].Data) != "kept" || *out.Records[0].SequenceNumber != *put.SequenceNumber {
		t.Fatalf("after restart: %d records", len(out.Records))
	}
	// New records continue the sequence.
	next, err := c2.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: &name, PartitionKey: aws.String("p"), Data: []byte("new")})
	if err != nil {
		t.Fatal(err)
	}
	if *next.SequenceNumber <= *put.SequenceNumber {
		t.Fatalf("sequence went back after restart: %s then %s", *put.SequenceNumber, *next.SequenceNumber)
	}
}

func TestStoreLockedByAnotherServer(t *testing.T) {
	dir := t.TempDir()
	start(t, func(o *local.Options) { o.InMemory, o.DataDir = false, dir })
	opts := local.DefaultOptions()
	opts.Addr, opts.DataDir = "127.0.0.1:0", dir
	if _, err := local.Start(context.Background(), opts); err == nil || !strings.Contains(err.Error(), "locked by another process") {
		t.Fatalf("second server on the same dir: %v", err)
	}
}

func waitActive(t *testing.T, c *kinesis.Client, name string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, err := c.DescribeStreamSummary(context.Background(), &kinesis.DescribeStreamSummaryInput{StreamName: &name})
		if err == nil && out.StreamDescriptionSummary.StreamStatus == types.StreamStatusActive {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("stream %s never became ACTIVE (%v)", name, err)
		}
		time.Sleep(10 * time.Millisecond) // polling interval
	}
}

// outcomes records which of n PutRecords entries fail under faults.
func outcomes(t *testing.T, seed int64) string {
	// No create delay: the stream is ACTIVE when CreateStream returns, so
	// the sequence of requests, and so of fault draws, is fixed.
	srv := start(t, func(o *local.Options) { o.FaultRate, o.FaultSeed, o.CreateDelay = 0.3, seed, -1 })
	c := client(srv.URL(), "AKIAFAKE", "secret")
	ctx := context.Background()
	name := "events"
	var b strings.Builder
	for {
		_, err := c.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: &name, ShardCount: aws.Int32(1)})
		if err == nil {
			break
		}
		if errorCode(err) != "InternalFailure" {
			t.Fatal(err)
		}
		b.WriteString("C")
	}
	failedEntries := 0
	for range 20 {
		recs := make([]types.PutRecordsRequestEntry, 50)
		for i := range recs {
			recs[i] = types.PutRecordsRequestEntry{PartitionKey: aws.String("p"), Data: []byte("d")}
		}
		out, err := c.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: &name, Records: recs})
		if err != nil {
			var re interface{ HTTPStatusCode() int }
			if errorCode(err) != "InternalFailure" || !errors.As(err, &re) || re.HTTPStatusCode() != 500 {
				t.Fatalf("request fault: %v", err)
			}
			b.WriteString("R")
			continue
		}
		n := 0
		for _, r := range out.Records {
			if r.ErrorCode != nil {
				if *r.ErrorCode != "InternalFailure" || *r.ErrorMessage != "Internal Service Failure" {
					t.Fatalf("entry fault %s: %s", *r.ErrorCode, *r.ErrorMessage)
				}
				b.WriteString("x")
				n++
			} else {
				b.WriteString(".")
			}
		}
		if int(*out.FailedRecordCount) != n {
			t.Fatalf("FailedRecordCount %d, %d entries failed", *out.FailedRecordCount, n)
		}
		failedEntries += n
	}
	if failedEntries == 0 || failedEntries > 600 {
		t.Fatalf("%d of ~1000 entries failed at rate 0.3", failedEntries)
	}
	return b.String()
}

func TestFaultsAreDeterministic(t *testing.T) {
	a, b := outcomes(t, 7), outcomes(t, 7)
	if a != b {
		t.Fatalf("same seed, different faults:\n%s\n%s", a, b)
	}
	if c := outcomes(t, 8); c == a {
		t.Fatal("different seeds gave the same faults")
	}
}

func TestRestartFinishesStateChange(t *testing.T) {
	dir := t.TempDir()
	opts := local.DefaultOptions()
	opts.Addr, opts.DataDir, opts.CreateDelay = "127.0.0.1:0", dir, time.Hour
	srv, err := local.Start(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	name := "events"
	if _, err := client(srv.URL(), "AKIAFAKE", "secret").CreateStream(context.Background(), &kinesis.CreateStreamInput{StreamName: &name, ShardCount: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	// Restarted with a short delay, the stream that was CREATING finishes.
	opts.CreateDelay = 10 * time.Millisecond
	srv, err = local.Start(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	waitActive(t, client(srv.URL(), "AKIAFAKE", "secret"), name)
}

// A request under way when Shutdown starts is finished and answered, and
// what it wrote is in the store after a restart.
func TestShutdownFinishesInFlightRequest(t *testing.T) {
	dir := t.TempDir()
	opts := local.DefaultOptions()
	opts.Addr, opts.DataDir, opts.CreateDelay = "127.0.0.1:0", dir, -1
	srv, err := local.Start(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	name := "events"
	if _, err := client(srv.URL(), "AKIAFAKE", "secret").CreateStream(context.Background(), &kinesis.CreateStreamInput{StreamName: &name, ShardCount: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	body := `{"StreamName":"events","PartitionKey":"p","Data":"aW4tZmxpZ2h0"}`
	conn, err := net.Dial("tcp", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// With "Expect: 100-continue" the server answers "100 Continue" once the
	// handler starts reading the body: from then on the request is in flight.
	fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-amz-json-1.1\r\nX-Amz-Target: Kinesis_20131202.PutRecord\r\nAuthorization: %s\r\nExpect: 100-continue\r\nContent-Length: %d\r\n\r\n",
		srv.Addr(), fakeAuth, len(body))
	r := bufio.NewReader(conn)
	if line, err := r.ReadString('\n'); err != nil || !strings.HasPrefix(line, "HTTP/1.1 100") {
		t.Fatalf("no 100 Continue: %q %v", line, err)
	}
	if _, err := r.ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	// Shutdown must wait for it; it returns only once the request is done.
	done := make(chan error, 1)
	go func() { done <- srv.Shutdown(context.Background()) }()
	// New connections are refused once shutdown has begun.
	waitRefused(t, srv.Addr())
	select {
	case err := <-done:
		t.Fatalf("Shutdown returned (%v) while a request was in flight", err)
	default:
	}
	fmt.Fprint(conn, body)
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatalf("in-flight request got no answer: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("in-flight request answered %d", resp.StatusCode)
	}
	if err := <-done; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	srv, err = local.Start(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c := client(srv.URL(), "AKIAFAKE", "secret")
	it, err := c.GetShardIterator(context.Background(), &kinesis.GetShardIteratorInput{StreamName: &name, ShardId: aws.String("shardId-000000000000"), ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.GetRecords(context.Background(), &kinesis.GetRecordsInput{ShardIterator: it.ShardIterator})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Records) != 1 || string(out.Records[0].Data) != "in-flight" {
		t.Fatalf("after restart: %d records", len(out.Records))
	}
}
