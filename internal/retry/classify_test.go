package retry_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	awsretry "github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	ktypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/spk-cli/spk/internal/retry"
	"github.com/spk-cli/spk/provision/local"
)

// apiErr is an error as the SDK returns it: an operation error around an
// HTTP response error around the service's code.
func apiErr(status int, code string) error {
	return &smithy.OperationError{ServiceID: "DynamoDB", OperationName: "UpdateItem", Err: &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}}, Err: &smithy.GenericAPIError{Code: code, Message: "m"}},
	}}
}

// notAPI is the error the SDK returns for an answer it cannot read as the
// API's, such as a web server's HTML page with the given status.
func notAPI(status int) error {
	return &smithy.OperationError{ServiceID: "Kinesis", OperationName: "CreateStream", Err: &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}},
			Err: &smithy.DeserializationError{Err: errors.New("invalid character '<' looking for beginning of value")}},
	}}
}

func TestClassify(t *testing.T) {
	refused := &url.Error{Op: "Post", URL: "http://127.0.0.1:1", Err: &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}}
	reset := &url.Error{Op: "Post", URL: "http://127.0.0.1:1", Err: &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}}
	timeout := &url.Error{Op: "Post", URL: "http://127.0.0.1:1", Err: fmt.Errorf("net/http: request canceled (Client.Timeout exceeded): %w", context.DeadlineExceeded)}
	tests := []struct {
		name                 string
		err                  error
		transient, permanent bool
	}{
		{"nil", nil, false, false},
		{"500 InternalServerError", apiErr(500, "InternalServerError"), true, false},
		{"500 InternalFailure", apiErr(500, "InternalFailure"), true, false},
		{"503 ServiceUnavailable", apiErr(503, "ServiceUnavailable"), true, false},
		{"501 Not Implemented: an endpoint without the operation", apiErr(501, "NotImplementedYet"), false, true},
		{"505 other 5xx", apiErr(505, "HTTPVersionNotSupported"), true, false},
		{"a web page with 501, not an AWS answer", notAPI(501), false, true},
		{"a web page with 404", notAPI(404), false, true},
		{"a proxy's 502 page: passing trouble", notAPI(502), true, false},
		{"a 200 body cut short: a broken connection", notAPI(200), false, false},
		{"InternalFailure with a 400", apiErr(400, "InternalFailure"), true, false},
		{"ProvisionedThroughputExceeded", apiErr(400, "ProvisionedThroughputExceededException"), true, false},
		{"ThrottlingException", apiErr(400, "ThrottlingException"), true, false},
		{"LimitExceededException", apiErr(400, "LimitExceededException"), true, false},
		{"DynamoDB's tables per account", &smithy.OperationError{ServiceID: "DynamoDB", OperationName: "CreateTable", Err: &smithy.GenericAPIError{Code: "LimitExceededException",
			Message: "Subscriber limit exceeded: There is a limit of 2500 tables per subscriber"}}, false, true},
		{"DynamoDB's simultaneous table changes", &smithy.OperationError{ServiceID: "DynamoDB", OperationName: "CreateTable", Err: &smithy.GenericAPIError{Code: "LimitExceededException",
			Message: "Subscriber limit exceeded: Only 10 tables can be created, updated, or deleted simultaneously"}}, true, false},
		{"RequestLimitExceeded", apiErr(400, "RequestLimitExceeded"), true, false},
		{"typed kinesis throttle", &ktypes.ProvisionedThroughputExceededException{}, true, false},
		{"after the SDK's attempts", &awsretry.MaxAttemptsError{Attempt: 3, Err: apiErr(500, "InternalServerError")}, true, false},
		{"retry quota exhausted", errors.Join(apiErr(500, "InternalServerError"), ratelimit.QuotaExceededError{Available: 0, Requested: 5}), true, false},
		{"wrapped by the caller", fmt.Errorf("create lease x: %w", apiErr(500, "InternalServerError")), true, false},
		{"connection refused", refused, true, false},
		{"connection reset", reset, true, false},
		{"client timeout", timeout, true, false},
		{"cancelled request", &aws.RequestCanceledError{Err: context.Canceled}, false, false},
		{"AccessDeniedException", apiErr(400, "AccessDeniedException"), false, true},
		{"UnrecognizedClientException", apiErr(400, "UnrecognizedClientException"), false, true},
		{"InvalidSignatureException", apiErr(400, "InvalidSignatureException"), false, true},
		{"ExpiredTokenException", apiErr(400, "ExpiredTokenException"), false, true},
		{"ValidationException", apiErr(400, "ValidationException"), false, true},
		{"typed ResourceNotFound", fmt.Errorf("list shards: %w", &ktypes.ResourceNotFoundException{}), false, true},
		{"ConditionalCheckFailed", &dtypes.ConditionalCheckFailedException{}, false, false},
		{"marked with Refuse", retry.Refuse(apiErr(500, "InternalServerError")), false, true},
		{"wrapping a marked error", fmt.Errorf("ensure: %w", retry.Refuse(errors.New("wrong keys"))), false, true},
		{"plain error", errors.New("boom"), false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := retry.Transient(tc.err); got != tc.transient {
				t.Errorf("Transient = %v, want %v (%v)", got, tc.transient, tc.err)
			}
			if got := retry.Permanent(tc.err); got != tc.permanent {
				t.Errorf("Permanent = %v, want %v (%v)", got, tc.permanent, tc.err)
			}
		})
	}
}

func TestHint(t *testing.T) {
	tests := []struct {
		code, want string
	}{
		{"UnrecognizedClientException", "check the credentials (the profile, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) and that they may use this Kinesis stream and these DynamoDB tables"},
		{"ExpiredTokenException", "the credentials expired: renew them (aws sso login, or new session keys) and start again"},
		{"ValidationException", "the service refused the request as invalid: check the stream, table and view settings"},
		{"ResourceNotFoundException", ""},
		{"InternalServerError", ""},
	}
	for _, tc := range tests {
		if got := retry.Hint(apiErr(400, tc.code)); got != tc.want {
			t.Errorf("Hint(%s) = %q, want %q", tc.code, got, tc.want)
		}
	}
}

// TestClassifyRealEndpoint classifies what the SDK really returns from spk's
// endpoint: an injected fault once the SDK's attempts are spent, and a
// stream that does not exist.
func TestClassifyRealEndpoint(t *testing.T) {
	srv, err := local.Start(context.Background(), local.Options{Addr: "127.0.0.1:0", InMemory: true, FaultRate: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown(context.Background())
	cfg := aws.Config{
		Region: "us-east-1", BaseEndpoint: aws.String(srv.URL()),
		Credentials: credentials.NewStaticCredentialsProvider("spklocal", "spklocal", ""),
		Retryer: func() aws.Retryer {
			return awsretry.NewStandard(func(o *awsretry.StandardOptions) { o.MaxBackoff = 10 * time.Millisecond })
		},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err = dynamodb.NewFromConfig(cfg).DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("t")})
	if err == nil || !retry.Transient(err) || retry.Permanent(err) {
		t.Fatalf("an injected DynamoDB fault: transient %v, permanent %v (%v); want transient", retry.Transient(err), retry.Permanent(err), err)
	}
	_, err = kinesis.NewFromConfig(cfg).ListShards(ctx, &kinesis.ListShardsInput{StreamName: aws.String("s")})
	if err == nil || !retry.Transient(err) {
		t.Fatalf("an injected Kinesis fault: transient %v (%v); want transient", retry.Transient(err), err)
	}

	clean, err := local.Start(context.Background(), local.Options{Addr: "127.0.0.1:0", InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer clean.Shutdown(context.Background())
	cfg.BaseEndpoint = aws.String(clean.URL())
	_, err = kinesis.NewFromConfig(cfg).ListShards(ctx, &kinesis.ListShardsInput{StreamName: aws.String("missing")})
	if !retry.Permanent(err) || !retry.NotFound(err) || retry.Transient(err) {
		t.Fatalf("a missing stream: permanent %v, not found %v, transient %v (%v); want permanent and not found", retry.Permanent(err), retry.NotFound(err), retry.Transient(err), err)
	}

	// https:// to the plain-HTTP endpoint, and an https endpoint whose
	// certificate the client does not trust: no attempt changes either
	// (status took 20 s retrying the first).
	tlsSrv := httptest.NewUnstartedServer(http.NotFoundHandler())
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes are the point
	tlsSrv.StartTLS()
	defer tlsSrv.Close()
	for what, url := range map[string]string{"https to plain HTTP": strings.Replace(clean.URL(), "http://", "https://", 1), "an untrusted certificate": tlsSrv.URL} {
		cfg.BaseEndpoint = aws.String(url)
		_, err = kinesis.NewFromConfig(cfg).ListShards(ctx, &kinesis.ListShardsInput{StreamName: aws.String("s")})
		if err == nil || !retry.Permanent(err) || retry.Transient(err) || !strings.Contains(retry.Hint(err), "AWS_CA_BUNDLE") {
			t.Errorf("%s: permanent %v, transient %v, hint %q (%v); want permanent with the TLS hint", what, retry.Permanent(err), retry.Transient(err), retry.Hint(err), err)
		}
	}
}
