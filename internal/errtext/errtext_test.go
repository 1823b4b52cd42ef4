package errtext

import (
	"errors"
	"fmt"
	"testing"

	"github.com/aws/smithy-go"
)

func TestConcise(t *testing.T) {
	api := &smithy.GenericAPIError{Code: "ResourceNotFoundException", Message: "Stream nope under account 000000000000 not found."}
	op := &smithy.OperationError{ServiceID: "Kinesis", OperationName: "DescribeStream", Err: fmt.Errorf("https response error StatusCode: 400, RequestID: abc, %w", api)}
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"nil", nil, ""},
		{"plain", errors.New("disk full"), "disk full"},
		{"wrapped SDK error", fmt.Errorf("describe stream %q: %w", "nope", op), `describe stream "nope": ResourceNotFoundException: Stream nope under account 000000000000 not found.`},
		{"SDK error without an API error", &smithy.OperationError{ServiceID: "Kinesis", OperationName: "ListStreams", Err: errors.New("dial tcp: refused")}, "operation error Kinesis: ListStreams, dial tcp: refused"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Concise(c.err); got != c.want {
				t.Fatalf("got  %q\nwant %q", got, c.want)
			}
		})
	}
}
