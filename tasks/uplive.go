package tasks

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spk-cli/spk/internal/errtext"
	"github.com/spk-cli/spk/provision"
	"github.com/spk-cli/spk/stream/generate"
	"github.com/spk-cli/spk/stream/results"
)

// live is the running part of spk up: steps 7 (count), 5 (generate) and 9
// (show) run at once as tasks of one Runner. Step 9 steers: it decides when
// the producer and the consumer stop, and tells steps 5 and 7 how they
// ended, so each task's line says its own outcome.
type live struct {
	u   *Up
	ctx context.Context // the user's: q, Ctrl-C
	sum *UpSummary

	runCtx  context.Context // the consumer's
	stopRun context.CancelFunc
	genCtx  context.Context // the producer's
	stopGen context.CancelFunc

	genDone  chan genResult // the producer's run, as it returned
	consDone chan error     // the consumer's run, as it returned

	genEnd  chan struct{} // closed once step 5's outcome is set
	gen     genResult
	genErr  error
	consEnd chan struct{} // closed once step 7's outcome is set
	consErr error
}

func (u *Up) newLive(ctx context.Context, sum *UpSummary) *live {
	l := &live{u: u, ctx: ctx, sum: sum,
		genDone: make(chan genResult, 1), consDone: make(chan error, 1),
		genEnd: make(chan struct{}), consEnd: make(chan struct{})}
	l.runCtx, l.stopRun = context.WithCancel(context.Background())
	l.genCtx, l.stopGen = context.WithCancel(l.runCtx)
	return l
}

// countedInto names the tables step 7 counts into: the aggregate table, or
// the views' own, each once, in the views' order.
func countedInto(o UpOptions) string {
	if len(o.Consume.Views) == 0 {
		return o.Table.Name
	}
	var tables []string
	for _, v := range o.Consume.Views {
		if t := v.Table(o.Table.Name); !slices.Contains(tables, t) {
			tables = append(tables, t)
		}
	}
	return strings.Join(tables, ", ")
}

// countTask is step 7: the consumer, through the same Consume step as spk
// run, stopped when step 9 says.
func (l *live) countTask() Task {
	o := l.u.opts
	t := Consume(l.u.consumer, nameRun, fmt.Sprintf("reading %s, counting into %s", o.Stream.Name, countedInto(o)))
	consume := t.Run
	t.Run = func(_ context.Context, progress func(string)) (string, error) {
		go func() {
			_, err := consume(l.runCtx, progress)
			l.consDone <- err
		}()
		<-l.consEnd
		if l.consErr != nil {
			return "", l.consErr
		}
		return fmt.Sprintf("%d events counted, %d rejected", l.sum.Counted, l.sum.Rejected), nil
	}
	return t
}

// generateTask is step 5: the producer, stopped when step 9 says.
func (l *live) generateTask() Task {
	return Task{Step: StepGenerate, Name: nameGenerate, Detail: rateText(l.u.opts.Generate.Rate), Run: func(context.Context, func(string)) (string, error) {
		go func() {
			s, err := l.u.producer.Run(l.genCtx)
			l.genDone <- genResult{s, err}
		}()
		<-l.genEnd
		return fmt.Sprintf("%d events sent", l.gen.s.Acknowledged), l.genErr
	}}
}

// showTask is step 9: the live table while the run lasts, then the tables
// as read at the end.
func (l *live) showTask() Task {
	detail := "the counts as they are written; spk show prints them"
	if countedInto(l.u.opts) != l.u.opts.Table.Name {
		detail = "the counts as they are written; spk show --view NAME prints a view's"
	}
	return Task{Step: StepShow, Name: nameShow, Detail: detail, Run: func(context.Context, func(string)) (string, error) {
		defer l.stopRun()
		if err := l.steer(); err != nil {
			return "", err
		}
		return l.readTables()
	}}
}

func (l *live) endGen(g genResult, err error) {
	l.gen, l.genErr = g, err
	close(l.genEnd)
}

func (l *live) endCons(err error) {
	l.consErr = err
	close(l.consEnd)
}

// errNotRead is step 9's failure when the consumer stopped on its own.
var errNotRead = errors.New("not read: counting stopped")

// steer waits for the end of the run (ctx, Duration, or the producer or the
// consumer stopping on its own), then stops the producer, lets the consumer
// count what was sent, and stops it. A non-nil error is step 9's own: the
// tables are not read.
func (l *live) steer() error {
	o := l.u.opts
	var timeout <-chan time.Time
	if o.Duration > 0 {
		t := time.NewTimer(o.Duration)
		defer t.Stop()
		timeout = t.C
	}
	var gen genResult
	genFinished := false
	select {
	case <-l.ctx.Done():
	case <-timeout:
	case gen = <-l.genDone:
		genFinished = true
	case err := <-l.consDone:
		if err == nil {
			err = errors.New("the consumer stopped on its own")
		}
		l.stopGen()
		g := <-l.genDone
		l.endGen(g, nil)
		l.sum.fill(g.s, l.u.consumer.Snapshot())
		l.endCons(fmt.Errorf("count events: %w", err))
		return errNotRead
	}

	// An endpoint that stopped answering acknowledges, counts and
	// checkpoints nothing more: waiting on it would take a minute.
	if gone := l.u.goneEndpoint(); gone != "" {
		o.Logger.Warn("the endpoint stopped answering; not waiting for the last writes", "endpoint", gone, "grace", stopGrace)
		return l.abandon(gone, genFinished, gen)
	}

	// Stop producing, and wait for Kinesis to acknowledge what is in flight.
	var genErr error
	if genFinished {
		if gen.err != nil {
			genErr = fmt.Errorf("generate events: %w", gen.err)
		}
	} else {
		l.stopGen()
		gen = <-l.genDone
		var notAcked *generate.NotAcknowledgedError
		if gen.err != nil && !errors.As(gen.err, &notAcked) && !errors.Is(gen.err, context.Canceled) {
			genErr = fmt.Errorf("generate events: %w", gen.err)
		}
	}
	l.endGen(gen, genErr)

	// Let the consumer count everything sent, then stop it gracefully.
	l.sum.CaughtUp = l.u.waitCounted(gen.s.LastAcked, o.CatchUpTimeout)
	l.stopRun()
	var consErr error
	if err := <-l.consDone; err != nil {
		consErr = fmt.Errorf("count events: %w", err)
	}
	l.sum.fill(gen.s, l.u.consumer.Snapshot())
	l.endCons(consErr)
	return nil
}

// abandon ends a run whose endpoint (at gone) stopped answering: the
// producer and the consumer are stopped together and given stopGrace,
// and what they counted so far is the summary, with the tables unread.
func (l *live) abandon(gone string, genFinished bool, gen genResult) error {
	l.stopGen()
	l.stopRun()
	grace, cancel := context.WithTimeout(context.Background(), stopGrace)
	defer cancel()
	if !genFinished {
		select {
		case gen = <-l.genDone:
		case <-grace.Done():
			gen = genResult{s: l.u.producer.Snapshot()}
		}
	}
	l.endGen(gen, nil)
	select {
	case <-l.consDone:
	case <-grace.Done():
	}
	l.sum.fill(gen.s, l.u.consumer.Snapshot())
	l.sum.TableError = "endpoint unreachable"
	l.endCons(&provision.Error{Op: "the endpoint at " + gone + " stopped answering", Err: errors.New("the last counts may not be written"),
		Hint: "start the endpoint again, then spk run counts what is missing from its last checkpoints"})
	return errors.New("could not read the table: endpoint unreachable")
}

// readTables reads the aggregate table and the views' own tables, for the
// summary; the note says what they hold.
func (l *live) readTables() (string, error) {
	o, sum := l.u.opts, l.sum
	readCtx, cancelRead := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancelRead()
	if sum.TableWritten { // otherwise not made: the views write tables of their own
		rows, err := results.Read(readCtx, o.Clients.DynamoDB, results.Query{Table: o.Table.Name, Consistent: true})
		if err != nil {
			sum.TableError = errtext.Concise(err)
			return "", err
		}
		buckets := map[string]bool{}
		for _, r := range rows {
			buckets[r.BucketStart] = true
			sum.Total += r.Count
		}
		sum.Rows, sum.Buckets, sum.Table = len(rows), len(buckets), rows
	}
	for _, v := range o.Consume.Views {
		table := v.Table(o.Table.Name)
		if table == o.Table.Name {
			continue
		}
		vrows, err := results.ReadView(readCtx, o.Clients.DynamoDB, v, results.Query{Table: table, Consistent: true})
		if err != nil {
			sum.TableError = errtext.Concise(err)
			return "", err
		}
		vb := map[string]bool{}
		for _, r := range vrows {
			vb[r.BucketStart] = true
		}
		sum.Views = append(sum.Views, ViewSummary{Name: v.Name(), Table: table, Rows: len(vrows), Buckets: len(vb)})
	}
	return sum.Tables(), nil
}
