package spool

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// at is a clock stopped at t.
func at(t time.Time) func() time.Time { return func() time.Time { return t } }

func TestSequenceSurvivesReopenAndEmptySpool(t *testing.T) {
	dir := t.TempDir()
	start := time.Date(2026, 11, 25, 1, 0, 0, 0, time.UTC)
	s, err := Open(dir, Options{Now: at(start)})
	if err != nil {
		t.Fatal(err)
	}
	first := uint64(start.UnixMilli())
	for want := first; want < first+3; want++ {
		got, err := s.NextSeq()
		if err != nil || got != want {
			t.Fatalf("NextSeq = %d, %v; want %d", got, err, want)
		}
		if err := s.Put(got, []byte{byte(got)}); err != nil {
			t.Fatal(err)
		}
	}
	for seq := first; seq < first+3; seq++ {
		if err := s.Remove(seq); err != nil {
			t.Fatal(err)
		}
	}
	// Reopened later, the empty spool counts on; the clock does not matter.
	s2, err := Open(dir, Options{Now: at(start.Add(time.Hour))})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := s2.NextSeq(); got != first+3 {
		t.Fatalf("after reopen NextSeq = %d, want %d", got, first+3)
	}
}

// TestNewSpoolNeverReusesNumbers: a sensor replaced or reinstalled under
// the same id starts a new spool; its numbers must not meet the old
// spool's, which the cloud has taken, however long the old one ran.
func TestNewSpoolNeverReusesNumbers(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	old, err := Open(t.TempDir(), Options{Now: at(start)})
	if err != nil {
		t.Fatal(err)
	}
	first, _ := old.NextSeq()
	// A year of minutes later (a few numbers a minute at most), the old
	// spool's numbers are still below a new spool's first.
	last := first + 4*uint64((365*24*time.Hour)/time.Minute)
	replaced, err := Open(t.TempDir(), Options{Now: at(start.Add(365 * 24 * time.Hour))})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := replaced.NextSeq(); got <= last {
		t.Errorf("a new spool a year later starts at %d, within the old one's %d..%d", got, first, last)
	}
	// A clock that was never set gives starts above every clock reading,
	// apart from each other.
	unset := time.Unix(30, 0)
	a, _ := Open(t.TempDir(), Options{Now: at(unset)})
	b, _ := Open(t.TempDir(), Options{Now: at(unset)})
	sa, _ := a.NextSeq()
	sb, _ := b.NextSeq()
	if sa < 1<<52 || sb < 1<<52 || sa == sb {
		t.Errorf("starts without a clock: %d and %d, want distinct and at least 2^52", sa, sb)
	}
}

// TestFailedWriteLeavesNothing: a batch that cannot be written leaves no
// partial file behind to hold on to the space a full disk lacks.
func TestFailedWriteLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// A directory where the batch's file goes: the final rename fails.
	// Not empty, so that the rename cannot replace it.
	if err := os.MkdirAll(filepath.Join(s.path(7), "x"), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(7, []byte("batch")); err == nil {
		t.Fatal("Put over a directory succeeded")
	}
	if _, err := os.Stat(s.path(7) + ".tmp"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("partial file left behind: %v", err)
	}
	if st := s.Stats(); st.Batches != 0 {
		t.Errorf("the failed batch is queued: %+v", st)
	}
}

func TestSequenceNeverBehindSpooledFiles(t *testing.T) {
	dir := t.TempDir()
	s, _ := Open(dir, Options{})
	s.Put(1<<53, []byte("x"))
	os.Remove(filepath.Join(dir, seqFile))
	s2, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := s2.NextSeq(); got != 1<<53+1 {
		t.Fatalf("NextSeq = %d, want %d", got, uint64(1<<53+1))
	}
}

func TestOldestInOrderAcrossReopen(t *testing.T) {
	dir := t.TempDir()
	s, _ := Open(dir, Options{})
	for _, seq := range []uint64{3, 1, 2} {
		if err := s.Put(seq, []byte{byte(seq)}); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(dir, "00000000000000000009.batch.tmp"), []byte("torn"), 0o640)
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for want := uint64(1); want <= 3; want++ {
		seq, b, err := s.Oldest()
		if err != nil || seq != want || !bytes.Equal(b, []byte{byte(want)}) {
			t.Fatalf("Oldest = %d %v %v, want %d", seq, b, err, want)
		}
		s.Remove(seq)
	}
	if _, _, err := s.Oldest(); !errors.Is(err, ErrEmpty) {
		t.Fatalf("Oldest on empty spool: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "00000000000000000009.batch.tmp")); !os.IsNotExist(err) {
		t.Error("torn temporary file was not cleaned up")
	}
}

func TestBoundsDropOldest(t *testing.T) {
	s, _ := Open(t.TempDir(), Options{MaxBytes: 25, MaxBatches: 100})
	for seq := uint64(1); seq <= 5; seq++ {
		if err := s.Put(seq, make([]byte, 10)); err != nil {
			t.Fatal(err)
		}
	}
	st := s.Stats()
	if st.Batches != 2 || st.Bytes != 20 || st.Dropped != 3 {
		t.Fatalf("stats = %+v, want 2 batches, 20 bytes, 3 dropped", st)
	}
	if seq, _, _ := s.Oldest(); seq != 4 {
		t.Fatalf("oldest = %d, want 4", seq)
	}
}
