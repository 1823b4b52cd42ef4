package ddbtable

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/spk-cli/spk/internal/retry"
)

// DynamoDB is the part of the DynamoDB API Ensure uses.
type DynamoDB interface {
	CreateTable(context.Context, *dynamodb.CreateTableInput, ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error)
	DescribeTable(context.Context, *dynamodb.DescribeTableInput, ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
	TagResource(context.Context, *dynamodb.TagResourceInput, ...func(*dynamodb.Options)) (*dynamodb.TagResourceOutput, error)
	ListTagsOfResource(context.Context, *dynamodb.ListTagsOfResourceInput, ...func(*dynamodb.Options)) (*dynamodb.ListTagsOfResourceOutput, error)
}

// Options are what Ensure reports to.
type Options struct {
	// Progress receives a line when a table is waited for; nil says nothing.
	Progress func(msg string)
	// Log receives retries of transient errors; nil logs nothing.
	Log *slog.Logger
}

// Outcome says what Ensure found and did for one table.
type Outcome struct {
	Created bool   // spk created it now
	Note    string // e.g. "already exists with the right key schema and is ACTIVE"
}

// Error is a table that could not be made ready: what was being done, why,
// and how to fix it when spk knows.
type Error struct {
	Op   string
	Err  error
	Hint string
}

func (e *Error) Error() string {
	if e.Op == "" { // the error says it all
		return e.Err.Error()
	}
	return e.Op + ": " + e.Err.Error()
}
func (e *Error) Unwrap() error    { return e.Err }
func (e *Error) HintText() string { return e.Hint }

// Ensure makes every table of specs exist with its keys and be ACTIVE, and
// returns an Outcome per spec. Every table is read first, all at once, and
// a table with other keys is refused (a *MismatchError with the spec's Fix
// as hint) before any table is created, so a refusal leaves nothing
// half-made. The missing tables are then created and waited for all at
// once: a table DELETING is waited out and made again, one created meanwhile
// by another worker is checked, and one spk created is tagged with the
// spec's App. Transient errors are retried call by call with the start-up
// policy, so a retry never skips what a failed call left undone. The first
// failure in the order of specs is returned, once every table is done.
func Ensure(ctx context.Context, db DynamoDB, specs []Spec, opts Options) ([]Outcome, error) {
	e := ensurer{db: db, opts: opts, poll: pollFor(db)}
	found := make([]*types.TableDescription, len(specs))
	errs := make([]error, len(specs))
	each(len(specs), func(i int) { found[i], errs[i] = e.describe(ctx, specs[i]) })
	for i, spec := range specs {
		if errs[i] != nil {
			return nil, errs[i]
		}
		if t := found[i]; t != nil && t.TableStatus != types.TableStatusDeleting {
			if m := spec.mismatch(t); m != nil {
				return nil, e.refuse(spec, m)
			}
		}
	}
	// A table of another stream is refused too: the two streams' shard
	// ids would collide in its watermarks and lose counts. So is one a view
	// of another shape wrote: its rows and the view's would be mixed up.
	adopt := make([]func(), len(specs))
	each(len(specs), func(i int) { adopt[i], errs[i] = e.checkTags(ctx, specs[i], found[i]) })
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	// Tags are added only once every table passed: a refusal changes none.
	for _, f := range adopt {
		if f != nil {
			f()
		}
	}
	outs := make([]Outcome, len(specs))
	each(len(specs), func(i int) { outs[i], errs[i] = e.ready(ctx, specs[i], found[i]) })
	for _, err := range errs {
		if err != nil {
			return outs, err
		}
	}
	return outs, nil
}

// each runs f(0..n-1) at once and waits for all.
func each(n int, f func(i int)) {
	if n == 1 { // the usual single table needs no goroutine
		f(0)
		return
	}
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() { defer wg.Done(); f(i) }()
	}
	wg.Wait()
}

type ensurer struct {
	db   DynamoDB
	opts Options
	poll pollDelays
	mu   sync.Mutex // one progress line at a time
}

func (e *ensurer) say(format string, args ...any) {
	if e.opts.Progress != nil {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.opts.Progress(fmt.Sprintf(format, args...))
	}
}

func op(spec Spec) string { return fmt.Sprintf("create %s %q", spec.Kind, spec.Name) }

func (e *ensurer) fail(spec Spec, err error) error {
	var g *retry.GaveUpError
	if errors.As(err, &g) { // its text says what was being done
		return &Error{Err: err}
	}
	return &Error{Op: op(spec), Err: err, Hint: retry.Hint(err)}
}

func (e *ensurer) refuse(spec Spec, m *MismatchError) error {
	return &Error{Op: op(spec), Err: retry.Refuse(m), Hint: spec.Fix}
}

// checkTags refuses t, as described (nil: missing), when its spk-stream
// tag names another stream than spec's, or its spk-view-shape tag another
// shape. A table without the tags (made by hand, by create-table or by an
// older spk, or still CREATING), or whose tags spk may not read, is taken;
// an ACTIVE one of the app's is to be given the shape (adopt, which the
// caller runs once every table passed), so that the next view of another
// shape is refused.
func (e *ensurer) checkTags(ctx context.Context, spec Spec, t *types.TableDescription) (adopt func(), err error) {
	if t == nil || t.TableStatus == types.TableStatusDeleting || (spec.Stream == "" && spec.Shape == "") || t.TableArn == nil {
		return nil, nil
	}
	var out *dynamodb.ListTagsOfResourceOutput
	err = retry.Do(ctx, retry.StartUp, e.opts.Log, fmt.Sprintf("read the tags of %s %q", spec.Kind, spec.Name), func(ctx context.Context) (err error) {
		out, err = e.db.ListTagsOfResource(ctx, &dynamodb.ListTagsOfResourceInput{ResourceArn: t.TableArn})
		return err
	})
	if err != nil {
		return nil, nil // the check is a guard, not a requirement: the table is used
	}
	tags := map[string]string{}
	for _, tag := range out.Tags {
		tags[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
	}
	if tagged, ok := tags[StreamTagKey]; ok && spec.Stream != "" && tagged != spec.Stream {
		return nil, &Error{Op: op(spec), Err: retry.Refuse(&StreamError{Table: spec.Name, Kind: spec.Kind, Tagged: tagged, Stream: spec.Stream}),
			Hint: fmt.Sprintf("give stream %q a table of its own (--table)", spec.Stream)}
	}
	if spec.Shape == "" {
		return nil, nil
	}
	tagged, ok := tags[ShapeTagKey]
	switch {
	case ok && tagged != spec.Shape:
		return nil, &Error{Op: op(spec), Err: retry.Refuse(&ShapeError{Table: spec.Name, Tagged: tagged, Shape: spec.Shape}),
			Hint: fmt.Sprintf("give the view a table of its own (table: in spk.yaml, or --table), or delete table %s to start it afresh", spec.Name)}
	case !ok && spec.App != "" && tags[TagKey] == spec.App && t.TableStatus == types.TableStatusActive:
		return func() {
			// Best effort, as the check: credentials that may not tag
			// leave the table as it was.
			_, _ = e.db.TagResource(ctx, &dynamodb.TagResourceInput{ResourceArn: t.TableArn,
				Tags: []types.Tag{{Key: aws.String(ShapeTagKey), Value: aws.String(spec.Shape)}}})
		}, nil
	}
	return nil, nil
}

// describe reads the table; nil means it does not exist.
func (e *ensurer) describe(ctx context.Context, spec Spec) (*types.TableDescription, error) {
	var out *dynamodb.DescribeTableOutput
	err := retry.Do(ctx, retry.StartUp, e.opts.Log, fmt.Sprintf("read %s %q", spec.Kind, spec.Name), func(ctx context.Context) (err error) {
		out, err = e.db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(spec.Name)})
		return err
	})
	switch {
	case retry.NotFound(err):
		return nil, nil
	case err != nil:
		return nil, e.fail(spec, err)
	}
	return out.Table, nil
}

// ready takes one table from t, as described (nil: missing), to ACTIVE.
func (e *ensurer) ready(ctx context.Context, spec Spec, t *types.TableDescription) (Outcome, error) {
	var out Outcome
	if t != nil && t.TableStatus == types.TableStatusDeleting {
		e.say("table %s is being deleted; waiting for that to finish", spec.Name)
		if err := e.waitGone(ctx, spec); err != nil {
			return out, err
		}
		t = nil
	}
	if t == nil {
		err := retry.Do(ctx, retry.StartUp, e.opts.Log, op(spec), func(ctx context.Context) error {
			_, err := e.db.CreateTable(ctx, spec.createInput())
			return err
		})
		var inUse *types.ResourceInUseException
		switch {
		case errors.As(err, &inUse):
			// Created meanwhile by another spk: its keys are checked below.
		case err != nil:
			return out, e.fail(spec, err)
		default:
			out.Created = true
		}
	} else if t.TableStatus == types.TableStatusActive {
		out.Note = "already exists with the right key schema and is ACTIVE" + spec.billingNote(t)
		return out, nil
	}
	e.say("waiting for table %s to become ACTIVE", spec.Name)
	t, err := e.waitActive(ctx, spec)
	if err != nil {
		return out, err
	}
	if m := spec.mismatch(t); m != nil {
		return out, e.refuse(spec, m)
	}
	if tags := spec.tags(); out.Created && tags != nil {
		// Again once ACTIVE, for endpoints that ignore CreateTable's tags.
		err := retry.Do(ctx, retry.StartUp, e.opts.Log, "tag "+spec.Kind+" "+spec.Name, func(ctx context.Context) error {
			_, err := e.db.TagResource(ctx, &dynamodb.TagResourceInput{ResourceArn: t.TableArn, Tags: tags})
			return err
		})
		if err != nil {
			return out, e.fail(spec, fmt.Errorf("tag the table: %w", err))
		}
	}
	return out, nil
}

// waitActive polls the table until it is ACTIVE. Not found is a table still
// being created on some endpoints.
func (e *ensurer) waitActive(ctx context.Context, spec Spec) (*types.TableDescription, error) {
	delay := e.poll.first
	for {
		t, err := e.describe(ctx, spec)
		if err != nil {
			return nil, err
		}
		if t != nil && t.TableStatus == types.TableStatusActive {
			return t, nil
		}
		if err := retry.Sleep(ctx, delay); err != nil {
			return nil, e.fail(spec, fmt.Errorf("wait for ACTIVE: %w", err))
		}
		delay = e.poll.next(delay)
	}
}

// waitGone polls a DELETING table until it is gone.
func (e *ensurer) waitGone(ctx context.Context, spec Spec) error {
	delay := e.poll.first
	for {
		t, err := e.describe(ctx, spec)
		if err != nil {
			return err
		}
		if t == nil {
			return nil
		}
		if err := retry.Sleep(ctx, delay); err != nil {
			return e.fail(spec, fmt.Errorf("wait for the table to be deleted: %w", err))
		}
		delay = e.poll.next(delay)
	}
}
