package tui

import (
	"reflect"
	"sync"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/spk-cli/spk/stream/generate"
	"github.com/spk-cli/spk/stream/metrics"
	"github.com/spk-cli/spk/stream/results"
)

// feed queues messages for a view from any goroutine. Senders never block,
// even before the program runs or after it ended; the view drains the queue
// one command at a time. A snapshot replaces an unread one of its kind, so a
// stalled view holds at most one of each.
type feed struct {
	mu     sync.Mutex
	queue  []tea.Msg
	ready  chan struct{} // holds a token while the queue is not empty
	closed chan struct{}
	once   sync.Once
}

func newFeed() *feed {
	return &feed{ready: make(chan struct{}, 1), closed: make(chan struct{})}
}

// feedMsg is what one drain of the queue delivers, in order.
type feedMsg []tea.Msg

// coalesced are the kinds of message where only the newest matters; every
// task event and the summary must arrive.
func coalesced(m tea.Msg) bool {
	switch m.(type) {
	case generate.Snapshot, metrics.Snapshot, []results.Row, results.Result, results.ViewsResult:
		return true
	}
	return false
}

func (f *feed) push(m tea.Msg) {
	f.mu.Lock()
	replaced := false
	if coalesced(m) {
		t := reflect.TypeOf(m)
		for i, q := range f.queue {
			if reflect.TypeOf(q) == t {
				f.queue[i] = m
				replaced = true
				break
			}
		}
	}
	if !replaced {
		f.queue = append(f.queue, m)
	}
	f.mu.Unlock()
	select {
	case f.ready <- struct{}{}:
	default:
	}
}

// wait is the command that delivers the next batch of queued messages. It
// returns nil once the feed is closed.
func (f *feed) wait() tea.Cmd {
	return func() tea.Msg {
		select {
		case <-f.ready:
		case <-f.closed:
			return nil
		}
		f.mu.Lock()
		batch := f.queue
		f.queue = nil
		f.mu.Unlock()
		return feedMsg(batch)
	}
}

func (f *feed) close() { f.once.Do(func() { close(f.closed) }) }
