package errtext

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/smithy-go"
)

func TestConcise(t *testing.T) {
	api := &smithy.GenericAPIError{Code: "ResourceNotFoundException", Message: "Stream nope under account 000000000000 not found."}
	op := &smithy.OperationError{ServiceID: "Kinesis", OperationName: "DescribeStream", Err: fmt.Errorf("https response error StatusCode: 400, RequestID: abc, %w", api)}
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"nil", nil, ""},
		{"plain", errors.New("disk full"), "disk full"},
		{"wrapped SDK error", fmt.Errorf("describe stream %q: %w", "nope", op), `describe stream "nope": ResourceNotFoundException: Stream nope under account 000000000000 not found.`},
		{"API error without a message", &smithy.OperationError{ServiceID: "Kinesis", OperationName: "ListStreams", Err: &smithy.GenericAPIError{Code: "InternalFailure"}}, "InternalFailure"},
		{"interrupted", fmt.Errorf("wait: %w", &smithy.OperationError{ServiceID: "Kinesis", OperationName: "ListStreams", Err: &aws.RequestCanceledError{Err: context.Canceled}}), "wait: interrupted"},
		{"SDK error of another kind", &smithy.OperationError{ServiceID: "Kinesis", OperationName: "ListStreams", Err: errors.New("signing failed")}, "signing failed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Concise(c.err); got != c.want {
				t.Fatalf("got  %q\nwant %q", got, c.want)
			}
		})
	}
}

// TestConciseTransport calls a real client against a closed port: the
// SDK's chain of retries and transport wrappers reads as one short cause.
func TestConciseTransport(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	client := kinesis.New(kinesis.Options{
		Region: "us-east-1", BaseEndpoint: aws.String("http://" + addr), RetryMaxAttempts: 2,
		Credentials: credentials.NewStaticCredentialsProvider("spk", "spk", ""),
	})
	_, err = client.ListStreams(context.Background(), &kinesis.ListStreamsInput{})
	if err == nil {
		t.Fatal("ListStreams on a closed port succeeded")
	}
	want := "list streams: cannot reach the endpoint at http://" + addr + ": connection refused"
	if got := Concise(fmt.Errorf("list streams: %w", err)); got != want {
		t.Fatalf("got  %q\nwant %q\n(from %q)", got, want, err)
	}
}

func TestTransport(t *testing.T) {
	cases := []struct {
		err  error
		want string
	}{
		{&net.DNSError{Name: "nowhere.invalid", Err: "no such host", IsNotFound: true}, "no such host nowhere.invalid"},
		{&net.OpError{Op: "dial", Net: "tcp", Err: errors.New("some failure")}, "some failure"},
	}
	for _, c := range cases {
		if got := Transport(c.err); got != c.want {
			t.Errorf("Transport(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}
