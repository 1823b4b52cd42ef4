package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"

	"github.com/spk-cli/spk/internal/errtext"
	"github.com/spk-cli/spk/internal/retry"
	"github.com/spk-cli/spk/provision"
	"github.com/spk-cli/spk/stream/consume"
	"github.com/spk-cli/spk/tasks"
)

// Exit codes, decided here and nowhere else.
const (
	ExitOK          = 0
	ExitFailure     = 1
	ExitUsage       = 2
	ExitInterrupted = 130
)

// usageError is a mistake in how spk was called: a bad flag, argument or
// configuration value. It exits 2.
type usageError struct {
	err  error
	hint string
}

func (e *usageError) Error() string    { return e.err.Error() }
func (e *usageError) Unwrap() error    { return e.err }
func (e *usageError) HintText() string { return e.hint }
func (e *usageError) ExitCode() int    { return ExitUsage }

// usagef returns a usage error with a hint on how to fix it.
func usagef(hint, format string, args ...any) error {
	return &usageError{err: fmt.Errorf(format, args...), hint: hint}
}

// exitCode maps an error to the process exit code.
func exitCode(ctx context.Context, err error) int {
	if err == nil {
		return ExitOK
	}
	if consume.LostWork(err) {
		return ExitFailure // lost work is told, however the run stopped
	}
	if errors.Is(err, context.Canceled) || ctx.Err() != nil {
		return ExitInterrupted
	}
	var coder interface{ ExitCode() int }
	if errors.As(err, &coder) {
		// Another program's exit status deep in a chain (the SDK's
		// credential_process helper, say) is not spk's to pass on; spk
		// aws passes the AWS CLI's through its own error type.
		if _, child := coder.(*exec.ExitError); !child {
			return coder.ExitCode()
		}
	}
	return ExitFailure
}

// printError writes `spk: <what failed>: <why>` and, when known, a hint
// line. It is the one place a failure is told: a failed step's line only
// says that it failed (see stepSink).
func printError(w io.Writer, err error) {
	// A child's exit status passed back: the child has said why.
	var quiet interface{ Silent() bool }
	if errors.As(err, &quiet) && quiet.Silent() {
		return
	}
	msg := errtext.Concise(err)
	// The step's name repeats what the task's own error says.
	var se *tasks.StepError
	if errors.As(err, &se) {
		msg = strings.Replace(msg, fmt.Sprintf("step %d (%s): ", se.Step, se.Name), "", 1)
	}
	if !strings.HasPrefix(msg, "spk: ") {
		msg = "spk: " + msg
	}
	fmt.Fprintln(w, msg)
	if h := hintFor(err); h != "" {
		fmt.Fprintln(w, "hint: "+h)
	}
}

// hintFor is how to fix err, when spk knows.
func hintFor(err error) string {
	if err == nil {
		return ""
	}
	var h interface{ HintText() string }
	switch {
	case errors.As(err, &h) && h.HintText() != "":
		return h.HintText()
	case retry.Expired(err):
		return retry.Hint(err) // renewing is the fix, not other keys
	case provision.IsCredentialsError(err):
		// No permission fixes keys the endpoint does not know.
		return credentialsHint
	case retry.NotAnEndpoint(err):
		return retry.NotAnEndpointHint
	case retry.Denied(err):
		return deniedHint
	}
	return ""
}

// shownError is a failure the dashboard's final report has told, with its
// hint: spk exits non-zero without a spk: line that would say it again.
type shownError struct{ err error }

func (e *shownError) Error() string { return e.err.Error() }
func (e *shownError) Unwrap() error { return e.err }
func (e *shownError) Silent() bool  { return true }

// shown marks err as told by the dashboard; nil stays nil.
func shown(err error) error {
	if err == nil {
		return nil
	}
	return &shownError{err: err}
}

// deniedHint is for an identity the service knows that may not do what
// was asked.
const deniedHint = "the credentials lack a permission this needs: grant it to the profile's user or role (the message names the action); spk doctor checks each one"

const credentialsHint = "the credentials were refused or missing: for an endpoint, export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY with the keys it expects (spk local --access-key); for AWS, check the profile; spk doctor says more"

// hinted is a failure (exit 1) with a line that tells the user what to do.
type hinted struct {
	err  error
	hint string
}

func (e *hinted) Error() string    { return e.err.Error() }
func (e *hinted) Unwrap() error    { return e.err }
func (e *hinted) HintText() string { return e.hint }

// interruptedText is all spk says when Ctrl-C (or SIGTERM) stopped work
// that had not finished: what was cut short is not a failure to explain.
const interruptedText = "spk: interrupted"

// stepSink passes task events on to a printer. A failed step's plain line
// says only "failed" (or "interrupted"): the error itself is printed once,
// as spk's last line, with its hint. JSON lines keep the error, concise.
func stepSink(ctx context.Context, print func(tasks.Event), asJSON bool) func(tasks.Event) {
	return func(e tasks.Event) {
		if e.Err != nil {
			e.Error = errtext.Concise(e.Err)
			if ctx.Err() != nil {
				e.Error = "interrupted"
			}
			if !asJSON {
				e.Detail, e.Err = "failed", nil
				if ctx.Err() != nil {
					e.Detail = "interrupted"
				}
			}
		}
		print(e)
	}
}
