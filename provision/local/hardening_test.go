package local_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"
	"github.com/fxamacker/cbor/v2"

	local "github.com/spk-cli/spk/provision/local"
	"github.com/spk-cli/spk/provision/sdkhttp"
)

const testKey, testSecret = "AKIDHARDEN", "harden-secret"

// fixedNow is the keyed servers' clock in these tests, so that the
// signature-date messages are exact.
var fixedNow = time.Date(2026, 11, 26, 6, 30, 0, 0, time.UTC)

func keyed(t testing.TB, tweak func(*local.Options)) *local.Server {
	return start(t, func(o *local.Options) {
		o.AccessKey, o.SecretKey = testKey, testSecret
		o.Now = func() time.Time { return fixedNow }
		if tweak != nil {
			tweak(o)
		}
	})
}

// rawAnswer is one HTTP/1.1 exchange on its own connection: it sends head
// (and body, if any), reads the answer, and, when the answer says
// "Connection: close", whether the server then closed the connection
// (within a generous deadline).
type rawAnswer struct {
	resp   *http.Response
	body   string
	closed bool
}

func exchange(t *testing.T, addr, head string, body []byte) rawAnswer {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatal(err)
	}
	if body != nil {
		conn.Write(body)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	a := rawAnswer{resp: resp, body: string(b)}
	if resp.Close { // the server said it closes: check that it does
		_, err = br.ReadByte()
		a.closed = err != nil && !isTimeout(err)
	}
	return a
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func requestHead(addr, target string, contentLength int64, hdr http.Header) string {
	var b strings.Builder
	fmt.Fprintf(&b, "POST / HTTP/1.1\r\nHost: %s\r\nX-Amz-Target: %s\r\n", addr, target)
	if contentLength >= 0 {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", contentLength)
	}
	for k, vs := range hdr {
		for _, v := range vs {
			fmt.Fprintf(&b, "%s: %s\r\n", k, v)
		}
	}
	b.WriteString("\r\n")
	return b.String()
}

// signedHeader signs a request for target and body with aws-sdk-go-v2's
// signer, and returns the headers to send.
func signedHeader(t *testing.T, addr, target string, body []byte, service, region string, at time.Time, payloadHash string) http.Header {
	t.Helper()
	r, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/", bytes.NewReader(body))
	r.Header.Set("X-Amz-Target", target)
	if payloadHash == "" {
		sum := sha256.Sum256(body)
		payloadHash = hex.EncodeToString(sum[:])
	} else {
		r.Header.Set("X-Amz-Content-Sha256", payloadHash)
	}
	creds := aws.Credentials{AccessKeyID: testKey, SecretAccessKey: testSecret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, payloadHash, service, region, at); err != nil {
		t.Fatal(err)
	}
	r.Header.Del("X-Amz-Target") // requestHead writes it
	return r.Header
}

func checkCRC(t *testing.T, a rawAnswer) {
	t.Helper()
	want := strconv.FormatUint(uint64(crc32.ChecksumIEEE([]byte(a.body))), 10)
	if got := a.resp.Header.Get("X-Amz-Crc32"); got != want {
		t.Fatalf("X-Amz-Crc32 %q, want %q for %s", got, want, a.body)
	}
}

// A request refused from its headers is answered before its body is sent,
// and its connection closed rather than drained.
func TestRefusedBeforeBodyIsRead(t *testing.T) {
	const huge = 16 << 20
	keyless := start(t, nil)
	withKeys := keyed(t, nil)
	old := fixedNow.Add(-20 * time.Minute)
	cases := []struct {
		name       string
		srv        *local.Server
		target     string
		hdr        func(addr string) http.Header
		wantStatus int
		wantBody   string
	}{
		{"unsigned kinesis", keyless, "Kinesis_20131202.PutRecords", func(string) http.Header { return nil },
			403, `{"__type":"MissingAuthenticationTokenException","message":"Missing Authentication Token"}`},
		{"unsigned dynamodb, keyed", withKeys, "DynamoDB_20120810.BatchWriteItem", func(string) http.Header { return nil },
			403, `{"__type":"com.amazon.coral.service#MissingAuthenticationTokenException","message":"Missing Authentication Token"}`},
		{"expired dynamodb", withKeys, "DynamoDB_20120810.BatchWriteItem", func(addr string) http.Header {
			return signedHeader(t, addr, "DynamoDB_20120810.BatchWriteItem", nil, "dynamodb", "us-east-1", old, strings.Repeat("0", 64))
		}, 400, `{"__type":"com.amazon.coral.service#InvalidSignatureException","message":"Signature expired: 20261126T061000Z is now earlier than 20261126T061500Z (20261126T063000Z - 15 min.)"}`},
		{"expired kinesis, five minutes' skew", withKeys, "Kinesis_20131202.PutRecords", func(addr string) http.Header {
			return signedHeader(t, addr, "Kinesis_20131202.PutRecords", nil, "kinesis", "us-east-1", fixedNow.Add(-6*time.Minute), strings.Repeat("0", 64))
		}, 400, `{"__type":"InvalidSignatureException","message":"Signature expired: 20261126T062400Z is now earlier than 20261126T062500Z (20261126T063000Z - 5 min.)"}`},
		{"kinesis signature sent to dynamodb", withKeys, "DynamoDB_20120810.BatchWriteItem", func(addr string) http.Header {
			return signedHeader(t, addr, "DynamoDB_20120810.BatchWriteItem", nil, "kinesis", "us-east-1", fixedNow, strings.Repeat("0", 64))
		}, 400, `{"__type":"com.amazon.coral.service#InvalidSignatureException","message":"Credential should be scoped to correct service: 'dynamodb'. "}`},
		{"streams signed as dynamodb is in scope, but unsigned payload", withKeys, "DynamoDBStreams_20120810.ListStreams", func(addr string) http.Header {
			return signedHeader(t, addr, "DynamoDBStreams_20120810.ListStreams", nil, "dynamodb", "us-east-1", fixedNow, "UNSIGNED-PAYLOAD")
		}, 400, `{"__type":"com.amazon.coral.service#InvalidSignatureException","message":"The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."}`},
		{"too large", keyless, "DynamoDB_20120810.BatchWriteItem", func(string) http.Header { return http.Header{"Authorization": {fakeAuth}} },
			413, `{"__type":"com.amazon.coral.service#SerializationException","message":"Request body is larger than the 16777216 bytes this endpoint accepts."}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			addr := c.srv.Addr()
			size := int64(huge)
			if c.wantStatus == 413 {
				size = huge + 1
			}
			// The headers alone: the answer must come without the body.
			a := exchange(t, addr, requestHead(addr, c.target, size, c.hdr(addr)), nil)
			if a.resp.StatusCode != c.wantStatus || a.body != c.wantBody {
				t.Fatalf("got %d %s\nwant %d %s", a.resp.StatusCode, a.body, c.wantStatus, c.wantBody)
			}
			if !a.closed {
				t.Fatal("the connection stayed open with an unread body")
			}
			if strings.HasPrefix(c.target, "DynamoDB") {
				checkCRC(t, a)
			}
		})
	}
}

// TestRefusalsToCBORAreCBOR: a refusal made before Kinesis sees a request
// (no signature, too large) is CBOR when the request was, with the type in
// X-Amzn-ErrorType: the Java SDK and the KCL read a JSON body to a CBOR
// request as an error without a code, and so did not retry a throttle. The
// media type is read as RFC 9110 has it, any letter case, any parameters.
func TestRefusalsToCBORAreCBOR(t *testing.T) {
	keyless := start(t, nil)
	withKeys := keyed(t, nil)
	for _, c := range []struct {
		name, contentType string
		srv               *local.Server
		size              int64
		wantStatus        int
		wantType, wantMsg string
	}{
		{"unsigned", "application/x-amz-cbor-1.1", withKeys, 10, 403, "MissingAuthenticationTokenException", "Missing Authentication Token"},
		{"too large", "Application/X-Amz-Cbor-1.1; charset=utf-8", keyless, 16<<20 + 1, 413, "SerializationException",
			"Request body is larger than the 16777216 bytes this endpoint accepts."},
	} {
		t.Run(c.name, func(t *testing.T) {
			addr := c.srv.Addr()
			hdr := http.Header{"Content-Type": {c.contentType}}
			if c.srv == keyless {
				hdr.Set("Authorization", fakeAuth)
			}
			a := exchange(t, addr, requestHead(addr, "Kinesis_20131202.PutRecords", c.size, hdr), nil)
			var got map[string]string
			if err := cbor.Unmarshal([]byte(a.body), &got); err != nil || a.resp.StatusCode != c.wantStatus ||
				got["__type"] != c.wantType || got["message"] != c.wantMsg {
				t.Fatalf("got %d %q (%v), want %d %s %q", a.resp.StatusCode, a.body, err, c.wantStatus, c.wantType, c.wantMsg)
			}
			if ct, et := a.resp.Header.Get("Content-Type"), a.resp.Header.Get("X-Amzn-ErrorType"); ct != "application/x-amz-cbor-1.1" || et != c.wantType {
				t.Fatalf("Content-Type %q, X-Amzn-ErrorType %q", ct, et)
			}
		})
	}
	// The services' own answers read the media type the same way.
	resp, body := post(t, "http://"+keyless.Addr(), map[string]string{"X-Amz-Target": "Kinesis_20131202.ListStreams",
		"Content-Type": "application/x-amz-cbor-1.1; charset=utf-8", "Authorization": fakeAuth}, []byte{0xa0})
	var list map[string]any
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/x-amz-cbor-1.1" || cbor.Unmarshal([]byte(body), &list) != nil {
		t.Fatalf("ListStreams in CBOR with a parameter: %d %s %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
}

// Signatures checked over the wire, through the SDKs and by hand: what is
// refused changes nothing.
func TestSignatureChecksOverTheWire(t *testing.T) {
	srv := keyed(t, func(o *local.Options) { o.Now = time.Now })
	ctx := context.Background()

	ddb := func(region string) *dynamodb.Client {
		return dynamodb.New(dynamodb.Options{
			Region: region, BaseEndpoint: aws.String(srv.URL()), Retryer: aws.NopRetryer{},
			Credentials: credentials.NewStaticCredentialsProvider(testKey, testSecret, ""),
			HTTPClient:  sdkhttp.New(nil),
		})
	}
	if _, err := ddb("us-east-1").ListTables(ctx, &dynamodb.ListTablesInput{}); err != nil {
		t.Fatalf("DynamoDB signed by the SDK refused: %v", err)
	}
	_, err := ddb("eu-west-1").ListTables(ctx, &dynamodb.ListTablesInput{})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "InvalidSignatureException" ||
		apiErr.ErrorMessage() != "Credential should be scoped to a valid region, not 'eu-west-1'. " {
		t.Fatalf("DynamoDB signed for another region: %v", err)
	}

	// A body changed after signing is refused once read, and does nothing.
	addr := srv.Addr()
	signedBody := []byte(`{"StreamName":"signed","ShardCount":1}`)
	sentBody := []byte(`{"StreamName":"forged","ShardCount":1}`)
	hdr := signedHeader(t, addr, "Kinesis_20131202.CreateStream", signedBody, "kinesis", "us-east-1", time.Now(), "")
	a := exchange(t, addr, requestHead(addr, "Kinesis_20131202.CreateStream", int64(len(sentBody)), hdr), sentBody)
	want := `{"__type":"InvalidSignatureException","message":"The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."}`
	if a.resp.StatusCode != 400 || a.body != want {
		t.Fatalf("tampered body: %d %s", a.resp.StatusCode, a.body)
	}
	out, err := client(srv.URL(), testKey, testSecret).ListStreams(ctx, &kinesis.ListStreamsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.StreamNames) != 0 {
		t.Fatalf("a refused request created %v", out.StreamNames)
	}
	// The same request with the body it signed is accepted.
	a = exchange(t, addr, requestHead(addr, "Kinesis_20131202.CreateStream", int64(len(signedBody)), hdr), signedBody)
	if a.resp.StatusCode != 200 {
		t.Fatalf("the signed body was refused: %d %s", a.resp.StatusCode, a.body)
	}
}

// holdSlot starts a request whose body is not yet sent: with
// "Expect: 100-continue" the server answers "100 Continue" only once the
// request has a slot and its body budget, and is reading. It returns a
// function that sends the body and returns the answer's status.
func holdSlot(t *testing.T, addr string, size int) func() int {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	fmt.Fprint(conn, requestHead(addr, "Kinesis_20131202.ListStreams", int64(size), http.Header{"Authorization": {fakeAuth}, "Expect": {"100-continue"}}))
	br := bufio.NewReader(conn)
	if line, err := br.ReadString('\n'); err != nil || !strings.HasPrefix(line, "HTTP/1.1 100") {
		t.Fatalf("no 100 Continue: %q %v", line, err)
	}
	if _, err := br.ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	return func() int {
		body := append([]byte("{}"), bytes.Repeat([]byte(" "), size-2)...)
		conn.Write(body)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
}

const (
	kinesisThrottle  = `{"__type":"LimitExceededException","message":"Rate exceeded: the endpoint is serving as many requests as it allows at once; retry with backoff."}`
	dynamodbThrottle = `{"__type":"com.amazon.coral.availability#ThrottlingException","message":"Rate of requests exceeds the allowed throughput."}`
)

// TestConcurrentRequestsBounded: past the bound a request waits for a slot
// (SlotWait), then gets the throttling error its operation can answer on
// AWS: Kinesis's data plane ProvisionedThroughputExceededException, which
// producers and consumers handle.
func TestConcurrentRequestsBounded(t *testing.T) {
	srv := start(t, func(o *local.Options) { o.MaxConcurrentRequests, o.SlotWait = 1, 50*time.Millisecond })
	addr := srv.Addr()
	finish := holdSlot(t, addr, 10)

	a := exchange(t, addr, requestHead(addr, "Kinesis_20131202.ListStreams", 2, http.Header{"Authorization": {fakeAuth}}), []byte("{}"))
	if a.resp.StatusCode != 400 || a.body != kinesisThrottle {
		t.Fatalf("kinesis past the bound: %d %s", a.resp.StatusCode, a.body)
	}
	a = exchange(t, addr, requestHead(addr, "Kinesis_20131202.PutRecords", 2, http.Header{"Authorization": {fakeAuth}}), []byte("{}"))
	if want := strings.Replace(kinesisThrottle, "LimitExceededException", "ProvisionedThroughputExceededException", 1); a.resp.StatusCode != 400 || a.body != want {
		t.Fatalf("kinesis data plane past the bound: %d %s", a.resp.StatusCode, a.body)
	}
	a = exchange(t, addr, requestHead(addr, "DynamoDB_20120810.ListTables", 2, http.Header{"Authorization": {fakeAuth}}), []byte("{}"))
	if a.resp.StatusCode != 400 || a.body != dynamodbThrottle {
		t.Fatalf("dynamodb past the bound: %d %s", a.resp.StatusCode, a.body)
	}
	checkCRC(t, a)

	if status := finish(); status != 200 {
		t.Fatalf("the request holding the slot answered %d", status)
	}
	// The slot is free again.
	if _, err := client(srv.URL(), "AKIAFAKE", "secret").ListStreams(context.Background(), &kinesis.ListStreamsInput{}); err != nil {
		t.Fatalf("after the slot was freed: %v", err)
	}
}

func TestBufferedBodyBytesBounded(t *testing.T) {
	srv := start(t, func(o *local.Options) { o.MaxRequestBytes, o.MaxBufferedBytes = 1024, 1024 })
	addr := srv.Addr()
	finish := holdSlot(t, addr, 1000) // 1000 of the 1024 bytes reserved

	a := exchange(t, addr, requestHead(addr, "DynamoDB_20120810.ListTables", 100, http.Header{"Authorization": {fakeAuth}}), bytes.Repeat([]byte(" "), 100))
	if a.resp.StatusCode != 400 || a.body != dynamodbThrottle {
		t.Fatalf("body past the budget: %d %s", a.resp.StatusCode, a.body)
	}
	checkCRC(t, a)
	// A chunked body, of unknown length, reserves as it grows.
	a = exchange(t, addr, requestHead(addr, "Kinesis_20131202.ListStreams", -1, http.Header{"Authorization": {fakeAuth}, "Transfer-Encoding": {"chunked"}}), []byte("2\r\n{}\r\n0\r\n\r\n"))
	if a.resp.StatusCode != 400 || a.body != kinesisThrottle {
		t.Fatalf("chunked body past the budget: %d %s", a.resp.StatusCode, a.body)
	}
	if status := finish(); status != 200 {
		t.Fatalf("the request holding the budget answered %d", status)
	}
	a = exchange(t, addr, requestHead(addr, "Kinesis_20131202.ListStreams", -1, http.Header{"Authorization": {fakeAuth}, "Transfer-Encoding": {"chunked"}}), []byte("2\r\n{}\r\n0\r\n\r\n"))
	if a.resp.StatusCode != 200 {
		t.Fatalf("chunked body within the budget: %d %s", a.resp.StatusCode, a.body)
	}
}

// TestRequestWaitsForASlot: a request that finds every slot taken waits
// for one and is served when it comes free, rather than refused: a burst
// from one client is answered late, not failed.
func TestRequestWaitsForASlot(t *testing.T) {
	srv := start(t, func(o *local.Options) { o.MaxConcurrentRequests, o.SlotWait = 1, time.Minute })
	addr := srv.Addr()
	finish := holdSlot(t, addr, 10)
	answered := make(chan rawAnswer, 1)
	go func() {
		answered <- exchange(t, addr, requestHead(addr, "Kinesis_20131202.ListStreams", 2, http.Header{"Authorization": {fakeAuth}}), []byte("{}"))
	}()
	deadline := time.Now().Add(10 * time.Second)
	for value(scrape(t, srv), "spk_local_requests_waiting") != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the request never waited for the slot")
		}
		time.Sleep(5 * time.Millisecond) // polling interval
	}
	if status := finish(); status != 200 {
		t.Fatalf("the request holding the slot answered %d", status)
	}
	if a := <-answered; a.resp.StatusCode != 200 || !strings.Contains(a.body, "StreamNames") {
		t.Fatalf("the waiting request: %d %s", a.resp.StatusCode, a.body)
	}
	if got := value(scrape(t, srv), "spk_local_throttled_requests_total", "service", "kinesis"); got != 0 {
		t.Fatalf("throttled %v, want none", got)
	}
}

// A body that trickles in is cut off: its connection is closed once the
// body timeout passes.
func TestSlowBodyClosed(t *testing.T) {
	srv := start(t, func(o *local.Options) { o.BodyTimeout = 300 * time.Millisecond })
	conn, err := net.Dial("tcp", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprint(conn, requestHead(srv.Addr(), "Kinesis_20131202.ListStreams", 1000, http.Header{"Authorization": {fakeAuth}}))
	stop := make(chan struct{})
	defer close(stop)
	go func() { // one byte every 50ms: the body would take 50s
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if _, err := conn.Write([]byte(" ")); err != nil {
					return
				}
			}
		}
	}()
	conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	_, err = io.ReadAll(conn) // until the server closes the connection
	if isTimeout(err) {
		t.Fatal("the connection of a trickling body was still open after 20s")
	}
}

// A SubscribeToShard event stream gives its request slot back once its
// request is read: with one slot, other requests still go through while it
// streams, and its records still arrive.
func TestSubscriptionGivesBackItsSlot(t *testing.T) {
	srv := start(t, func(o *local.Options) { o.MaxConcurrentRequests, o.CreateDelay = 1, -1 })
	c := client(srv.URL(), "AKIAFAKE", "secret")
	ctx := context.Background()
	name := "fan"
	if _, err := c.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: &name, ShardCount: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	waitActive(t, c, name)
	arn := activeConsumer(t, c, name)
	out, err := c.SubscribeToShard(ctx, &kinesis.SubscribeToShardInput{ConsumerARN: &arn,
		ShardId: aws.String("shardId-000000000000"), StartingPosition: &types.StartingPosition{Type: types.ShardIteratorTypeTrimHorizon}})
	if err != nil {
		t.Fatal(err)
	}
	es := out.GetStream()
	defer es.Close()
	if _, err := c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: &name, PartitionKey: aws.String("p"), Data: []byte("while subscribed")}); err != nil {
		t.Fatalf("a request while a subscription streams: %v", err)
	}
	timeout := time.After(20 * time.Second)
	for {
		select {
		case ev, ok := <-es.Events():
			if !ok {
				t.Fatalf("the subscription ended: %v", es.Err())
			}
			if e, ok := ev.(*types.SubscribeToShardEventStreamMemberSubscribeToShardEvent); ok && len(e.Value.Records) > 0 {
				if got := string(e.Value.Records[0].Data); got != "while subscribed" {
					t.Fatalf("record %q", got)
				}
				return
			}
		case <-timeout:
			t.Fatal("the record put while subscribed did not arrive within 20s")
		}
	}
}

// Over HTTP/2 the body timeout holds per stream: a trickling body is
// answered and its stream ended, while the connection serves on.
func TestSlowBodyOverHTTP2(t *testing.T) {
	srv := start(t, func(o *local.Options) { o.BodyTimeout = 300 * time.Millisecond })
	p := new(http.Protocols)
	p.SetUnencryptedHTTP2(true)
	hc := &http.Client{Transport: &http.Transport{Protocols: p}, Timeout: 20 * time.Second}
	pr, pw := io.Pipe()
	defer pw.Close()
	go func() { // one byte every 50ms, for ever
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for range tick.C {
			if _, err := pw.Write([]byte(" ")); err != nil {
				return
			}
		}
	}()
	req, _ := http.NewRequest(http.MethodPost, srv.URL()+"/", pr)
	req.Header.Set("X-Amz-Target", "Kinesis_20131202.ListStreams")
	req.Header.Set("Authorization", fakeAuth)
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("no answer to a trickling body within 20s: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want := `{"__type":"SerializationException","message":"Could not read the request body: it did not arrive in time (the endpoint waits at most 10s for its next byte, and 300ms for all of it)."}`
	if resp.ProtoMajor != 2 || resp.StatusCode != 400 || string(b) != want {
		t.Fatalf("got %s %d %s", resp.Proto, resp.StatusCode, b)
	}
	// The connection still serves other requests.
	req, _ = http.NewRequest(http.MethodPost, srv.URL()+"/", strings.NewReader("{}"))
	req.Header.Set("X-Amz-Target", "Kinesis_20131202.ListStreams")
	req.Header.Set("Authorization", fakeAuth)
	resp, err = hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("after the trickling body: %d", resp.StatusCode)
	}
}

// TestPresignedRequestRefusedInWordsThatSayWhy: with keys, a query-string
// signature is not checked, so it is refused, saying so rather than that
// the request carries no authentication.
func TestPresignedRequestRefusedInWordsThatSayWhy(t *testing.T) {
	srv := keyed(t, nil)
	q := "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" + testKey + "%2F20260101%2Fus-east-1%2Fkinesis%2Faws4_request&X-Amz-Date=20260101T000000Z&X-Amz-SignedHeaders=host&X-Amz-Signature=00"
	resp, body := post(t, srv.URL()+"/"+q, map[string]string{"X-Amz-Target": "Kinesis_20131202.ListStreams", "Content-Type": "application/x-amz-json-1.1"}, []byte("{}"))
	want := `{"__type":"MissingAuthenticationTokenException","message":"Query-string (presigned) signatures are not supported by spk local: sign the request with an Authorization header, as the AWS SDKs and CLI do."}`
	if resp.StatusCode != 403 || body != want {
		t.Fatalf("presigned request: %d %s", resp.StatusCode, body)
	}
}
