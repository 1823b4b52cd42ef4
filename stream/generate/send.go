package generate

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spk-cli/spk/internal/errtext"
	spkretry "github.com/spk-cli/spk/internal/retry"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
)

// Error codes of PutRecords entries.
const (
	codeThrottled = "ProvisionedThroughputExceededException"
	codeInternal  = "InternalFailure"
)

// maxEntryErrors is how many times an entry may be rejected with an error
// other than throttling or an internal failure before it is given up.
const maxEntryErrors = 10

// send is one sender: it keeps a working set of up to Batch records, sends
// it, drops what was acknowledged, tops it up with new records and retries
// the rest after a backoff. It returns when in is closed and its working set
// is empty.
func (p *Producer) send(ctx context.Context, in <-chan *record, stopGen context.CancelFunc) {
	var work []*record
	streak := 0 // consecutive attempts without progress
	for {
		var ok bool
		if work, ok = p.fill(ctx, work, in, streak == 0); !ok {
			return
		}
		if err := p.fatalErr(); err != nil {
			p.failRecords(work, "not sent: "+reasonOf(err))
			work = work[:0]
			continue
		}
		if ctx.Err() != nil {
			p.failRecords(work, "cancelled before acknowledgement")
			work = work[:0]
			continue
		}
		req := p.request(work)
		if p.adapt != nil {
			if err := p.adapt.wait(ctx, p.units(req)); err != nil {
				continue // ctx ended: failed on the next pass
			}
		}
		var progress bool
		var err error
		began := time.Now()
		work, progress, err = p.putWithinStall(ctx, work, req, began)
		switch {
		case err == nil:
			// Answered, if only with throttling.
			p.lastAnswered.Store(time.Now().UnixNano())
			p.failingSince.Store(0)
			p.lastFailure.Store(nil)
		case !terminal(err) && ctx.Err() == nil:
			now := time.Now().UnixNano()
			// Failing since it was sent, or since the last request another
			// sender had answered after that: a request stuck while others
			// are answered is a failure to retry, not a stall.
			p.failingSince.CompareAndSwap(0, max(began.UnixNano(), p.lastAnswered.Load()))
			cut := errors.Is(err, context.DeadlineExceeded)
			if !cut {
				failure := err // a copy: err itself is changed below, and others read it
				p.lastFailure.Store(&failure)
			}
			if time.Duration(now-p.failingSince.Load()) >= p.opts.StallTimeout {
				cause := err
				if last := p.lastFailure.Load(); cut && last != nil {
					cause = *last // why requests failed, not that the wait was cut
				}
				err = &stalledError{after: p.opts.StallTimeout, err: cause}
			}
		}
		if err != nil {
			if terminal(err) {
				err = p.describeTerminal(err)
				p.setFatal(err)
				stopGen()
				p.failRecords(work, "not sent: "+reasonOf(err))
				work = work[:0]
				continue
			}
			// A request-level error the SDK retryer gave up on: retry the
			// whole request after a backoff.
			for _, r := range req {
				p.stats.retried.Add(int64(len(r.events)))
			}
		}
		if len(work) == 0 {
			streak = 0
			continue
		}
		if progress {
			streak = 0
		} else {
			streak++
		}
		_ = sleep(ctx, p.backoff(streak))
	}
}

// putWithinStall is put, cut short StallTimeout after requests began to
// fail, or after it began: a request to an endpoint that does not answer
// would otherwise take the SDK's attempts times the response timeout
// (minutes).
func (p *Producer) putWithinStall(ctx context.Context, work, req []*record, began time.Time) ([]*record, bool, error) {
	from := began
	if since := p.failingSince.Load(); since != 0 {
		from = time.Unix(0, since)
	}
	ctx, cancel := context.WithDeadline(ctx, from.Add(p.opts.StallTimeout))
	defer cancel()
	return p.put(ctx, work, req)
}

// units is what the adaptive limit counts: records, or KiB when aggregated
// (Kinesis then runs out of bytes per second first).
func (p *Producer) units(work []*record) int {
	if !p.opts.Aggregate {
		return len(work)
	}
	n := 0
	for _, r := range work {
		n += r.size()
	}
	return max(1, n/1024)
}

// fill tops the working set up from in until it holds a full request
// (Batch records or requestBytes). With an empty working set it blocks
// for the first record; lingering waits up to Linger for a fuller batch.
// ok is false when in is closed and there is nothing left to send.
func (p *Producer) fill(ctx context.Context, work []*record, in <-chan *record, linger bool) (_ []*record, ok bool) {
	size := 0
	for _, r := range work {
		size += r.size()
	}
	add := func(r *record) {
		if r.size() > MaxRecordBytes {
			p.failRecords([]*record{r}, fmt.Sprintf("record of %d bytes exceeds the 1 MiB Kinesis limit", r.size()))
			return
		}
		work = append(work, r)
		size += r.size()
	}
	for len(work) == 0 {
		r, open := <-in
		if !open {
			return nil, false
		}
		add(r)
	}
	var timer <-chan time.Time
	if linger && p.opts.Linger > 0 {
		t := time.NewTimer(p.opts.Linger)
		defer t.Stop()
		timer = t.C
	}
	for len(work) < p.opts.Batch && size < p.requestBytes {
		var r *record
		var open bool
		if timer == nil {
			select {
			case r, open = <-in:
			default:
				return work, true
			}
		} else {
			select {
			case r, open = <-in:
			case <-timer:
				return work, true
			case <-ctx.Done():
				return work, true
			}
		}
		if !open {
			return work, true
		}
		add(r)
	}
	return work, true
}

// request picks the records of the next request from the front of the
// working set: at most Batch records and requestBytes (at least one record).
// While the adaptive limit is on, a request is at most a tenth of a second
// of it, so sends are paced finely instead of in large bursts.
func (p *Producer) request(work []*record) []*record {
	maxRecords, maxBytes := p.opts.Batch, p.requestBytes
	if limit := p.adaptLimit(); limit > 0 {
		if p.opts.Aggregate {
			maxBytes = min(maxBytes, int(limit*1024/10))
		} else {
			maxRecords = min(maxRecords, int(limit/10))
		}
	}
	size := 0
	for i, r := range work {
		if i > 0 && (i >= maxRecords || size+r.size() > maxBytes) {
			return work[:i]
		}
		size += r.size()
	}
	return work
}

func (p *Producer) adaptLimit() float64 {
	if p.adapt == nil {
		return 0
	}
	return p.adapt.limit()
}

// put sends req, the front of the working set, and returns the working set
// without the records Kinesis acknowledged. progress reports whether any was acknowledged.
func (p *Producer) put(ctx context.Context, work, req []*record) (rest []*record, progress bool, err error) {
	for _, r := range req {
		if !r.sent {
			r.sent = true
			p.stats.sent.Add(int64(len(r.events)))
		}
	}
	p.stats.requests.Add(1)
	if p.opts.Batch == 1 {
		return p.putOne(ctx, work)
	}
	in := &kinesis.PutRecordsInput{Records: make([]types.PutRecordsRequestEntry, len(req))}
	if p.opts.StreamARN != "" {
		in.StreamARN = aws.String(p.opts.StreamARN)
	} else {
		in.StreamName = aws.String(p.opts.StreamName)
	}
	for i, r := range req {
		in.Records[i] = types.PutRecordsRequestEntry{Data: r.data, PartitionKey: aws.String(r.pk)}
		if r.ehk != "" {
			in.Records[i].ExplicitHashKey = aws.String(r.ehk)
		}
	}
	out, err := p.client.PutRecords(ctx, in)
	if err != nil {
		return work, false, err
	}
	p.countSDKRetries(out.ResultMetadata)
	if len(out.Records) != len(req) {
		return work, false, fmt.Errorf("PutRecords answered %d results for %d records", len(out.Records), len(req))
	}
	kept := make([]*record, 0, len(work))
	throttled, accepted := false, 0
	for i, res := range out.Records {
		r := req[i]
		code := aws.ToString(res.ErrorCode)
		if code == "" {
			p.acknowledge(r, aws.ToString(res.ShardId), aws.ToString(res.SequenceNumber))
			p.checkShard(r, aws.ToString(res.ShardId))
			accepted += p.units([]*record{r})
			progress = true
			continue
		}
		p.stats.retried.Add(int64(len(r.events)))
		switch code {
		case codeThrottled:
			throttled = true
			p.stats.throttled.Add(1)
		case codeInternal:
		default:
			r.errs++
			if r.errs >= maxEntryErrors {
				p.failRecords([]*record{r}, fmt.Sprintf("rejected %d times: %s: %s", r.errs, code, aws.ToString(res.ErrorMessage)))
				p.stats.retried.Add(-int64(len(r.events)))
				continue
			}
		}
		kept = append(kept, r)
	}
	if p.adapt != nil {
		p.adapt.observe(time.Now(), accepted, throttled)
	}
	return append(kept, work[len(req):]...), progress, nil
}

// putOne sends the first record with PutRecord (--batch 1).
func (p *Producer) putOne(ctx context.Context, work []*record) ([]*record, bool, error) {
	r := work[0]
	in := &kinesis.PutRecordInput{Data: r.data, PartitionKey: aws.String(r.pk)}
	if p.opts.StreamARN != "" {
		in.StreamARN = aws.String(p.opts.StreamARN)
	} else {
		in.StreamName = aws.String(p.opts.StreamName)
	}
	if r.ehk != "" {
		in.ExplicitHashKey = aws.String(r.ehk)
	}
	out, err := p.client.PutRecord(ctx, in)
	if err != nil {
		var throttled *types.ProvisionedThroughputExceededException
		if errors.As(err, &throttled) {
			p.stats.throttled.Add(1)
			if p.adapt != nil {
				p.adapt.observe(time.Now(), 0, true)
			}
		}
		return work, false, err
	}
	throttledAttempts := p.countSDKRetries(out.ResultMetadata)
	p.acknowledge(r, aws.ToString(out.ShardId), aws.ToString(out.SequenceNumber))
	p.checkShard(r, aws.ToString(out.ShardId))
	if throttledAttempts > 0 {
		// The SDK's retryer absorbed them: the record was refused as
		// many times, and the send rate follows, as for PutRecords.
		p.stats.throttled.Add(int64(throttledAttempts))
		if p.adapt != nil {
			p.adapt.observe(time.Now(), 0, true)
		}
	}
	if p.adapt != nil {
		p.adapt.observe(time.Now(), p.units(work[:1]), false)
	}
	return work[1:], true, nil
}

// countSDKRetries counts the attempts the SDK's retryer repeated, and says
// how many of them Kinesis refused with ProvisionedThroughputExceeded.
func (p *Producer) countSDKRetries(md middleware.Metadata) (throttled int) {
	res, ok := retry.GetAttemptResults(md)
	if !ok || len(res.Results) <= 1 {
		return 0
	}
	p.stats.sdkRetries.Add(int64(len(res.Results) - 1))
	for _, a := range res.Results {
		var pte *types.ProvisionedThroughputExceededException
		if errors.As(a.Err, &pte) {
			throttled++
		}
	}
	return throttled
}

// terminal reports whether a request error means no retry can succeed: the
// stream is gone, access is denied, the request is invalid, or the run was
// cancelled past its drain timeout.
func terminal(err error) bool {
	var stalled *stalledError
	if errors.As(err, &stalled) {
		return true
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false // the send loop sees its context end and fails the records
	}
	// Credentials refused or expired, an answer no Kinesis endpoint gives,
	// a missing stream: spk's own classification, as spk run's.
	if spkretry.Permanent(err) {
		return true
	}
	var nf *types.ResourceNotFoundException
	if errors.As(err, &nf) {
		return true
	}
	// Throttling the SDK's checks do not list: the stream's KMS key is
	// busy (AWS: "The request was denied due to request throttling").
	var kms *types.KMSThrottlingException
	if errors.As(err, &kms) {
		return false
	}
	// The SDK refused to send the request (a parameter it checks itself):
	// sending it again changes nothing.
	var params smithy.InvalidParamsError
	if errors.As(err, &params) {
		return true
	}
	switch retry.IsErrorRetryables(retry.DefaultRetryables).IsErrorRetryable(err) {
	case aws.TrueTernary:
		return false
	case aws.FalseTernary:
		return true
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		// An answer from the service that no retryable check claims.
		return apiErr.ErrorFault() == smithy.FaultClient
	}
	return false // transport trouble: keep trying
}

// describeTerminal turns a terminal error into one a user can act on.
func (p *Producer) describeTerminal(err error) error {
	var nf *types.ResourceNotFoundException
	if errors.As(err, &nf) {
		// Kinesis answers writes to a stream that is not ACTIVE yet (or
		// any more) as to a missing one: say which it is.
		switch status := p.streamStatus(); status {
		case "", types.StreamStatusActive:
		case types.StreamStatusDeleting:
			return fmt.Errorf("stream %q is being deleted and takes no records: wait until it is gone, then create it again with spk create-stream: %w", p.opts.streamLabel(), err)
		default:
			return fmt.Errorf("stream %q is %s, not ACTIVE, and takes no records: wait until it is ACTIVE (spk create-stream waits for it), then run spk generate-events again: %w", p.opts.streamLabel(), status, err)
		}
		return &streamNotFoundError{stream: p.opts.streamLabel(), err: err}
	}
	return fmt.Errorf("write to stream %q: %w", p.opts.streamLabel(), err)
}

// streamStatus is the stream's status, or "" when it cannot be read (it
// does not exist, or the client cannot describe streams).
func (p *Producer) streamStatus() types.StreamStatus {
	d, ok := p.client.(interface {
		DescribeStreamSummary(context.Context, *kinesis.DescribeStreamSummaryInput, ...func(*kinesis.Options)) (*kinesis.DescribeStreamSummaryOutput, error)
	})
	if !ok {
		return ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	in := &kinesis.DescribeStreamSummaryInput{}
	if p.opts.StreamARN != "" {
		in.StreamARN = aws.String(p.opts.StreamARN)
	} else {
		in.StreamName = aws.String(p.opts.StreamName)
	}
	out, err := d.DescribeStreamSummary(ctx, in)
	if err != nil || out.StreamDescriptionSummary == nil {
		return ""
	}
	return out.StreamDescriptionSummary.StreamStatus
}

// stalledError ends a run whose requests have failed for StallTimeout with
// none answered meanwhile: the endpoint went away or does not answer.
type stalledError struct {
	after time.Duration
	err   error
}

func (e *stalledError) Error() string {
	return fmt.Sprintf("requests have failed for over %s with nothing answered: %v", e.after, e.err)
}

func (e *stalledError) Unwrap() error { return e.err }

// streamNotFoundError says what to do about a missing stream in one line,
// and still unwraps to the SDK's ResourceNotFoundException.
type streamNotFoundError struct {
	stream string
	err    error
}

func (e *streamNotFoundError) Error() string {
	return fmt.Sprintf("stream %q not found: create it with `spk create-stream`, or check the stream name and the endpoint or profile", e.stream)
}

func (e *streamNotFoundError) Unwrap() error { return e.err }

// reasonOf is a short failure reason for the summary.
func reasonOf(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return errtext.Concise(err)
}
