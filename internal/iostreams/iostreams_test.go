package iostreams

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
)

// TestReadLineGivesUpWhenCancelled: a prompt waiting for a line returns
// at once when its context ends, and the line typed later is not lost:
// the next read takes it rather than reading beside the first.
func TestReadLineGivesUpWhenCancelled(t *testing.T) {
	in, typing := io.Pipe()
	errOut := &bytes.Buffer{}
	s := &IOStreams{In: in, Out: io.Discard, ErrOut: errOut}
	ctx, cancel := context.WithCancel(context.Background())
	answered := make(chan error, 1)
	go func() {
		_, err := s.Prompt(ctx, "Name? ")
		answered <- err
	}()
	cancel()
	if err := <-answered; !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled prompt returned %v, want context.Canceled", err)
	}
	if errOut.String() != "Name? \n" {
		t.Fatalf("the cancelled prompt wrote %q, want the question and the end of its line", errOut.String())
	}
	go typing.Write([]byte("late\nnext\n"))
	for _, want := range []string{"late", "next"} {
		line, err := s.ReadLine(context.Background())
		if err != nil || line != want {
			t.Fatalf("ReadLine = %q, %v; want %q", line, err, want)
		}
	}
}

// TestReadLineAfterCancelReadsNothing: a context already ended starts no
// read at all.
func TestReadLineAfterCancelReadsNothing(t *testing.T) {
	in := bytes.NewBufferString("kept\n")
	s := &IOStreams{In: in, Out: io.Discard, ErrOut: io.Discard}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.ReadLine(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("ReadLine on an ended context returned %v", err)
	}
	if line, err := s.ReadLine(context.Background()); err != nil || line != "kept" {
		t.Fatalf("ReadLine = %q, %v; want the line the cancelled read left", line, err)
	}
}
