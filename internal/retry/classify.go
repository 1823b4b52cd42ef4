// Package retry is spk's policy for AWS calls that fail: which errors are
// worth another attempt (classified with the AWS SDK's own retry checks),
// capped exponential backoff with jitter, and a log line per streak of
// failures rather than per attempt.
package retry

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsretry "github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
)

// serverCodes are error codes of a service's own trouble that the SDK's
// checks recognise by their 5xx status only; some endpoints send them with
// another status.
var serverCodes = map[string]struct{}{
	"InternalFailure":             {},
	"InternalServerError":         {},
	"InternalError":               {},
	"ServiceUnavailable":          {},
	"ServiceUnavailableException": {},
	"KMSThrottlingException":      {},
}

// transient is the SDK's default retry checks (cancelled requests never,
// connection errors, 500/502/503/504, timeouts and throttling codes), then
// any other 5xx and the server codes above.
var transient = awsretry.IsErrorRetryables(append(append([]awsretry.IsErrorRetryable{}, awsretry.DefaultRetryables...),
	awsretry.IsErrorRetryableFunc(func(err error) aws.Ternary {
		var status interface{ HTTPStatusCode() int }
		if errors.As(err, &status) && status.HTTPStatusCode() >= 500 {
			return aws.TrueTernary
		}
		return aws.UnknownTernary
	}),
	awsretry.RetryableErrorCode{Codes: serverCodes},
))

// Transient reports whether err is worth another attempt: the endpoint is
// overloaded, throttling, failing inside, or the connection broke. An error
// the SDK gave up on after its own attempts (MaxAttemptsError, an exhausted
// retry quota) is judged by the error underneath.
func Transient(err error) bool {
	if err == nil || Permanent(err) {
		return false
	}
	return transient.IsErrorRetryable(err) == aws.TrueTernary
}

// permanentCodes are refusals that no number of attempts changes: the
// credentials, a missing resource, an invalid request.
var permanentCodes = map[string]kind{
	"AccessDeniedException":               auth,
	"AccessDenied":                        auth,
	"UnrecognizedClientException":         auth,
	"InvalidSignatureException":           auth,
	"SignatureDoesNotMatch":               auth,
	"IncompleteSignature":                 auth,
	"IncompleteSignatureException":        auth,
	"MissingAuthenticationToken":          auth,
	"MissingAuthenticationTokenException": auth,
	"InvalidClientTokenId":                auth,
	"ExpiredToken":                        expired,
	"ExpiredTokenException":               expired,
	"ResourceNotFoundException":           notFound,
	"ValidationException":                 invalid,
	"InvalidArgumentException":            invalid,
	"SerializationException":              invalid,
	"KMSAccessDeniedException":            kms,
	"KMSDisabledException":                kms,
	"KMSNotFoundException":                kms,
	"KMSInvalidStateException":            kms,
	"KMSOptInRequired":                    kms,
}

type kind int

const (
	none kind = iota
	auth
	expired
	notFound
	invalid
	kms
	marked
	notEndpoint
	tlsRefused
	unsupported
	quota
	accountQuota
)

func kindOf(err error) kind {
	if err == nil {
		return none
	}
	var m *permanentError
	if errors.As(err, &m) {
		return marked
	}
	if k := unanswerable(err); k != none {
		return k
	}
	if TLSMismatch(err) {
		return tlsRefused
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		if api.ErrorCode() == "LimitExceededException" && strings.Contains(api.ErrorMessage(), "maximum") {
			// A request above a fixed maximum (DynamoDB's "The requested
			// ReadCapacityUnits, N, is above the per table maximum"), not
			// the throttling the same code also means.
			return quota
		}
		if api.ErrorCode() == "LimitExceededException" && strings.Contains(api.ErrorMessage(), "tables per subscriber") {
			// DynamoDB's tables per account and region ("There is a limit
			// of 2500 tables per subscriber"), which no wait lifts; the
			// same code's "Only 10 tables can be created, updated, or
			// deleted simultaneously" does pass.
			return accountQuota
		}
		return permanentCodes[api.ErrorCode()]
	}
	return none
}

// unanswerable classifies answers that no attempt will change: an error
// status whose body the SDK could not read, other than a server's or a
// proxy's passing trouble (500, 502, 503, 504), is not an AWS API's (a web
// server's HTML page, say): notEndpoint; 501 Not Implemented is an
// endpoint without the operation: unsupported. Retrying either only makes
// the user wait. (A 2xx body that could not be read is a connection cut
// short, which the SDK's own checks retry.)
func unanswerable(err error) kind {
	var status interface{ HTTPStatusCode() int }
	if !errors.As(err, &status) {
		return none
	}
	code := status.HTTPStatusCode()
	var de *smithy.DeserializationError
	switch {
	case errors.As(err, &de) && code >= 300 && code != 500 && code != 502 && code != 503 && code != 504:
		return notEndpoint
	case code == 501:
		return unsupported
	}
	return none
}

// TLSMismatch reports a TLS connection that cannot succeed however often it
// is tried: an endpoint that does not speak TLS, or a certificate the
// client does not trust or that is not for the host. (The transient
// checks take them for connection errors.)
func TLSMismatch(err error) bool {
	var (
		record   tls.RecordHeaderError
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
	)
	return errors.As(err, &record) || errors.As(err, &unknown) || errors.As(err, &hostname) || errors.As(err, &invalid) ||
		strings.Contains(err.Error(), "server gave HTTP response to HTTPS client")
}

// Permanent reports whether err is a refusal that retrying cannot change:
// access denied or unknown credentials, a resource that does not exist, an
// invalid request, an answer no AWS API gives, or an error marked with
// Refuse.
func Permanent(err error) bool { return kindOf(err) != none }

// NotFound reports whether err says the resource does not exist.
func NotFound(err error) bool { return kindOf(err) == notFound }

// NotAnEndpoint reports whether err is an answer that no Kinesis or
// DynamoDB API gives: the endpoint is something else.
func NotAnEndpoint(err error) bool { return kindOf(err) == notEndpoint }

// Expired reports whether err refuses credentials whose time is up.
func Expired(err error) bool { return kindOf(err) == expired }

// Denied reports whether err refuses the caller: access denied, or
// credentials the service does not know or accept.
func Denied(err error) bool { return kindOf(err) == auth }

// Hint says how to fix a permanent error, or "" when the caller knows
// better (a missing resource, a marked error) or err is not permanent.
func Hint(err error) string {
	switch kindOf(err) {
	case auth:
		return "check the credentials (the profile, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) and that they may use this Kinesis stream and these DynamoDB tables"
	case expired:
		return "the credentials expired: renew them (aws sso login, or new session keys) and start again"
	case invalid:
		return "the service refused the request as invalid: check the stream, table and view settings"
	case kms:
		return "the stream's encryption key cannot be used: check the KMS key and its permissions"
	case notEndpoint:
		return NotAnEndpointHint
	case tlsRefused:
		return "the endpoint's TLS cannot work as given: use http:// for spk local (it serves plain HTTP), or give an https endpoint's certificate authority with AWS_CA_BUNDLE"
	case unsupported:
		return "the endpoint does not implement this operation: use spk local or AWS, or another endpoint that has it"
	case quota:
		return "the request is above the service's maximum: ask for less (a smaller --provisioned, say), or have the quota raised"
	case accountQuota:
		return "the account has as many tables as its quota allows in this region: delete tables it no longer needs, or have the quota raised (Service Quotas)"
	}
	return ""
}

// permanentError marks an error that must not be retried.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// RetryableError tells the SDK's checks (and so Transient) not to retry.
func (e *permanentError) RetryableError() bool { return false }

// Refuse marks err as permanent: Transient is false and Permanent true for
// it and for any error that wraps it. Its text is err's.
func Refuse(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err: err}
}

// NotAnEndpointHint is how to fix an endpoint that is not one.
const NotAnEndpointHint = "the endpoint's answer is not a Kinesis or DynamoDB API's: check that --endpoint-url (or AWS_ENDPOINT_URL) names spk local, AWS or another Kinesis and DynamoDB endpoint"
