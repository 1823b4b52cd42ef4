// Package errtext turns errors into the one line a user reads.
package errtext

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/url"
	"strings"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Concise is err's text with the AWS SDK's "operation error Kinesis:
// PutRecord, https response error StatusCode: 400, RequestID: …, " chain
// replaced by what a user can act on: the service's own error code and
// message, or for a request that never got an answer "cannot reach the
// endpoint at URL: connection refused". What spk was doing (the text
// wrapped around the SDK's error) is kept. Other errors read as they are.
func Concise(err error) string {
	if err == nil {
		return ""
	}
	msg := err.Error()
	var op *smithy.OperationError
	if !errors.As(err, &op) {
		return msg
	}
	return strings.Replace(msg, op.Error(), SDKCause(op.Err), 1)
}

// SDKCause is why an SDK operation failed, in a few words.
func SDKCause(err error) string {
	var api smithy.APIError
	var ue *url.Error
	switch {
	case errors.As(err, &api):
		if api.ErrorMessage() == "" {
			return api.ErrorCode()
		}
		return api.ErrorCode() + ": " + api.ErrorMessage()
	case errors.Is(err, context.Canceled):
		return "interrupted"
	case errors.As(err, &ue):
		return (&UnreachableError{URL: origin(ue.URL), Err: ue.Err}).Error()
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	}
	return unwrapSDK(err).Error()
}

// Transport says in a few words why a connection failed or broke:
// "connection refused", "no such host example.invalid", "timed out".
func Transport(err error) string {
	var dns *net.DNSError
	var unknownCA x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var certInvalid x509.CertificateInvalidError
	var tlsRecord tls.RecordHeaderError
	var netErr net.Error
	switch {
	case isErrno(err, syscall.ECONNREFUSED, wsaConnRefused):
		return "connection refused"
	case isErrno(err, syscall.ECONNRESET, wsaConnReset):
		return "connection reset by the endpoint"
	case isErrno(err, syscall.EHOSTUNREACH, wsaHostUnreach), isErrno(err, syscall.ENETUNREACH, wsaNetUnreach):
		return "no route to the host"
	case errors.As(err, &dns):
		if dns.IsNotFound {
			return "no such host " + dns.Name
		}
		return "cannot resolve " + dns.Name + ": " + dns.Err
	case errors.As(err, &unknownCA):
		return "its TLS certificate is signed by an unknown authority"
	case errors.As(err, &hostname):
		return "its TLS certificate is not valid for " + hostname.Host
	case errors.As(err, &certInvalid):
		return "its TLS certificate is not valid: " + certInvalid.Error()
	case errors.As(err, &tlsRecord), strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		// net/http words the record header's error itself.
		return "it does not speak TLS (use http:// in the endpoint URL)"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the endpoint closed the connection"
	case errors.As(err, &netErr) && netErr.Timeout():
		return "timed out"
	}
	return innermost(err).Error()
}

// origin is scheme://host of a request URL: the endpoint, without a path.
func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw
	}
	return u.Scheme + "://" + u.Host
}

// unwrapSDK skips the SDK's retry and transport wrappers ("exceeded
// maximum number of attempts, 3, https response error StatusCode: 0,
// RequestID: , request send failed, ...") down to the error they carry.
func unwrapSDK(err error) error {
	for {
		switch e := err.(type) {
		case *retry.MaxAttemptsError:
			err = e.Err
		case *awshttp.ResponseError:
			err = e.Err
		case *smithyhttp.ResponseError:
			err = e.Err
		case *smithyhttp.RequestSendError:
			err = e.Err
		default:
			return err
		}
	}
}

// innermost unwraps err to the error at the bottom of a single chain, whose
// text has no wrappers' prefixes.
func innermost(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

// UnreachableError is a request or connection that never got an answer
// from the endpoint at URL.
type UnreachableError struct {
	URL string // the endpoint, scheme://host
	Err error
}

func (e *UnreachableError) Error() string {
	return "cannot reach the endpoint at " + e.URL + ": " + e.Reason()
}

// Reason is why, in a few words: "connection refused".
func (e *UnreachableError) Reason() string { return Transport(e.Err) }
func (e *UnreachableError) Unwrap() error  { return e.Err }

// isErrno reports whether err is the system error errno, or on Windows,
// whose sockets answer in their own numbers (WSAECONNREFUSED and the
// like) that syscall's portable names do not match, wsa.
func isErrno(err error, errno syscall.Errno, wsa syscall.Errno) bool {
	return errors.Is(err, errno) || wsa != 0 && errors.Is(err, wsa)
}
