package spool

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ErrEmpty means there is nothing waiting to be sent.
var ErrEmpty = errors.New("spool: empty")

const (
	suffix  = ".batch"
	seqFile = "seq"
)

// Options bound the spool's disk use. When a new batch would exceed a
// bound, the oldest batches are dropped (and counted): at 10 GB/month the
// newest data is what operators need first after a long outage.
type Options struct {
	MaxBytes   int64 // default 1 GiB
	MaxBatches int   // default 43200 (30 days of minutes)
	// Now is the clock a new spool's first number is taken from (see
	// firstSeq); default time.Now.
	Now func() time.Time
}

// saneClock is a time before which a clock is taken for unset: a board
// without a real-time clock that has not synchronised yet.
var saneClock = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// firstSeq is the number a new spool counts on from. The cloud keeps a
// sensor's batches exactly once by their numbers, so a sensor replaced or
// reinstalled under the same id — a new spool that knows nothing of the
// old one's numbers — must not reuse them, or the cloud would drop its
// batches as duplicates. So a new spool starts at the clock in
// milliseconds: a counter that takes about one number a minute never
// catches up with a later start. A clock that is plainly unset gives a
// random start above every clock reading instead, where two such starts
// are unlikely to meet. Either stays below 2^53, so that the numbers are
// exact in JSON too.
func firstSeq(now time.Time) uint64 {
	if now.After(saneClock) {
		return uint64(now.UnixMilli())
	}
	return 1<<52 + rand.Uint64N(1<<50)
}

// Spool is a directory of batch files named by sequence number.
// It is safe for concurrent use.
type Spool struct {
	dir  string
	opts Options

	mu      sync.Mutex
	lastSeq uint64
	queue   []entry // ascending seq
	bytes   int64
	dropped uint64
}

type entry struct {
	seq  uint64
	size int64
}

// Open opens or creates a spool in dir and recovers its queue and counter.
func Open(dir string, opts Options) (*Spool, error) {
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = 1 << 30
	}
	if opts.MaxBatches <= 0 {
		opts.MaxBatches = 43200
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("spool: create %s: %w", dir, err)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Spool{dir: dir, opts: opts}
	fresh := false
	if b, err := os.ReadFile(filepath.Join(dir, seqFile)); err == nil {
		n, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("spool: corrupt sequence file: %w", err)
		}
		s.lastSeq = n
	} else if errors.Is(err, os.ErrNotExist) {
		fresh = true
	} else {
		return nil, fmt.Errorf("spool: read sequence: %w", err)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("spool: list %s: %w", dir, err)
	}
	for _, e := range ents {
		name := e.Name()
		if strings.HasSuffix(name, ".tmp") {
			os.Remove(filepath.Join(dir, name)) // an interrupted write
			continue
		}
		num, ok := strings.CutSuffix(name, suffix)
		if !ok {
			continue
		}
		seq, err := strconv.ParseUint(num, 10, 64)
		if err != nil {
			continue
		}
		info, err := e.Info()
		if err != nil {
			return nil, fmt.Errorf("spool: stat %s: %w", name, err)
		}
		s.queue = append(s.queue, entry{seq: seq, size: info.Size()})
		s.bytes += info.Size()
		// A lost or stale sequence file must not let numbers repeat.
		s.lastSeq = max(s.lastSeq, seq)
	}
	sort.Slice(s.queue, func(i, j int) bool { return s.queue[i].seq < s.queue[j].seq })
	if fresh {
		s.lastSeq = max(s.lastSeq, firstSeq(s.opts.Now())-1)
	}
	return s, nil
}

// NextSeq reserves the next sequence number and persists it before
// returning, so a crash can skip a number but never reuse one.
func (s *Spool) NextSeq() (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	next := s.lastSeq + 1
	if err := writeAtomic(filepath.Join(s.dir, seqFile), []byte(strconv.FormatUint(next, 10)+"\n")); err != nil {
		return 0, fmt.Errorf("spool: persist sequence: %w", err)
	}
	s.lastSeq = next
	return next, nil
}

// Put stores the payload of batch seq durably.
func (s *Spool) Put(seq uint64, payload []byte) error {
	if err := writeAtomic(s.path(seq), payload); err != nil {
		return fmt.Errorf("spool: write batch %d: %w", seq, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i := sort.Search(len(s.queue), func(i int) bool { return s.queue[i].seq >= seq })
	if i < len(s.queue) && s.queue[i].seq == seq {
		s.bytes -= s.queue[i].size
		s.queue[i].size = int64(len(payload))
	} else {
		s.queue = append(s.queue, entry{})
		copy(s.queue[i+1:], s.queue[i:])
		s.queue[i] = entry{seq: seq, size: int64(len(payload))}
	}
	s.bytes += int64(len(payload))
	for len(s.queue) > 1 && (s.bytes > s.opts.MaxBytes || len(s.queue) > s.opts.MaxBatches) {
		old := s.queue[0]
		if err := os.Remove(s.path(old.seq)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("spool: drop batch %d: %w", old.seq, err)
		}
		s.queue = s.queue[1:]
		s.bytes -= old.size
		s.dropped++
	}
	return nil
}

// Oldest returns the lowest-numbered waiting batch, or ErrEmpty.
func (s *Spool) Oldest() (uint64, []byte, error) {
	for {
		s.mu.Lock()
		if len(s.queue) == 0 {
			s.mu.Unlock()
			return 0, nil, ErrEmpty
		}
		seq := s.queue[0].seq
		s.mu.Unlock()
		b, err := os.ReadFile(s.path(seq))
		if errors.Is(err, os.ErrNotExist) {
			s.forget(seq) // removed under us; move on
			continue
		}
		if err != nil {
			return 0, nil, fmt.Errorf("spool: read batch %d: %w", seq, err)
		}
		return seq, b, nil
	}
}

// Remove deletes an acknowledged batch.
func (s *Spool) Remove(seq uint64) error {
	if err := os.Remove(s.path(seq)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("spool: remove batch %d: %w", seq, err)
	}
	s.forget(seq)
	return nil
}

func (s *Spool) forget(seq uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, e := range s.queue {
		if e.seq == seq {
			s.bytes -= e.size
			s.queue = append(s.queue[:i], s.queue[i+1:]...)
			return
		}
	}
}

// Stats reports the backlog and how many batches were dropped for space.
type Stats struct {
	Batches int
	Bytes   int64
	Dropped uint64
	LastSeq uint64
}

// Stats returns the spool's current counters.
func (s *Spool) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Stats{Batches: len(s.queue), Bytes: s.bytes, Dropped: s.dropped, LastSeq: s.lastSeq}
}

func (s *Spool) path(seq uint64) string {
	return filepath.Join(s.dir, fmt.Sprintf("%020d%s", seq, suffix))
}

// writeAtomic writes via a synced temporary file and a rename, so a power
// cut leaves either the old file or the new one, never a torn one.
func writeAtomic(path string, data []byte) (err error) {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o640)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			// A partial file would only hold on to space a full disk lacks.
			os.Remove(tmp)
		}
	}()
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
