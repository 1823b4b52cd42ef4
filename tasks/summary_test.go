package tasks

import "testing"

func TestUpSummaryTables(t *testing.T) {
	for _, c := range []struct {
		name string
		s    UpSummary
		want string
	}{
		{"read", UpSummary{TableWritten: true, Rows: 10, Buckets: 2}, "the table holds 10 rows in 2 buckets"},
		{"one of each", UpSummary{TableWritten: true, Rows: 1, Buckets: 1, Views: []ViewSummary{{Name: "v", Rows: 0, Buckets: 0}}}, "the table holds 1 row in 1 bucket, v holds 0 rows in 0 buckets"},
		{"unreachable", UpSummary{TableWritten: true, TableError: "endpoint unreachable"}, "could not read the table: endpoint unreachable"},
		{"views unreachable", UpSummary{TableError: "endpoint unreachable"}, "could not read the tables: endpoint unreachable"},
		{"no table", UpSummary{}, "no table was written"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := c.s.Tables(); got != c.want {
				t.Fatalf("Tables() = %q, want %q", got, c.want)
			}
		})
	}
}
