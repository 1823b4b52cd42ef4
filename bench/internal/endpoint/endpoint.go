// Package endpoint serves the benchmarks' own endpoints (the do-nothing
// ceilings and the bare endpoints) the way each of them needs: on a
// loopback port of the system's choosing, announced on stdout, until the
// process is told to stop.
package endpoint

import (
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/spk-cli/spk/bench/internal/grouplog"
)

// Serve serves h on 127.0.0.1, prints announce followed by the endpoint's
// URL on a line of its own, and returns once SIGINT or SIGTERM arrives.
func Serve(h http.Handler, announce string) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go http.Serve(ln, h)
	fmt.Println(announce + "http://" + ln.Addr().String())
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	<-stop
	return ln.Close()
}

// Answer writes body as an AWS JSON answer of contentType, with the
// headers the SDKs read; withCRC adds DynamoDB's x-amz-crc32.
func Answer(w http.ResponseWriter, contentType string, withCRC bool, parts ...[]byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("x-amzn-RequestId", "00000000-0000-0000-0000-000000000000")
	size := 0
	var crc uint32
	for _, p := range parts {
		size += len(p)
		if withCRC {
			crc = crc32.Update(crc, crc32.IEEETable, p)
		}
	}
	if withCRC {
		h.Set("x-amz-crc32", strconv.FormatUint(uint64(crc), 10))
	}
	h.Set("Content-Length", strconv.Itoa(size))
	for _, p := range parts {
		w.Write(p)
	}
}

// JSONHandler answers each request with what serve makes of it, encoded as
// JSON. serve is given the operation (X-Amz-Target without targetPrefix)
// and the body, and names a generation of log to wait for before the
// answer (0: none); an error is answered 400 with its text.
func JSONHandler(targetPrefix, contentType string, withCRC bool, log *grouplog.Log, serve func(op string, body []byte) (any, uint64, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		var out any
		var gen uint64
		if err == nil {
			out, gen, err = serve(strings.TrimPrefix(r.Header.Get("X-Amz-Target"), targetPrefix), body)
		}
		if err == nil && gen > 0 {
			err = log.Wait(gen)
		}
		var b []byte
		if err == nil {
			b, err = json.Marshal(out)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		Answer(w, contentType, withCRC, b)
	})
}
