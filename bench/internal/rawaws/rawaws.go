// Package rawaws sends pre-built AWS JSON requests for the benchmarks,
// signed with a well-formed but unverified SigV4 header, so the client costs
// little CPU next to the endpoint being measured.
package rawaws

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Client posts JSON requests for one service to one endpoint.
type Client struct {
	url, service, target, contentType string
	http                              *http.Client
}

// Kinesis is a client for the Kinesis JSON 1.1 protocol.
func Kinesis(url string, hc *http.Client) *Client {
	return &Client{url: url, service: "kinesis", target: "Kinesis_20131202.", contentType: "application/x-amz-json-1.1", http: hc}
}

// DynamoDB is a client for the DynamoDB JSON 1.0 protocol.
func DynamoDB(url string, hc *http.Client) *Client {
	return &Client{url: url, service: "dynamodb", target: "DynamoDB_20120810.", contentType: "application/x-amz-json-1.0", http: hc}
}

// Call posts one operation and returns the body of a 200 response.
func (c *Client) Call(op string, body []byte) ([]byte, error) {
	req, err := http.NewRequest(http.MethodPost, c.url+"/", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	req.Header.Set("Content-Type", c.contentType)
	req.Header.Set("X-Amz-Target", c.target+op)
	req.Header.Set("X-Amz-Date", now.Format("20060102T150405Z"))
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAFAKE/"+now.Format("20060102")+"/us-east-1/"+c.service+"/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=0000000000000000000000000000000000000000000000000000000000000000")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %d %s", op, resp.StatusCode, out)
	}
	return out, nil
}
