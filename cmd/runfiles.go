package cmd

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// deadLetterFile is spk run's --dead-letter file, opened before anything is
// created so a path that cannot be written stops the run at once.
type deadLetterFile struct {
	*os.File
	created bool // this run made the file
}

// openDeadLetter opens path for appending JSON lines, creating it 0644.
func openDeadLetter(path string) (*deadLetterFile, error) {
	_, statErr := os.Stat(path)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, usagef("", "run: cannot open the dead-letter file %s: %s; give --dead-letter a writable path in an existing directory", path, pathErrText(err))
	}
	return &deadLetterFile{File: f, created: errors.Is(statErr, os.ErrNotExist)}, nil
}

// abandon closes the file and, when the run made it and wrote nothing,
// removes it: a run that never started leaves nothing behind.
func (d *deadLetterFile) abandon() {
	if d == nil {
		return
	}
	st, err := d.Stat()
	d.Close()
	if d.created && err == nil && st.Size() == 0 {
		os.Remove(d.Name())
	}
}

// listenMetrics binds spk run's --metrics address before anything is
// created; serveMetrics then serves the consumer's registry on it.
func listenMetrics(addr string) (net.Listener, error) {
	if err := checkListenAddr("run", "--metrics", addr, "127.0.0.1:9090"); err != nil {
		return nil, err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(context.Background(), "tcp", addr)
	if err != nil {
		return nil, listenFailure("run", "--metrics", addr, "--metrics", err)
	}
	return ln, nil
}

// serveMetrics serves Prometheus text on /metrics until ctx ends.
func serveMetrics(ctx context.Context, ln net.Listener, reg *prometheus.Registry) {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
}
