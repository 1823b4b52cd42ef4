package sigv4

import (
	"net/http"
	"strings"
	"testing"
)

// FuzzParse feeds Parse arbitrary Authorization headers: it never panics,
// and what it accepts has every part a signature needs.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"AWS4-HMAC-SHA256 Credential=AKIAFAKE/20260101/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc",
		"AWS4-HMAC-SHA256 Credential=A/B+=/20260101/eu-west-1/dynamodb/aws4_request,SignedHeaders=host,Signature=f",
		"AWS4-HMAC-SHA256 Credential=//////, SignedHeaders=;, Signature==",
		"AWS4-HMAC-SHA256 Credential=A/us-east-1/aws4_request, SignedHeaders=host, Signature=1",
		"AWS4-HMAC-SHA256 ",
		"Basic dXNlcjpwYXNz",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, auth string) {
		h, err := Parse(auth)
		if err != nil {
			if err != ErrMissing && err != ErrMalformed {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if h.Signature == "" || len(h.SignedHeaders) == 0 || !strings.HasPrefix(auth, algorithm+" ") {
			t.Fatalf("accepted %q as %+v", auth, h)
		}
	})
}

// FuzzCheck feeds Check arbitrary Authorization and date headers: it never
// panics, and accepts only what carries the one key and a date within the
// skew, scoped to the endpoint's region and service.
func FuzzCheck(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential="+testKey+"/20261126/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=00", "20261126T063000Z", "")
	f.Add("AWS4-HMAC-SHA256 Credential="+testKey+"/20261126/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00", "", "Thu, 26 Nov 2026 06:30:00 GMT")
	f.Add("AWS4-HMAC-SHA256 Credential=x/1/2/3/4, SignedHeaders=host;x-amz-date, Signature=00", "2026", "")
	f.Add("AWS4-HMAC-SHA256 Credential=x/1/2/3/4, SignedHeaders=host;x-amz-date, Signature=00", "20261126T063000Z", "junk")
	f.Fuzz(func(t *testing.T, auth, amzDate, date string) {
		r, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:4566/", nil)
		r.Header.Set("Authorization", auth)
		if amzDate != "" {
			r.Header.Set("X-Amz-Date", amzDate)
		}
		if date != "" {
			r.Header.Set("Date", date)
		}
		p, err := Check(r, expect("dynamodb"))
		if err != nil {
			return
		}
		h, _ := Parse(auth)
		if h.AccessKey != testKey || h.Region != "us-east-1" || h.Service != "dynamodb" || p == nil {
			t.Fatalf("accepted %q", auth)
		}
	})
}
