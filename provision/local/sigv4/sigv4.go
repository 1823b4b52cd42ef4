// Package sigv4 verifies AWS Signature Version 4 Authorization headers on
// incoming requests, in two steps: Check decides everything the headers
// alone decide (key, credential scope, date, signed headers) before any of
// the body is read, and the Pending it returns verifies the signature once
// the body's SHA-256 is known, so a refused request costs no body read.
package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

const algorithm = "AWS4-HMAC-SHA256"

// Error is a refused signature: Code is the AWS error type and Message its
// AWS wording.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errors returned by Parse, Check and Verify.
var (
	ErrMissing    = &Error{"MissingAuthenticationTokenException", "Missing Authentication Token"}
	ErrUnknownKey = &Error{"UnrecognizedClientException", "The security token included in the request is invalid."}
	ErrMismatch   = &Error{"InvalidSignatureException", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."}
	ErrMalformed  = &Error{"IncompleteSignatureException", "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters."}
)

// Header is a parsed SigV4 Authorization header.
type Header struct {
	AccessKey     string
	Date          string // yyyymmdd from the credential scope
	Region        string
	Service       string
	Terminator    string // "aws4_request" when well formed
	SignedHeaders []string
	Signature     string
}

// Parse parses an Authorization header value.
func Parse(auth string) (Header, *Error) {
	if auth == "" {
		return Header{}, ErrMissing
	}
	rest, ok := strings.CutPrefix(auth, algorithm+" ")
	if !ok {
		return Header{}, ErrMalformed
	}
	var h Header
	var cred string
	for part := range strings.SplitSeq(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return Header{}, ErrMalformed
		}
		switch k {
		case "Credential":
			cred = v
		case "SignedHeaders":
			h.SignedHeaders = strings.Split(v, ";")
		case "Signature":
			h.Signature = v
		}
	}
	if cred == "" || h.Signature == "" || len(h.SignedHeaders) == 0 {
		return Header{}, ErrMalformed
	}
	// The access key may itself contain '/', so take the scope from the right.
	parts := strings.Split(cred, "/")
	if len(parts) < 5 {
		return Header{}, ErrMalformed
	}
	n := len(parts)
	h.AccessKey = strings.Join(parts[:n-4], "/")
	h.Date, h.Region, h.Service, h.Terminator = parts[n-4], parts[n-3], parts[n-2], parts[n-1]
	return h, nil
}

// Pending is a request whose headers passed Check; Verify finishes the
// check once the body has been read.
type Pending struct {
	canonical   string // the canonical request up to the payload hash
	amzDate     string
	scope       string
	key         []byte
	signature   string
	claimedHash string // x-amz-content-sha256, when sent
}

// Verify checks the signature against the body's SHA-256. The payload hash
// in the canonical request is always the body's own, as AWS computes it: a
// client that signed UNSIGNED-PAYLOAD, or another body, does not match.
func (p *Pending) Verify(bodySHA256 [32]byte) *Error {
	payloadHash := hex.EncodeToString(bodySHA256[:])
	if p.claimedHash != "" && p.claimedHash != payloadHash {
		return ErrMismatch
	}
	crHash := sha256.Sum256([]byte(p.canonical + payloadHash))
	stringToSign := algorithm + "\n" + p.amzDate + "\n" + p.scope + "\n" + hex.EncodeToString(crHash[:])
	want := hex.EncodeToString(hmacSHA256(p.key, stringToSign))
	if !hmac.Equal([]byte(want), []byte(p.signature)) {
		return ErrMismatch
	}
	return nil
}

func canonicalPrefix(r *http.Request, signed []string) string {
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	path := r.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	b.WriteString(escapePath(path))
	b.WriteByte('\n')
	b.WriteString(canonicalQuery(r.URL.Query()))
	b.WriteByte('\n')
	for _, name := range signed {
		b.WriteString(name)
		b.WriteByte(':')
		var vals []string
		if name == "host" || name == ":authority" {
			vals = []string{r.Host}
		} else {
			vals = r.Header.Values(name)
			if name == "content-length" && len(vals) == 0 {
				vals = []string{itoa(r.ContentLength)}
			}
		}
		for i, v := range vals {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strings.Join(strings.Fields(v), " "))
		}
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(signed, ";"))
	b.WriteByte('\n')
	return b.String()
}

func canonicalQuery(q url.Values) string {
	if len(q) == 0 {
		return ""
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		vs := append([]string(nil), q[k]...)
		sort.Strings(vs)
		for _, v := range vs {
			parts = append(parts, escape(k)+"="+escape(v))
		}
	}
	return strings.Join(parts, "&")
}

func escape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

func itoa(n int64) string {
	if n < 0 {
		return ""
	}
	var buf [20]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	return string(buf[i:])
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// escapePath is the canonical URI of an escaped path, as SigV4 has it for
// every service but S3: each byte but the unreserved ones and '/' encoded
// once more, so the path is encoded twice (":" is "%3A", "%20" "%2520").
func escapePath(path string) string {
	var b strings.Builder
	for i := 0; i < len(path); i++ {
		c := path[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' || c == '/' {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}
