// Package errtext turns errors into the one line a user reads.
package errtext

import (
	"errors"
	"strings"

	"github.com/aws/smithy-go"
)

// Concise is err's text with the AWS SDK's "operation error Kinesis:
// PutRecord, https response error StatusCode: 400, RequestID: …, " chain
// replaced by the service's own code and message, which is what a user can
// act on. Other errors read as they are.
func Concise(err error) string {
	if err == nil {
		return ""
	}
	msg := err.Error()
	var op *smithy.OperationError
	if !errors.As(err, &op) {
		return msg
	}
	var api smithy.APIError
	if errors.As(op.Err, &api) {
		return strings.Replace(msg, op.Error(), api.ErrorCode()+": "+api.ErrorMessage(), 1)
	}
	return msg
}
