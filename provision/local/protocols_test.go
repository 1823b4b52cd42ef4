package local_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	local "github.com/spk-cli/spk/provision/local"
)

// h2Client speaks only cleartext HTTP/2 with prior knowledge, as the AWS
// SDK for JavaScript v3's Kinesis client does.
func h2Client() *http.Client {
	tr := &http.Transport{Protocols: new(http.Protocols)}
	tr.Protocols.SetUnencryptedHTTP2(true)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

// protoRecorder remembers the protocol of the last response.
type protoRecorder struct {
	c     *http.Client
	proto string
}

func (p *protoRecorder) Do(r *http.Request) (*http.Response, error) {
	resp, err := p.c.Do(r)
	if err == nil {
		p.proto = resp.Proto
	}
	return resp, err
}

func TestHTTP2PriorKnowledgeServesBothServices(t *testing.T) {
	srv := start(t, nil)
	rec := &protoRecorder{c: h2Client()}
	creds := credentials.NewStaticCredentialsProvider("AKIAFAKE", "secret", "")
	kc := kinesis.New(kinesis.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL()), Credentials: creds, HTTPClient: rec})
	ctx := context.Background()
	if _, err := kc.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("h2"), ShardCount: aws.Int32(1)}); err != nil {
		t.Fatalf("CreateStream over HTTP/2: %v", err)
	}
	waitActive(t, kc, "h2")
	put, err := kc.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("h2"), PartitionKey: aws.String("k"), Data: []byte("hello")})
	if err != nil {
		t.Fatalf("PutRecord over HTTP/2: %v", err)
	}
	if rec.proto != "HTTP/2.0" {
		t.Fatalf("Kinesis answered over %s, want HTTP/2.0", rec.proto)
	}
	if aws.ToString(put.ShardId) != "shardId-000000000000" {
		t.Fatalf("PutRecord put into %q", aws.ToString(put.ShardId))
	}

	rec.proto = ""
	dc := dynamodb.New(dynamodb.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL()), Credentials: creds, HTTPClient: rec})
	if _, err := dc.ListTables(ctx, &dynamodb.ListTablesInput{}); err != nil {
		t.Fatalf("ListTables over HTTP/2: %v", err)
	}
	if rec.proto != "HTTP/2.0" {
		t.Fatalf("DynamoDB answered over %s, want HTTP/2.0", rec.proto)
	}

	// The same listener still serves HTTP/1.1.
	resp, body := post(t, srv.URL()+"/", map[string]string{"X-Amz-Target": "Kinesis_20131202.ListStreams", "Authorization": fakeAuth, "Content-Type": "application/x-amz-json-1.1"}, []byte("{}"))
	if resp.Proto != "HTTP/1.1" || !strings.Contains(body, `"h2"`) {
		t.Fatalf("HTTP/1.1 ListStreams: %s %s", resp.Proto, body)
	}
}

// TestHTTP2ByUpgrade speaks the RFC 7540 §3.2 upgrade by hand, as curl
// --http2 does: the first request goes out as HTTP/1.1 with Upgrade: h2c
// and is answered as HTTP/2 stream 1.
func TestHTTP2ByUpgrade(t *testing.T) {
	srv := start(t, nil)
	conn, err := net.Dial("tcp", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))

	var settings bytes.Buffer
	http2.NewFramer(&settings, nil).WriteSettings()
	payload := settings.Bytes()[9:] // the frame's payload, without its 9-byte header
	body := "{}"
	fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: %s\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: %s\r\n"+
		"X-Amz-Target: Kinesis_20131202.ListStreams\r\nContent-Type: application/x-amz-json-1.1\r\nAuthorization: %s\r\nContent-Length: %d\r\n\r\n%s",
		srv.Addr(), base64.RawURLEncoding.EncodeToString(payload), fakeAuth, len(body), body)

	br := bufio.NewReader(conn)
	status, err := br.ReadString('\n')
	if err != nil || !strings.HasPrefix(status, "HTTP/1.1 101 ") {
		t.Fatalf("upgrade answered %q, %v; want 101 Switching Protocols", status, err)
	}
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if line == "\r\n" {
			break
		}
	}
	io.WriteString(conn, http2.ClientPreface)
	fr := http2.NewFramer(conn, br)
	if err := fr.WriteSettings(); err != nil {
		t.Fatal(err)
	}
	headers, data := map[string]string{}, ""
	dec := hpack.NewDecoder(4096, func(f hpack.HeaderField) { headers[f.Name] = f.Value })
	for done := false; !done; {
		f, err := fr.ReadFrame()
		if err != nil {
			t.Fatalf("reading the upgraded response: %v (headers %v, data %q)", err, headers, data)
		}
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if !f.IsAck() {
				fr.WriteSettingsAck()
			}
		case *http2.HeadersFrame:
			if f.StreamID != 1 {
				t.Fatalf("response on stream %d, want 1", f.StreamID)
			}
			dec.Write(f.HeaderBlockFragment())
			done = f.StreamEnded()
		case *http2.DataFrame:
			data += string(f.Data())
			done = f.StreamEnded()
		}
	}
	if headers[":status"] != "200" || headers["content-type"] != "application/x-amz-json-1.1" || !strings.Contains(data, `"StreamNames":[]`) {
		t.Fatalf("upgraded ListStreams: headers %v, body %s", headers, data)
	}
}

func TestCORSPreflightAndExposedHeaders(t *testing.T) {
	srv := start(t, nil)
	req, _ := http.NewRequest(http.MethodOptions, srv.URL()+"/", nil)
	req.Header.Set("Origin", "http://localhost:3000")
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "authorization,content-type,x-amz-date,x-amz-target,x-amz-user-agent")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	want := map[string]string{
		"Access-Control-Allow-Origin":  "*",
		"Access-Control-Allow-Headers": "authorization,content-type,x-amz-date,x-amz-target,x-amz-user-agent",
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("preflight answered %d", resp.StatusCode)
	}
	for k, v := range want {
		if got := resp.Header.Get(k); got != v {
			t.Fatalf("preflight %s = %q, want %q", k, got, v)
		}
	}
	if m := resp.Header.Get("Access-Control-Allow-Methods"); !strings.Contains(m, "POST") {
		t.Fatalf("preflight allows methods %q, not POST", m)
	}

	// The request itself: readable from any origin, with the x-amz headers exposed.
	resp, _ = post(t, srv.URL()+"/", map[string]string{"Origin": "http://localhost:3000", "X-Amz-Target": "DynamoDB_20120810.ListTables", "Authorization": fakeAuth, "Content-Type": "application/x-amz-json-1.0"}, []byte("{}"))
	if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("request from a browser: %d, Allow-Origin %q", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
	}
	exposed := strings.ToLower(resp.Header.Get("Access-Control-Expose-Headers"))
	for _, h := range []string{"x-amzn-requestid", "x-amz-crc32", "x-amzn-errortype", "x-amz-id-2"} {
		if !strings.Contains(exposed, h) {
			t.Fatalf("Access-Control-Expose-Headers %q lacks %s", exposed, h)
		}
	}

	// Without Origin nothing changes: OPTIONS is not an AWS operation.
	req, _ = http.NewRequest(http.MethodOptions, srv.URL()+"/", nil)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("OPTIONS without Origin: %d, Allow-Origin %q", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
	}
}

// TestShutdownWithOpenHTTP2Connections: an HTTP/2 connection left idle in
// the client's pool (as the AWS SDK for JavaScript v3's Kinesis client
// keeps) does not hold up a graceful stop. net/http alone waits a second
// after its GOAWAY for the client to close such a connection, which Go's
// client does not do, so this Shutdown's 900 ms ran out.
func TestShutdownWithOpenHTTP2Connections(t *testing.T) {
	opts := local.DefaultOptions()
	opts.Addr, opts.InMemory = "127.0.0.1:0", true
	srv, err := local.Start(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	c := h2Client()
	resp, err := c.Post(srv.URL()+"/", "application/x-amz-json-1.1", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.ProtoMajor != 2 {
		t.Fatalf("answered over %s, want HTTP/2", resp.Proto)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 900*time.Millisecond)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown with an idle HTTP/2 connection: %v", err)
	}
	if _, err := net.DialTimeout("tcp", srv.Addr(), time.Second); err == nil {
		t.Fatal("still listening after Shutdown")
	}
}
