package sigv4

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

const testKey, testSecret = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

var serverNow = time.Date(2026, 11, 26, 6, 30, 0, 0, time.UTC)

func expect(service string) Expect {
	return Expect{AccessKey: testKey, SecretKey: testSecret, Region: "us-east-1", Service: service, Now: serverNow, Skew: 15 * time.Minute}
}

// sdkSigned is a DynamoDB request signed by aws-sdk-go-v2's own signer.
func sdkSigned(t *testing.T, body string, service, region string, at time.Time, payloadHash string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(http.MethodPost, "http://127.0.0.1:4566/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/x-amz-json-1.0")
	r.Header.Set("X-Amz-Target", "DynamoDB_20120810.ListTables")
	if payloadHash == "" {
		sum := sha256.Sum256([]byte(body))
		payloadHash = hex.EncodeToString(sum[:])
	} else {
		r.Header.Set("X-Amz-Content-Sha256", payloadHash)
	}
	creds := aws.Credentials{AccessKeyID: testKey, SecretAccessKey: testSecret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, payloadHash, service, region, at); err != nil {
		t.Fatal(err)
	}
	return r
}

// handSigned signs r correctly over only the headers named, as a client
// that leaves some out would.
func handSigned(t *testing.T, body string, signed []string) *http.Request {
	t.Helper()
	r, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:4566/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-amz-json-1.0")
	r.Header.Set("X-Amz-Target", "DynamoDB_20120810.ListTables")
	amzDate := serverNow.Format(basicFormat)
	r.Header.Set("X-Amz-Date", amzDate)
	sum := sha256.Sum256([]byte(body))
	crHash := sha256.Sum256([]byte(canonicalPrefix(r, signed) + hex.EncodeToString(sum[:])))
	scope := amzDate[:8] + "/us-east-1/dynamodb/aws4_request"
	key := hmacSHA256([]byte("AWS4"+testSecret), amzDate[:8])
	for _, p := range []string{"us-east-1", "dynamodb", "aws4_request"} {
		key = hmacSHA256(key, p)
	}
	sig := hex.EncodeToString(hmacSHA256(key, algorithm+"\n"+amzDate+"\n"+scope+"\n"+hex.EncodeToString(crHash[:])))
	r.Header.Set("Authorization", algorithm+" Credential="+testKey+"/"+scope+", SignedHeaders="+strings.Join(signed, ";")+", Signature="+sig)
	return r
}

// verify runs both steps as the server does: Check from the headers, then
// Verify with the hash of the body that arrives.
func verify(r *http.Request, e Expect, body string) *Error {
	p, err := Check(r, e)
	if err != nil {
		return err
	}
	return p.Verify(sha256.Sum256([]byte(body)))
}

func TestSDKSignaturesAccepted(t *testing.T) {
	const body = `{"Limit":1}`
	for _, c := range []struct {
		name string
		at   time.Time
	}{
		{"now", serverNow},
		{"14 minutes old", serverNow.Add(-14 * time.Minute)},
		{"14 minutes ahead", serverNow.Add(14 * time.Minute)},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := verify(sdkSigned(t, body, "dynamodb", "us-east-1", c.at, ""), expect("dynamodb"), body); err != nil {
				t.Fatalf("refused: %v", err)
			}
		})
	}
	t.Run("payload hash header", func(t *testing.T) {
		sum := sha256.Sum256([]byte(body))
		if err := verify(sdkSigned(t, body, "dynamodb", "us-east-1", serverNow, hex.EncodeToString(sum[:])), expect("dynamodb"), body); err != nil {
			t.Fatalf("refused: %v", err)
		}
	})
	t.Run("hand signed over host and x-amz-*", func(t *testing.T) {
		r := handSigned(t, body, []string{"content-type", "host", "x-amz-date", "x-amz-target"})
		if err := verify(r, expect("dynamodb"), body); err != nil {
			t.Fatalf("refused: %v", err)
		}
	})
}

func TestBrokenSignaturesRefused(t *testing.T) {
	const body = `{"Limit":1}`
	cases := []struct {
		name    string
		req     func(t *testing.T) *http.Request
		service string
		body    string // the body that arrives; the signed one when empty
		want    *Error
	}{
		{"20 minutes old", func(t *testing.T) *http.Request {
			return sdkSigned(t, body, "dynamodb", "us-east-1", serverNow.Add(-20*time.Minute), "")
		}, "dynamodb", "", invalid("Signature expired: 20261126T061000Z is now earlier than 20261126T061500Z (20261126T063000Z - 15 min.)")},
		{"from 2015", func(t *testing.T) *http.Request {
			return sdkSigned(t, body, "dynamodb", "us-east-1", time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC), "")
		}, "dynamodb", "", invalid("Signature expired: 20150101T000000Z is now earlier than 20261126T061500Z (20261126T063000Z - 15 min.)")},
		{"a year ahead", func(t *testing.T) *http.Request {
			return sdkSigned(t, body, "dynamodb", "us-east-1", serverNow.AddDate(1, 0, 0), "")
		}, "dynamodb", "", invalid("Signature not yet current: 20271126T063000Z is still later than 20261126T064500Z (20261126T063000Z + 15 min.)")},
		{"scoped to kinesis", func(t *testing.T) *http.Request {
			return sdkSigned(t, body, "kinesis", "us-east-1", serverNow, "")
		}, "dynamodb", "", invalid("Credential should be scoped to correct service: 'dynamodb'. ")},
		{"scoped to another region", func(t *testing.T) *http.Request {
			return sdkSigned(t, body, "dynamodb", "eu-west-1", serverNow, "")
		}, "dynamodb", "", invalid("Credential should be scoped to a valid region, not 'eu-west-1'. ")},
		{"host unsigned", func(t *testing.T) *http.Request {
			r := handSigned(t, body, []string{"content-type", "x-amz-date", "x-amz-target"})
			r.Host = "evil.example"
			return r
		}, "dynamodb", "", invalid("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")},
		{"x-amz-date unsigned", func(t *testing.T) *http.Request {
			return handSigned(t, body, []string{"content-type", "host", "x-amz-target"})
		}, "dynamodb", "", invalid("'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.")},
		{"x-amz-target unsigned", func(t *testing.T) *http.Request {
			return handSigned(t, body, []string{"content-type", "host", "x-amz-date"})
		}, "dynamodb", "", invalid("'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization.")},
		{"UNSIGNED-PAYLOAD", func(t *testing.T) *http.Request {
			return sdkSigned(t, body, "dynamodb", "us-east-1", serverNow, "UNSIGNED-PAYLOAD")
		}, "dynamodb", "", ErrMismatch},
		{"tampered body", func(t *testing.T) *http.Request {
			return sdkSigned(t, body, "dynamodb", "us-east-1", serverNow, "")
		}, "dynamodb", `{"Limit":100}`, ErrMismatch},
		{"unknown key", func(t *testing.T) *http.Request {
			r := sdkSigned(t, body, "dynamodb", "us-east-1", serverNow, "")
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), testKey, "AKIAOTHER", 1))
			return r
		}, "dynamodb", "", ErrUnknownKey},
		{"scope date not the request's", func(t *testing.T) *http.Request {
			r := sdkSigned(t, body, "dynamodb", "us-east-1", serverNow, "")
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "/20261126/", "/20261125/", 1))
			return r
		}, "dynamodb", "", invalid("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20261125' != '20261126', from '20261126T063000Z'.")},
		{"no date", func(t *testing.T) *http.Request {
			r := sdkSigned(t, body, "dynamodb", "us-east-1", serverNow, "")
			r.Header.Del("X-Amz-Date")
			return r
		}, "dynamodb", "", nil},
		{"date not basic format", func(t *testing.T) *http.Request {
			r := sdkSigned(t, body, "dynamodb", "us-east-1", serverNow, "")
			r.Header.Set("X-Amz-Date", "2026-11-26")
			return r
		}, "dynamodb", "", incomplete("Date must be in ISO-8601 'basic format'. Got '2026-11-26'. See http://en.wikipedia.org/wiki/ISO_8601")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := c.req(t)
			arrives := c.body
			if arrives == "" {
				arrives = body
			}
			want := c.want
			if want == nil { // "no date": the message quotes the Authorization header
				want = incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=" + r.Header.Get("Authorization"))
			}
			err := verify(r, expect(c.service), arrives)
			if err == nil || *err != *want {
				t.Fatalf("got %v\nwant %v", err, want)
			}
		})
	}
}

// Kinesis allows five minutes of skew, as AWS does.
func TestKinesisSkew(t *testing.T) {
	const body = `{}`
	e := expect("kinesis")
	e.Skew = 5 * time.Minute
	r := sdkSigned(t, body, "kinesis", "us-east-1", serverNow.Add(-6*time.Minute), "")
	want := invalid("Signature expired: 20261126T062400Z is now earlier than 20261126T062500Z (20261126T063000Z - 5 min.)")
	if err := verify(r, e, body); err == nil || *err != *want {
		t.Fatalf("got %v, want %v", err, want)
	}
}

// Check decides from the headers alone: a refused request needs no body.
func TestCheckReadsNoBody(t *testing.T) {
	r := sdkSigned(t, "{}", "kinesis", "us-east-1", serverNow, "")
	r.Body = bodyThatFails{t}
	if _, err := Check(r, expect("dynamodb")); err == nil {
		t.Fatal("a wrong scope passed Check")
	}
	if _, err := Check(sdkSigned(t, "{}", "dynamodb", "us-east-1", serverNow, ""), expect("dynamodb")); err != nil {
		t.Fatal(err)
	}
}

type bodyThatFails struct{ t *testing.T }

func (b bodyThatFails) Read([]byte) (int, error) { b.t.Fatal("Check read the body"); return 0, nil }
func (b bodyThatFails) Close() error             { return nil }

// TestSessionTokenRefused: spk local's keys are long-term; a request that
// carries a session token, signed or not, is refused as AWS refuses a
// token it did not issue.
func TestSessionTokenRefused(t *testing.T) {
	const body = `{"Limit":1}`
	r, err := http.NewRequest(http.MethodPost, "http://127.0.0.1:4566/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/x-amz-json-1.0")
	r.Header.Set("X-Amz-Target", "DynamoDB_20120810.ListTables")
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: testKey, SecretAccessKey: testSecret, SessionToken: "FQoGZXIvYXdzEXAMPLE"}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, hex.EncodeToString(sum[:]), "dynamodb", "us-east-1", serverNow); err != nil {
		t.Fatal(err)
	}
	if err := verify(r, expect("dynamodb"), body); err != ErrUnknownKey {
		t.Fatalf("a request with a session token: %v, want %v", err, ErrUnknownKey)
	}
}

// TestPathsSignedAsTheSDKsEncodeThem: behind a proxy the endpoint may have
// a path; SigV4 encodes it twice for these services, as the SDKs sign it.
func TestPathsSignedAsTheSDKsEncodeThem(t *testing.T) {
	const body = `{"Limit":1}`
	for _, path := range []string{"/prefix", "/a:b", "/a%20b", "/x/y.z~_-"} {
		r, err := http.NewRequest(http.MethodPost, "http://127.0.0.1:4566"+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		r.Header.Set("Content-Type", "application/x-amz-json-1.0")
		r.Header.Set("X-Amz-Target", "DynamoDB_20120810.ListTables")
		sum := sha256.Sum256([]byte(body))
		if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: testKey, SecretAccessKey: testSecret}, r, hex.EncodeToString(sum[:]), "dynamodb", "us-east-1", serverNow); err != nil {
			t.Fatal(err)
		}
		if err := verify(r, expect("dynamodb"), body); err != nil {
			t.Errorf("path %s refused: %v", path, err)
		}
	}
}
