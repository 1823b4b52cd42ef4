package service

import "testing"

func TestFaults(t *testing.T) {
	if NewFaults(0, 1) != nil {
		t.Fatal("rate 0 must turn faults off")
	}
	var off *Faults
	if off.Hit() {
		t.Fatal("nil Faults hit")
	}
	seq := func(seed int64) (string, int) {
		f := NewFaults(0.25, seed)
		b, hits := make([]byte, 1000), 0
		for i := range b {
			b[i] = '.'
			if f.Hit() {
				b[i], hits = 'x', hits+1
			}
		}
		return string(b), hits
	}
	a, hits := seq(42)
	b, _ := seq(42)
	c, _ := seq(43)
	if a != b {
		t.Fatal("same seed, different faults")
	}
	if a == c {
		t.Fatal("different seeds, same faults")
	}
	if hits < 180 || hits > 320 {
		t.Fatalf("%d of 1000 hit at rate 0.25", hits)
	}
}
