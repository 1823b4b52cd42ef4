package dynamodb

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spk-cli/spk/provision/local/service"
)

// The create and update delays' timers replace a table's meta under s.mu.
// Requests that are refused word their refusal from that meta, and must
// read it before they let go of the lock: these tests race each refusal
// with the timer that ends the state it names, so the race detector sees
// a read made after the lock was released (go test -race, as the README's
// test command runs them).

func newTimerRaceService(t *testing.T) *Service {
	t.Helper()
	// Delays of an hour: the tests call the timers' settleTable themselves.
	s, err := New(&service.Env{DB: mustOpenMemory(t), Region: "us-east-1", AccountID: "000000000000",
		CreateDelay: time.Hour, UpdateDelay: time.Hour, DeleteDelay: time.Hour, Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func raceTableBody(name string) []byte {
	return []byte(`{"TableName":"` + name + `","BillingMode":"PROVISIONED","ProvisionedThroughput":{"ReadCapacityUnits":1,"WriteCapacityUnits":1},` +
		`"AttributeDefinitions":[{"AttributeName":"k","AttributeType":"S"}],"KeySchema":[{"AttributeName":"k","KeyType":"HASH"}]}`)
}

// runTogether runs a and b at once and waits for both.
func runTogether(a, b func()) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	wg.Go(func() { <-start; a() })
	wg.Go(func() { <-start; b() })
	close(start)
	wg.Wait()
}

// Several workers ensure the same table at once: the ones that lose are
// refused while the create delay's timer makes the table ACTIVE.
func TestCreateTableRefusalRacesTheCreateTimer(t *testing.T) {
	s := newTimerRaceService(t)
	for i := range 100 {
		name := fmt.Sprintf("leases-%d", i)
		if _, err := s.createTable(raceTableBody(name)); err != nil {
			t.Fatal(err)
		}
		var refusal error
		runTogether(
			func() { _, refusal = s.createTable(raceTableBody(name)) },
			func() { s.settleTable(name, 0) },
		)
		if refusal == nil {
			t.Fatalf("%s created twice", name)
		}
		if msg := refusal.Error(); !strings.Contains(msg, "Table is being created: "+name) && !strings.Contains(msg, "Table already exists: "+name) {
			t.Fatalf("second CreateTable of %s: %v", name, refusal)
		}
	}
}

// An UpdateTable sent while the last one is under way is refused while the
// update delay's timer ends it.
func TestUpdateTableRefusalRacesTheUpdateTimer(t *testing.T) {
	s := newTimerRaceService(t)
	for i := range 100 {
		name := fmt.Sprintf("counts-%d", i)
		if _, err := s.createTable(raceTableBody(name)); err != nil {
			t.Fatal(err)
		}
		s.settleTable(name, 0)
		if _, err := s.updateTable([]byte(`{"TableName":"` + name + `","ProvisionedThroughput":{"ReadCapacityUnits":2,"WriteCapacityUnits":2}}`)); err != nil {
			t.Fatal(err)
		}
		var second error
		runTogether(
			func() {
				_, second = s.updateTable([]byte(`{"TableName":"` + name + `","ProvisionedThroughput":{"ReadCapacityUnits":3,"WriteCapacityUnits":3}}`))
			},
			func() { s.settleTable(name, 2) },
		)
		// Refused while UPDATING, or taken once the timer made it ACTIVE.
		if second != nil && !strings.Contains(second.Error(), "still in use") {
			t.Fatalf("second UpdateTable of %s: %v", name, second)
		}
	}
}
