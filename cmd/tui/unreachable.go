package tui

import (
	"context"
	"errors"
	"net"
	"time"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// endpointDown reports whether err says that nothing answered: the request
// could not be sent (refused, reset, a dial that failed), or no answer came
// within the read's time (results.PollReadTimeout), as opposed to an error
// the endpoint itself returned.
func endpointDown(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		return false
	}
	var send *smithyhttp.RequestSendError
	var op *net.OpError
	return errors.As(err, &send) || errors.As(err, &op)
}

// outage is what the dashboard knows of the endpoint's health, from the
// table reads it is sent: the polls are its only view of the endpoint.
type outage struct {
	since    time.Time // first failed read of the current outage; zero: reachable
	lastGood time.Time // the last read that worked
}

func (o *outage) down() bool { return !o.since.IsZero() }

// read takes one poll's outcome: ok when a read worked, else the errors.
// at is when the read finished (now when unknown). It reports whether the
// endpoint's state changed.
func (o *outage) read(at time.Time, ok bool, errs ...error) bool {
	if at.IsZero() {
		at = time.Now()
	}
	if ok {
		o.lastGood = at
		if o.down() {
			o.since = time.Time{}
			return true
		}
		return false
	}
	for _, err := range errs {
		if endpointDown(err) {
			if !o.down() {
				o.since = at
				return true
			}
			return false
		}
	}
	return false
}

// clock writes a time of day as the dashboard shows it.
func clock(t time.Time) string { return t.Format("15:04:05") }
