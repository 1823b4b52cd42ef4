package dynamodb

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/spk-cli/spk/provision/local/service"
)

// A table whose drop fails to commit stays DELETING, as stored, and the
// drop is tried again until the table is gone.
func TestADropThatFailsToCommitIsTriedAgain(t *testing.T) {
	db := mustOpenMemory(t)
	s, err := New(&service.Env{DB: db, Region: "us-east-1", AccountID: "000000000000", DeleteDelay: time.Hour, Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.createTable(raceTableBody("doomed")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.deleteTable([]byte(`{"TableName":"doomed"}`)); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	tbl := s.tables["doomed"]
	s.mu.Unlock()
	done := db.FailNextCommit(errors.New("no space left on device"))
	s.dropTable("doomed", tbl)
	<-done
	if got := opText(t, s, "DescribeTable", `{"TableName":"doomed"}`); !strings.Contains(got, `"TableStatus":"DELETING"`) {
		t.Fatalf("after the failed drop DescribeTable answered %s; want the table DELETING", got)
	}
	deadline := time.Now().Add(10 * time.Second)
	for { // until the drop, tried again a second later, is through
		_, err := s.describeTable([]byte(`{"TableName":"doomed"}`))
		if err != nil && strings.Contains(err.Error(), "ResourceNotFoundException") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the table was not dropped on a second try: DescribeTable answered %v", err)
		}
		time.Sleep(10 * time.Millisecond) // polling interval
	}
}
