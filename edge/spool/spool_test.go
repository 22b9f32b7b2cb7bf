package spool

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestSequenceSurvivesReopenAndEmptySpool(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for want := uint64(1); want <= 3; want++ {
		got, err := s.NextSeq()
		if err != nil || got != want {
			t.Fatalf("NextSeq = %d, %v; want %d", got, err, want)
		}
		if err := s.Put(got, []byte{byte(got)}); err != nil {
			t.Fatal(err)
		}
	}
	for seq := uint64(1); seq <= 3; seq++ {
		if err := s.Remove(seq); err != nil {
			t.Fatal(err)
		}
	}
	s2, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := s2.NextSeq(); got != 4 {
		t.Fatalf("after reopen NextSeq = %d, want 4", got)
	}
}

func TestSequenceNeverBehindSpooledFiles(t *testing.T) {
	dir := t.TempDir()
	s, _ := Open(dir, Options{})
	s.Put(41, []byte("x"))
	os.Remove(filepath.Join(dir, seqFile))
	s2, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := s2.NextSeq(); got != 42 {
		t.Fatalf("NextSeq = %d, want 42", got)
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
