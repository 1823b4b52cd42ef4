// Package sigv4 verifies AWS Signature Version 4 Authorization headers on
// incoming requests.
package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
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

// Errors returned by Verify.
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
	if len(parts) < 5 || parts[len(parts)-1] != "aws4_request" {
		return Header{}, ErrMalformed
	}
	n := len(parts)
	h.AccessKey = strings.Join(parts[:n-4], "/")
	h.Date, h.Region, h.Service = parts[n-4], parts[n-3], parts[n-2]
	return h, nil
}

// Verify checks r's signature (body is the request body already read)
// against the only accepted key pair.
func Verify(r *http.Request, body []byte, accessKey, secretKey string) *Error {
	h, err := Parse(r.Header.Get("Authorization"))
	if err != nil {
		return err
	}
	if h.AccessKey != accessKey {
		return ErrUnknownKey
	}
	amzDate := r.Header.Get("X-Amz-Date")
	if amzDate == "" || !strings.HasPrefix(amzDate, h.Date) {
		return ErrMismatch
	}
	payloadHash := r.Header.Get("X-Amz-Content-Sha256")
	if payloadHash == "" {
		sum := sha256.Sum256(body)
		payloadHash = hex.EncodeToString(sum[:])
	} else if payloadHash != "UNSIGNED-PAYLOAD" {
		sum := sha256.Sum256(body)
		if payloadHash != hex.EncodeToString(sum[:]) {
			return ErrMismatch
		}
	}
	canonical := canonicalRequest(r, h.SignedHeaders, payloadHash)
	scope := h.Date + "/" + h.Region + "/" + h.Service + "/aws4_request"
	crHash := sha256.Sum256([]byte(canonical))
	stringToSign := algorithm + "\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(crHash[:])
	key := hmacSHA256([]byte("AWS4"+secretKey), h.Date)
	key = hmacSHA256(key, h.Region)
	key = hmacSHA256(key, h.Service)
	key = hmacSHA256(key, "aws4_request")
	want := hex.EncodeToString(hmacSHA256(key, stringToSign))
	if !hmac.Equal([]byte(want), []byte(h.Signature)) {
		return ErrMismatch
	}
	return nil
}

func canonicalRequest(r *http.Request, signed []string, payloadHash string) string {
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	path := r.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	b.WriteString(path)
	b.WriteByte('\n')
	b.WriteString(canonicalQuery(r.URL.Query()))
	b.WriteByte('\n')
	for _, name := range signed {
		b.WriteString(name)
		b.WriteByte(':')
		var vals []string
		if name == "host" {
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
	b.WriteString(payloadHash)
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
