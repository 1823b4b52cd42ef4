// Package sdkhttp is the HTTP client spk hands to the AWS SDK.
//
// The SDK closes a request's body as soon as the response headers arrive,
// while net/http's transport may still be making its last read of that body
// (to check for bytes beyond Content-Length). Against a fast endpoint — spk's
// own on loopback — that read can fail, and the transport then closes the
// connection under the response being read: a request that succeeded looks
// failed, and a retried PutRecords stores its records twice. Giving the
// transport its own copy of the body removes the race.
package sdkhttp

import (
	"bytes"
	"io"
	"net/http"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
)

// Doer is what the AWS SDK calls to send a request.
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// Client sends requests with a body the SDK cannot close under the transport.
type Client struct {
	next Doer
}

// ResponseHeaderTimeout bounds the wait for an answer's headers, as the AWS
// CLI's 60-second read timeout does: a server that takes a request and
// never answers fails it, and the SDK's retryer tries again, instead of
// spk waiting for ever. Bodies (an event stream's) are not bounded.
const ResponseHeaderTimeout = 60 * time.Second

// New wraps next; nil means the SDK's own default client.
func New(next Doer) *Client { return newWithTimeout(next, ResponseHeaderTimeout) }

func newWithTimeout(next Doer, headers time.Duration) *Client {
	if next == nil {
		next = awshttp.NewBuildableClient()
	}
	// The SDK's client (with any CA bundle or proxy the configuration
	// gave it) keeps its settings; only an unset header timeout is set.
	if b, ok := next.(*awshttp.BuildableClient); ok {
		next = b.WithTransportOptions(func(tr *http.Transport) {
			if tr.ResponseHeaderTimeout == 0 {
				tr.ResponseHeaderTimeout = headers
			}
		})
	}
	return &Client{next: next}
}

// Do sends req with its body read into memory first. Request bodies of the
// Kinesis and DynamoDB APIs are at most a few MiB.
func (c *Client) Do(req *http.Request) (*http.Response, error) {
	if req.Body != nil && req.Body != http.NoBody {
		data, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(data))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
		req.ContentLength = int64(len(data))
	}
	return c.next.Do(req)
}
