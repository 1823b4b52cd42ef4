package local

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spk-cli/spk/config"
	"github.com/spk-cli/spk/provision"
	"github.com/spk-cli/spk/provision/local/store"
)

// TestHealthIs503WhileTheStoreRefusesWrites: once a failed sync has made
// the store refuse writes until a restart, /_spk/health answers 503, so a
// probe that reads only the status sees it, with the same body saying why;
// spk's own checks still know the endpoint as spk local and read why.
func TestHealthIs503WhileTheStoreRefusesWrites(t *testing.T) {
	opts := DefaultOptions()
	opts.Addr, opts.DataDir = "127.0.0.1:0", t.TempDir()
	opts.Logger = slog.New(slog.DiscardHandler)
	srv, err := Start(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	health := func() (int, Health) {
		t.Helper()
		resp, err := http.Get(srv.URL() + HealthPath)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		var h Health
		if err := json.Unmarshal(body, &h); err != nil || resp.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("health %d %q: %s (%v)", resp.StatusCode, resp.Header.Get("Content-Type"), body, err)
		}
		return resp.StatusCode, h
	}
	if code, h := health(); code != 200 || h.Store != "ok" || h.LastWriteError != "" {
		t.Fatalf("a healthy store: %d %+v", code, h)
	}
	metric := func(name string) string {
		t.Helper()
		resp, err := http.Get(srv.URL() + MetricsPath)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		for _, l := range strings.Split(string(body), "\n") {
			if v, ok := strings.CutPrefix(l, name+" "); ok {
				return v
			}
		}
		return ""
	}

	// A commit that fails and is taken back (a full disk) leaves the store
	// taking writes: health stays 200 but tells the failure, and the
	// metrics count it.
	<-func() <-chan struct{} {
		done := srv.db.FailNextCommit(errors.New("write spk-local.db: no space left on device"))
		req, _ := http.NewRequest(http.MethodPost, srv.URL(), strings.NewReader(`{"StreamName":"s","ShardCount":1}`))
		req.Header.Set("X-Amz-Target", "Kinesis_20131202.CreateStream")
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAFAKE/20260101/us-east-1/kinesis/aws4_request, SignedHeaders=host, Signature=00")
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 500 {
			t.Fatalf("CreateStream on a full disk: %v %v", resp, err)
		}
		resp.Body.Close()
		return done
	}()
	if code, h := health(); code != 200 || h.Store != "ok" || h.LastWriteError != "write spk-local.db: no space left on device" || h.LastWriteErrorAt == "" {
		t.Fatalf("after a failed commit: %d %+v", code, h)
	}
	if got := metric("spk_local_store_commit_failures_total"); got != "1" {
		t.Fatalf("commit failures metric %q, want 1", got)
	}
	if got := metric("spk_local_store_refusing_writes"); got != "0" {
		t.Fatalf("refusing metric %q, want 0", got)
	}

	srv.db.InjectRefusal(errors.New("sync spk-local.db: input/output error"))
	if got := metric("spk_local_store_refusing_writes"); got != "1" {
		t.Fatalf("refusing metric %q, want 1", got)
	}
	code, h := health()
	if code != http.StatusServiceUnavailable || !strings.HasPrefix(h.Store, "refusing writes: ") || !strings.Contains(h.Store, "input/output error") {
		t.Fatalf("a refusing store: %d %q", code, h.Store)
	}
	if store, ok := provision.SpkLocalStore(context.Background(), srv.URL()); !ok || store != h.Store {
		t.Fatalf("SpkLocalStore = %q, %v; want the health's store and spk local", store, ok)
	}

	// spk doctor fails a check with why, and spk status says it.
	dir := t.TempDir()
	env := map[string]string{"SPK_AWS_ENDPOINT_URL": srv.URL(), "AWS_CONFIG_FILE": dir + "/config", "AWS_SHARED_CREDENTIALS_FILE": dir + "/credentials"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	l, err := config.Load(config.Options{LookupEnv: lookup, WorkDir: dir, UserConfigDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	c, err := provision.NewClients(context.Background(), l, lookup)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, ch := range provision.Doctor(context.Background(), c, "s", "t") {
		if ch.Name == "spk local's store" {
			found = true
			if ch.OK || ch.Detail != h.Store || !strings.Contains(ch.Fix, "start it again") {
				t.Errorf("doctor's store check: %+v", ch)
			}
		}
	}
	if !found {
		t.Error("doctor has no store check for a refusing store")
	}
	if st := provision.GetStatus(context.Background(), c, "s", "t", "app", nil); st.Endpoint.Store != h.Store {
		t.Errorf("status endpoint %+v, want its store %q", st.Endpoint, h.Store)
	}
}

// startDurable starts an endpoint keeping its data in dir, and returns its
// options for starting it again.
func startDurable(t *testing.T, dir string) (Options, *Server) {
	t.Helper()
	opts := DefaultOptions()
	opts.Addr, opts.DataDir, opts.CreateDelay = "127.0.0.1:0", dir, -1
	opts.Logger = slog.New(slog.DiscardHandler)
	srv, err := Start(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return opts, srv
}

// kinesisCall sends one Kinesis request to srv and returns the answer.
func kinesisCall(t *testing.T, srv *Server, target, body string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, srv.URL(), strings.NewReader(body))
	req.Header.Set("X-Amz-Target", target)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAFAKE/20260101/us-east-1/kinesis/aws4_request, SignedHeaders=host, Signature=00")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", target, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// TestUndecodableDataIsRefusedInWords: a stored record this spk cannot
// decode (damage, or another spk's encoding) refuses the start with a
// line saying what to do, instead of a panic and a stack trace.
func TestUndecodableDataIsRefusedInWords(t *testing.T) {
	dir := t.TempDir()
	opts, srv := startDurable(t, dir)
	for _, op := range []struct{ target, body string }{
		{"Kinesis_20131202.CreateStream", `{"StreamName":"s","ShardCount":1}`},
		{"Kinesis_20131202.PutRecord", `{"StreamName":"s","PartitionKey":"p","Data":"eA=="}`},
	} {
		if st, b := kinesisCall(t, srv, op.target, op.body); st != 200 {
			t.Fatalf("%s: %d %s", op.target, st, b)
		}
	}
	srv.Close()
	// The record's value cut to 4 bytes, where 8 of arrival time begin it.
	db, err := store.Open(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *store.Tx) error {
		b := tx.Bucket([]byte("kinesis/records")).Bucket([]byte("s")).Bucket([]byte{0, 0, 0, 0})
		k, _ := b.Cursor().First()
		return b.Put(bytes.Clone(k), []byte{1, 2, 3, 4})
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = Start(context.Background(), opts)
	if err == nil || !strings.Contains(err.Error(), "start kinesis: its stored data cannot be read (") || !strings.HasSuffix(err.Error(), "move it away to start afresh, or upgrade spk") {
		t.Fatalf("start over an undecodable record: %v", err)
	}
}

// TestAFaultOnADamagedPageFailsOnlyTheRequest: a key whose position on its
// page points past the file's end, damage made while spk local runs, made
// bbolt fault, and the fault ended spk local with SIGBUS for every client;
// it fails the one request, and the endpoint goes on. The next start reads
// every page and refuses the store in one line (such damage made while
// spk local was stopped reached a background pass, or a rollback's walk
// on a goroutine of bbolt's own, which would end the process).
func TestAFaultOnADamagedPageFailsOnlyTheRequest(t *testing.T) {
	dir := t.TempDir()
	opts, srv := startDurable(t, dir)
	defer srv.Close()
	if st, b := kinesisCall(t, srv, "Kinesis_20131202.CreateStream", `{"StreamName":"g","ShardCount":1}`); st != 200 {
		t.Fatalf("CreateStream: %d %s", st, b)
	}
	data := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("x"), 1500))
	for i := range 60 {
		if st, b := kinesisCall(t, srv, "Kinesis_20131202.PutRecord", fmt.Sprintf(`{"StreamName":"g","PartitionKey":"p%d","Data":"%s"}`, i, data)); st != 200 {
			t.Fatalf("PutRecord: %d %s", st, b)
		}
	}
	// Every leaf page of records (values of 1500 bytes and more, free
	// ones too): its first key's position sent 8 MiB on, past the file's
	// end. Written in place: the running endpoint maps the file.
	path := filepath.Join(dir, store.FileName)
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	const pageSize, header = 4096, 16
	var damaged []int
	for off := 2 * pageSize; off+pageSize <= len(b); off += pageSize {
		p := b[off:]
		if binary.NativeEndian.Uint16(p[8:]) == 0x02 && binary.NativeEndian.Uint16(p[10:]) > 0 && binary.NativeEndian.Uint32(p[header+12:]) >= 1500 {
			if _, err := f.WriteAt(binary.NativeEndian.AppendUint32(nil, 8<<20), int64(off+header+4)); err != nil {
				t.Fatal(err)
			}
			damaged = append(damaged, off/pageSize)
		}
	}
	f.Close()
	if len(damaged) == 0 || len(b) >= 8<<20 {
		t.Fatalf("no leaf page of records to damage in %d bytes", len(b))
	}
	st, out := kinesisCall(t, srv, "Kinesis_20131202.GetShardIterator", `{"StreamName":"g","ShardId":"shardId-000000000000","ShardIteratorType":"TRIM_HORIZON"}`)
	var it struct{ ShardIterator string }
	if st != 200 || json.Unmarshal(out, &it) != nil {
		t.Fatalf("GetShardIterator: %d %s", st, out)
	}
	if st, out := kinesisCall(t, srv, "Kinesis_20131202.GetRecords", `{"ShardIterator":"`+it.ShardIterator+`"}`); st != 500 || !strings.Contains(string(out), "InternalFailure") {
		t.Fatalf("GetRecords over the damaged page: %d %.300s, want InternalFailure", st, out)
	}
	if st, out := kinesisCall(t, srv, "Kinesis_20131202.ListStreams", `{}`); st != 200 {
		t.Fatalf("the endpoint after the failed request: %d %s", st, out)
	}
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, err = Start(context.Background(), opts)
	if err == nil || !strings.Contains(err.Error(), "open store "+path+": page ") ||
		!strings.HasSuffix(err.Error(), " holds a key or value outside it; the data directory is damaged: move it away to start afresh") {
		t.Fatalf("start over a damaged page after a clean stop: %v (pages damaged: %v)", err, damaged)
	}
}
