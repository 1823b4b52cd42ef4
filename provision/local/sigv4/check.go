package sigv4

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"
)

// basicFormat is ISO 8601's basic format, the form of X-Amz-Date.
const basicFormat = "20060102T150405Z"

// Expect is what a request must be signed for.
type Expect struct {
	AccessKey, SecretKey string
	Region               string        // the endpoint's region
	Service              string        // the signing name: "kinesis" or "dynamodb"
	Now                  time.Time     // the server's clock
	Skew                 time.Duration // how far X-Amz-Date may be from Now, either way
}

// Check decides everything about r's signature that its headers decide, in
// the order AWS checks them: the Authorization header's form, the request
// date and its distance from the server's clock, that host and every
// x-amz-* header are signed, the credential scope, then the access key. It
// reads nothing of the body; the Pending it returns checks the signature
// once the body's hash is known.
func Check(r *http.Request, e Expect) (*Pending, *Error) {
	auth := r.Header.Get("Authorization")
	h, err := Parse(auth)
	if err != nil {
		return nil, err
	}
	amzDate, err := requestDate(r, auth)
	if err != nil {
		return nil, err
	}
	if err := checkSkew(amzDate, e.Now, e.Skew); err != nil {
		return nil, err
	}
	if err := checkSignedHeaders(r, h.SignedHeaders); err != nil {
		return nil, err
	}
	if err := checkScope(h, amzDate, e); err != nil {
		return nil, err
	}
	// spk local's keys are long-term: a session token is one it did not
	// issue, which AWS refuses as an unknown token.
	if h.AccessKey != e.AccessKey || r.Header.Get("X-Amz-Security-Token") != "" {
		return nil, ErrUnknownKey
	}
	claimed := r.Header.Get("X-Amz-Content-Sha256")
	if claimed == "UNSIGNED-PAYLOAD" || strings.HasPrefix(claimed, "STREAMING-") {
		// Only S3 takes an unsigned or chunk-signed payload; for these JSON
		// APIs the body's own hash is signed, so such a signature cannot
		// match, and the body need not be read to say so.
		return nil, ErrMismatch
	}
	key := hmacSHA256([]byte("AWS4"+e.SecretKey), h.Date)
	key = hmacSHA256(key, h.Region)
	key = hmacSHA256(key, h.Service)
	key = hmacSHA256(key, h.Terminator)
	return &Pending{
		canonical:   canonicalPrefix(r, h.SignedHeaders),
		amzDate:     amzDate,
		scope:       h.Date + "/" + h.Region + "/" + h.Service + "/" + h.Terminator,
		key:         key,
		signature:   h.Signature,
		claimedHash: claimed,
	}, nil
}

// requestDate is X-Amz-Date, or else the Date header in basic format.
func requestDate(r *http.Request, auth string) (string, *Error) {
	if d := r.Header.Get("X-Amz-Date"); d != "" {
		if _, err := time.Parse(basicFormat, d); err != nil {
			return "", incomplete(fmt.Sprintf("Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601", d))
		}
		return d, nil
	}
	if d := r.Header.Get("Date"); d != "" {
		t, err := http.ParseTime(d)
		if err != nil {
			return "", incomplete(fmt.Sprintf("Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601", d))
		}
		return t.UTC().Format(basicFormat), nil
	}
	return "", incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=" + auth)
}

// checkSkew refuses a request dated further than skew from now, with AWS's
// wording, e.g. "Signature expired: 20150101T000000Z is now earlier than
// 20261126T061500Z (20261126T063000Z - 15 min.)".
func checkSkew(amzDate string, now time.Time, skew time.Duration) *Error {
	t, _ := time.Parse(basicFormat, amzDate)
	now = now.UTC()
	mins := int(skew / time.Minute)
	if earliest := now.Add(-skew); t.Before(earliest) {
		return invalid(fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - %d min.)",
			amzDate, earliest.Format(basicFormat), now.Format(basicFormat), mins))
	}
	if latest := now.Add(skew); t.After(latest) {
		return invalid(fmt.Sprintf("Signature not yet current: %s is still later than %s (%s + %d min.)",
			amzDate, latest.Format(basicFormat), now.Format(basicFormat), mins))
	}
	return nil
}

// checkSignedHeaders requires host, and every x-amz-* header the request
// carries, among the signed headers: otherwise a captured signature could
// be replayed to another host, or with another date or target.
func checkSignedHeaders(r *http.Request, signed []string) *Error {
	// Over HTTP/2 a client may sign the host as :authority, its pseudo-
	// header there (the JavaScript SDK's Kinesis client does).
	if !slices.Contains(signed, "host") && !slices.Contains(signed, ":authority") {
		return invalid("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
	}
	var unsigned []string
	for name := range r.Header {
		lower := strings.ToLower(name)
		if strings.HasPrefix(lower, "x-amz-") && !slices.Contains(signed, lower) {
			unsigned = append(unsigned, http.CanonicalHeaderKey(name))
		}
	}
	if len(unsigned) == 0 {
		return nil
	}
	sort.Strings(unsigned)
	return invalid(fmt.Sprintf("'%s' must be a 'SignedHeader' in the AWS Authorization.", unsigned[0]))
}

// checkScope checks the credential scope's region, service, terminator and
// date; AWS reports every piece that is wrong, one sentence each.
func checkScope(h Header, amzDate string, e Expect) *Error {
	var msg strings.Builder
	if h.Region != e.Region {
		fmt.Fprintf(&msg, "Credential should be scoped to a valid region, not '%s'. ", h.Region)
	}
	if h.Service != e.Service {
		fmt.Fprintf(&msg, "Credential should be scoped to correct service: '%s'. ", e.Service)
	}
	if h.Terminator != "aws4_request" {
		fmt.Fprintf(&msg, "Credential should be scoped with a valid terminator: 'aws4_request', not '%s'. ", h.Terminator)
	}
	if day := amzDate[:8]; h.Date != day {
		fmt.Fprintf(&msg, "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.", h.Date, day, amzDate)
	}
	if msg.Len() == 0 {
		return nil
	}
	return invalid(msg.String())
}

func invalid(msg string) *Error    { return &Error{"InvalidSignatureException", msg} }
func incomplete(msg string) *Error { return &Error{"IncompleteSignatureException", msg} }
